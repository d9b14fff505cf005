/**
 * A stand-in for the EKS Pod Identity Agent inside kind. The real agent is a
 * host-network DaemonSet that answers on the node's link-local address
 * 169.254.170.23 and trades a pod's service account token (audience
 * `pods.eks.amazonaws.com`) for the credentials of the role associated with
 * the pod's service account (EKS Auth `AssumeRoleForPodIdentity`). This one
 * does the same on the same address and path, from associations given in
 * `ASSOCIATIONS`, and gets real emulator credentials for the role with STS
 * `AssumeRoleWithWebIdentity` (moto does not check the token): the provider
 * then fetches with credentials that only this path could have produced.
 *
 * Self-contained (Deno APIs only): the suite puts this file in a ConfigMap and
 * runs it in a `denoland/deno` container with `LISTEN`, `PORT`, `STS` (the
 * AWS endpoint as pods reach it) and `ASSOCIATIONS` (JSON,
 * `{"<namespace>/<service account>": "<role ARN>"}`). It logs one line per
 * request with the service account and the outcome, never a token or a key.
 *
 * @module
 */

/** The audience of the tokens the agent accepts. */
export const AGENT_AUDIENCE = "pods.eks.amazonaws.com";

/** Who a service account token is for. */
export interface TokenClaims {
  /** Namespace of the service account. */
  namespace: string;
  /** Service account name. */
  serviceAccount: string;
  /** `aud` claim. */
  audiences: string[];
  /** `exp` claim (seconds since the epoch), when present. */
  expiresAt?: number;
}

/** Service account → role ARN, keyed `<namespace>/<service account>`. */
export type Associations = Record<string, string>;

/** Credentials in the agent's answer format. */
export interface AgentCredentials {
  /** Access key id. */
  AccessKeyId: string;
  /** Secret access key. */
  SecretAccessKey: string;
  /** Session token. */
  Token: string;
  /** Account of the role. */
  AccountId: string;
  /** RFC 3339 expiry. */
  Expiration: string;
}

/**
 * The claims of a Kubernetes service account token (a JWT; the signature is
 * not checked: this is a test stand-in), or undefined when it is not one.
 */
export function tokenClaims(token: string): TokenClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  let payload: Record<string, unknown>;
  try {
    const base64 = parts[1].replaceAll("-", "+").replaceAll("_", "/");
    payload = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")));
  } catch {
    return undefined;
  }
  const match = typeof payload.sub === "string"
    ? payload.sub.match(/^system:serviceaccount:([^:]+):([^:]+)$/)
    : null;
  if (!match) return undefined;
  const aud = payload.aud;
  return {
    namespace: match[1],
    serviceAccount: match[2],
    audiences: typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud.map(String) : [],
    expiresAt: typeof payload.exp === "number" ? payload.exp : undefined,
  };
}

/** An error answer as the agent gives it (JSON `code` and `message`). */
export function agentError(status: number, code: string, message: string): Response {
  return Response.json({ code, message }, { status });
}

/** A valid STS session name for a service account (`[\w+=,.@-]{2,64}`). */
export function sessionName(claims: TokenClaims): string {
  return `eks-pod-identity-${claims.namespace}-${claims.serviceAccount}`
    .replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
}

/**
 * The role's credentials from STS `AssumeRoleWithWebIdentity` at `sts`.
 *
 * @throws {Error} with STS's status when it refuses.
 */
export async function assumeRole(
  sts: string,
  roleArn: string,
  options: { token: string; session: string },
): Promise<AgentCredentials> {
  const answer = await fetch(new URL("/", sts), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: new URLSearchParams({
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: roleArn,
      RoleSessionName: options.session,
      WebIdentityToken: options.token,
    }),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`STS answered ${answer.status}`);
  const field = (name: string) => {
    const value = text.match(new RegExp(`<${name}>([^<]+)</${name}>`))?.[1];
    if (value === undefined) throw new Error(`STS's answer has no ${name}`);
    return value;
  };
  return {
    AccessKeyId: field("AccessKeyId"),
    SecretAccessKey: field("SecretAccessKey"),
    Token: field("SessionToken"),
    AccountId: roleArn.split(":")[4],
    Expiration: field("Expiration"),
  };
}

/** Options of {@linkcode serveAgentStandin}. */
export interface AgentStandinOptions {
  /** Address to listen on. @default {"169.254.170.23"} */
  hostname?: string;
  /** Port. @default {80} */
  port?: number;
  /** The STS endpoint (an emulator, or the fault proxy in front of it). */
  sts: string;
  /** The Pod Identity associations. */
  associations: Associations;
  /** One line per request. @default {console.log} */
  log?: (line: string) => void;
  /** The clock, in seconds since the epoch. @default {Date.now() / 1000} */
  now?: () => number;
}

/** Starts the stand-in; `GET /v1/credentials` with the token in `Authorization`. */
export function serveAgentStandin(options: AgentStandinOptions): Deno.HttpServer<Deno.NetAddr> {
  const log = options.log ?? console.log;
  const now = options.now ?? (() => Date.now() / 1000);
  return Deno.serve({
    hostname: options.hostname ?? "169.254.170.23",
    port: options.port ?? 80,
    onListen: () => {},
  }, async (request) => {
    if (new URL(request.url).pathname !== "/v1/credentials" || request.method !== "GET") {
      return agentError(404, "NotFound", "only GET /v1/credentials");
    }
    const token = request.headers.get("authorization") ?? "";
    if (token === "") {
      log("refused a request without a token");
      return agentError(400, "InvalidRequest", "Service account token cannot be empty");
    }
    const claims = tokenClaims(token);
    if (!claims || !claims.audiences.includes(AGENT_AUDIENCE)) {
      log(`refused a token that is not a service account token for ${AGENT_AUDIENCE}`);
      return agentError(400, "InvalidTokenException", "The service account token is invalid");
    }
    const account = `${claims.namespace}/${claims.serviceAccount}`;
    if (claims.expiresAt !== undefined && claims.expiresAt <= now()) {
      log(`refused ${account}: the token expired`);
      return agentError(400, "ExpiredTokenException", "The service account token has expired");
    }
    const roleArn = options.associations[account];
    if (!roleArn) {
      log(`refused ${account}: no association`);
      return agentError(
        400,
        "AccessDeniedException",
        `no Pod Identity association for service account ${account}`,
      );
    }
    try {
      const credentials = await assumeRole(options.sts, roleArn, {
        token,
        session: sessionName(claims),
      });
      log(`served ${account} with ${roleArn}`);
      return Response.json(credentials);
    } catch (error) {
      log(`failed ${account}: ${(error as Error).message}`);
      return agentError(500, "ServiceUnavailableException", (error as Error).message);
    }
  });
}

if (import.meta.main) {
  const sts = Deno.env.get("STS");
  if (!sts) throw new Error("STS (the AWS endpoint as pods reach it) is required");
  const server = serveAgentStandin({
    hostname: Deno.env.get("LISTEN") ?? "169.254.170.23",
    port: Number(Deno.env.get("PORT") ?? "80"),
    sts,
    associations: JSON.parse(Deno.env.get("ASSOCIATIONS") ?? "{}"),
  });
  console.log(`Pod Identity agent stand-in on ${server.addr.hostname}:${server.addr.port}`);
}
