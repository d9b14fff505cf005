/**
 * A reverse proxy in front of the AWS emulator that makes one region fail:
 * the e2e cluster's provider talks to the emulator through it, and the suite
 * switches a region's faults on and off over HTTP. The region is read from
 * the SigV4 credential scope (`Credential=<key>/<date>/<region>/<service>/…`),
 * so Secrets Manager and SSM calls of the failing region get a modeled 5xx
 * server error while the other region answers normally — the condition under
 * which the provider must fail over.
 *
 * Self-contained (Deno APIs only): the suite copies this one file into a
 * `denoland/deno` container on the kind network and runs it there with
 * `UPSTREAM` (the emulator's URL) and `PORT`.
 *
 * It also keeps what the leak check must look for and that only STS traffic
 * shows: the web identity tokens sent to `AssumeRoleWithWebIdentity` (the
 * pods' service account tokens, as the kubelet issued them to the driver)
 * and the secret keys and session tokens STS answered with.
 *
 * Control API: `GET /__e2e/health`; `PUT /__e2e/faults` with a JSON object
 * `{ "<region>": <status> }` (an empty object clears every fault);
 * `GET /__e2e/faults`; `GET /__e2e/sensitive` (`{ tokens, credentials }`).
 *
 * @module
 */

/** HTTP status of the error answered for a region, by region. */
export type RegionFaults = Record<string, number>;

/** What a signed AWS request is for. */
export interface SignedScope {
  /** Region of the credential scope. */
  region: string;
  /** Service of the credential scope (`secretsmanager`, `ssm`, `sts`). */
  service: string;
}

/** The SigV4 scope of an `Authorization` header, or undefined (unsigned requests). */
export function signedScope(authorization: string | null): SignedScope | undefined {
  const match = authorization?.match(/Credential=[^/,\s]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/);
  return match ? { region: match[1], service: match[2] } : undefined;
}

/** The AWS error a failing region answers with: modeled server faults of each service. */
export function faultResponse(service: string, status: number): Response {
  const code = status >= 500
    ? (service === "ssm" ? "InternalServerError" : "InternalServiceError")
    : "ValidationException";
  const body = JSON.stringify({ __type: code, message: `e2e fault injected for ${service}` });
  return new Response(body, {
    status,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": code },
  });
}

/** Values seen in STS traffic that must never be shown (at most {@linkcode SENSITIVE_LIMIT} each). */
export interface SensitiveValues {
  /** `WebIdentityToken`s of `AssumeRoleWithWebIdentity` requests. */
  tokens: string[];
  /** `SecretAccessKey`s and `SessionToken`s of STS answers. */
  credentials: string[];
}

/** How many values of each kind the proxy keeps (the suite makes a few dozen). */
export const SENSITIVE_LIMIT = 1_000;

/** The `WebIdentityToken` of a form-encoded STS request body, or undefined. */
export function webIdentityToken(body: string): string | undefined {
  if (!body.includes("WebIdentityToken=")) return undefined;
  return new URLSearchParams(body).get("WebIdentityToken") ?? undefined;
}

/** `SecretAccessKey` and `SessionToken` values of an STS XML answer. */
export function stsCredentials(body: string): string[] {
  return [...body.matchAll(/<(SecretAccessKey|SessionToken)>([^<]+)<\/\1>/g)]
    .map((match) => match[2]);
}

/** Options of {@linkcode serveRegionFaultProxy}. */
export interface RegionFaultProxyOptions {
  /** The emulator, e.g. `http://172.18.0.3:5000`. */
  upstream: string;
  /** Port to listen on (0: any). */
  port: number;
  /** Address to listen on. @default {"0.0.0.0"} */
  hostname?: string;
}

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade", "host"];

/** Starts the proxy; returns the server (its `addr` has the port). */
export function serveRegionFaultProxy(
  options: RegionFaultProxyOptions,
): Deno.HttpServer<Deno.NetAddr> {
  let faults: RegionFaults = {};
  const sensitive = { tokens: new Set<string>(), credentials: new Set<string>() };
  const keep = (into: Set<string>, value: string) => {
    if (into.size < SENSITIVE_LIMIT) into.add(value);
  };
  return Deno.serve(
    { port: options.port, hostname: options.hostname ?? "0.0.0.0", onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      if (url.pathname === "/__e2e/health") return new Response("ok");
      if (url.pathname === "/__e2e/faults") {
        if (request.method === "PUT") faults = await request.json();
        return Response.json(faults);
      }
      if (url.pathname === "/__e2e/sensitive") {
        return Response.json({
          tokens: [...sensitive.tokens],
          credentials: [...sensitive.credentials],
        });
      }
      const scope = signedScope(request.headers.get("authorization"));
      const status = scope ? faults[scope.region] : undefined;
      if (scope && status !== undefined) return faultResponse(scope.service, status);
      // AWS request bodies are small: read them whole, to see STS's web identity tokens.
      const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
      const token = body ? webIdentityToken(new TextDecoder().decode(body)) : undefined;
      if (token) keep(sensitive.tokens, token);
      const headers = new Headers(request.headers);
      for (const name of HOP_BY_HOP) headers.delete(name);
      headers.delete("content-length");
      const answer = await fetch(new URL(url.pathname + url.search, options.upstream), {
        method: request.method,
        headers,
        body,
      });
      const answerHeaders = new Headers(answer.headers);
      for (const name of HOP_BY_HOP) answerHeaders.delete(name);
      // fetch has decoded a compressed body already.
      answerHeaders.delete("content-encoding");
      answerHeaders.delete("content-length");
      if (token !== undefined || scope?.service === "sts") {
        const text = await answer.text();
        for (const value of stsCredentials(text)) keep(sensitive.credentials, value);
        return new Response(text, { status: answer.status, headers: answerHeaders });
      }
      return new Response(answer.body, { status: answer.status, headers: answerHeaders });
    },
  );
}

if (import.meta.main) {
  const upstream = Deno.env.get("UPSTREAM");
  if (!upstream) throw new Error("UPSTREAM (the emulator's URL) is required");
  const server = serveRegionFaultProxy({ upstream, port: Number(Deno.env.get("PORT") ?? "8080") });
  console.log(`region fault proxy on :${server.addr.port} → ${upstream}`);
}
