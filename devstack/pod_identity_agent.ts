/**
 * A local stand-in for the EKS Pod Identity Agent, for tests.
 *
 * The real agent listens on `http://169.254.170.23/v1/credentials` and
 * `http://[fd00:ec2::23]/v1/credentials`; this one listens on loopback
 * (`127.0.0.1` or `::1`) on a free port. Callers send
 * `GET /v1/credentials` with `Authorization: <raw service account token>`
 * (no `Bearer`) and get `200` with
 * `{"AccessKeyId","SecretAccessKey","Token","AccountId","Expiration"}`.
 *
 * Errors: by default (`errorFormat: "json"`) they are JSON
 * `{"code":"...","message":"..."}`, the shape the AWS SDKs' container /
 * endpoint credential providers parse. The real agent (aws/eks-pod-identity-agent)
 * actually answers errors with Go's `http.Error`, i.e. `text/plain;
 * charset=utf-8` and the message plus `\n`; choose `errorFormat: "text"` to
 * get exactly that.
 *
 * @example
 * ```ts
 * await using agent = await startPodIdentityAgent({ tokens: { "sa-token": {} } });
 * const res = await fetch(agent.credentialsUrl, { headers: { Authorization: "sa-token" } });
 * ```
 *
 * @module
 */

import { faultBook, type FaultedCall, type FaultInjector, textAnswer, waitOut } from "./faults.ts";

/** Credentials as the agent returns them. */
export interface PodIdentityCredentials {
  /** Access key id. */
  AccessKeyId: string;
  /** Secret access key. */
  SecretAccessKey: string;
  /** Session token. */
  Token: string;
  /** AWS account id. */
  AccountId: string;
  /** RFC 3339 expiration time. */
  Expiration: string;
}

/** Credentials to hand out for a token; missing fields come from the defaults. */
export type PodIdentityCredentialsInput = Partial<PodIdentityCredentials>;

/** Which credential requests a fault applies to; every one when `token` is left out. */
export interface PodIdentityFaultMatch {
  /** Only requests with this `Authorization` (one pod's service account token). */
  token?: string;
}

/** One request seen by the agent. */
export interface PodIdentityCall extends FaultedCall {
  /** HTTP method. */
  method: string;
  /** URL path (without query). */
  path: string;
  /** Raw `Authorization` header, or `null`. */
  authorization: string | null;
  /** `Accept` header, or `null`. */
  accept: string | null;
  /** `Host` header. */
  host: string | null;
}

/** Options for {@linkcode startPodIdentityAgent}. */
export interface PodIdentityAgentOptions {
  /** Loopback address to listen on. @default {"127.0.0.1"} */
  hostname?: "127.0.0.1" | "::1";
  /** Port; `0` picks a free one. @default {0} */
  port?: number;
  /**
   * Allow-list of service account tokens and what each gets. When omitted,
   * any non-empty token gets the default credentials.
   */
  tokens?: Record<string, PodIdentityCredentialsInput>;
  /** Default credentials (fields not set per token). */
  credentials?: PodIdentityCredentialsInput;
  /**
   * Lifetime of the default `Expiration`, computed per response.
   * @default {3600}
   */
  expiresInSeconds?: number;
  /** Error body format of its own errors and of `status`, `throttle` and `accessDenied` faults. @default {"json"} */
  errorFormat?: "json" | "text";
}

/**
 * A running agent. Faults are set, cleared and counted as on every stand-in
 * (`faults.ts`); `countBy()` counts by path. It answers `status` (the code
 * defaults from the status), `throttle` (429 `ThrottlingException`),
 * `accessDenied` (403 `AccessDeniedException`), `text` (Go's `http.Error`),
 * `hang` (released with 503 at stop) and `latency`.
 */
export interface PodIdentityAgent
  extends AsyncDisposable, FaultInjector<PodIdentityFaultMatch, PodIdentityCall> {
  /** Base URL, e.g. `http://127.0.0.1:41234` or `http://[::1]:41234`. */
  readonly url: string;
  /** `${url}/v1/credentials`, the full credentials URI. */
  readonly credentialsUrl: string;
  /** Address listened on. */
  readonly hostname: string;
  /** Port listened on. */
  readonly port: number;
  /** Adds or replaces an allowed token (turns the allow-list on if it was off). */
  setToken(token: string, credentials?: PodIdentityCredentialsInput): void;
  /** Removes a token from the allow-list. */
  removeToken(token: string): boolean;
  /** Stops the agent, releasing hung requests. */
  stop(): Promise<void>;
}

/** Default credentials handed out (Expiration is computed per response). */
export const DEFAULT_POD_IDENTITY_CREDENTIALS: Readonly<
  Omit<PodIdentityCredentials, "Expiration">
> = Object.freeze({
  AccessKeyId: "ASIAPODIDENTITYTEST1",
  SecretAccessKey: "podIdentityTestSecretAccessKey/0123456789",
  Token: "IQoJb3JpZ2luX2VjEPodIdentityTestSessionToken",
  AccountId: "123456789012",
});

const STATUS_CODES: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "AccessDeniedException",
  404: "NotFound",
  429: "ThrottlingException",
  500: "InternalServerException",
  503: "ServiceUnavailable",
};

function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function hostForUrl(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

/**
 * Starts a local EKS Pod Identity Agent on a loopback address.
 * Needs `--allow-net` for that address.
 */
export function startPodIdentityAgent(
  options: PodIdentityAgentOptions = {},
): Promise<PodIdentityAgent> {
  const hostname = options.hostname ?? "127.0.0.1";
  const errorFormat = options.errorFormat ?? "json";
  const expiresIn = options.expiresInSeconds ?? 3600;
  let tokens = options.tokens === undefined
    ? undefined
    : new Map(Object.entries(options.tokens).map(([k, v]) => [k, { ...v }]));
  const book = faultBook<PodIdentityFaultMatch, PodIdentityCall>({
    name: "Pod Identity agent stand-in",
    kinds: ["status", "throttle", "accessDenied", "text", "hang", "latency"],
    countKey: (call) => call.path,
  });
  const stopController = new AbortController();

  function errorResponse(status: number, code: string, message: string): Response {
    if (errorFormat === "text") return textAnswer(status, message);
    return Response.json({ code, message }, { status });
  }

  function credentialsFor(token: string): PodIdentityCredentials {
    // Expiration computed per answer unless given; the fields in the order the agent sends them.
    return {
      ...DEFAULT_POD_IDENTITY_CREDENTIALS,
      Expiration: rfc3339(new Date(Date.now() + expiresIn * 1000)),
      ...options.credentials,
      ...tokens?.get(token),
    };
  }

  async function handle(request: Request, entry: PodIdentityCall): Promise<Response> {
    if (entry.path !== "/v1/credentials") return textAnswer(404, "404 page not found");
    const fault = book.take({ token: entry.authorization ?? "" });
    if (fault !== undefined) entry.fault = fault.kind;
    // Not watching request.signal: touching it makes Deno 2.9 print a
    // "legacy abort" warning. A hang just waits for stop().
    await waitOut(fault, stopController.signal);
    switch (fault?.kind) {
      case "hang":
        entry.status = -1;
        return textAnswer(503, "agent shutting down");
      case "text":
        return textAnswer(fault.status, fault.body);
      case "status":
      case "throttle":
      case "accessDenied": {
        const status = fault.kind === "status"
          ? fault.status
          : fault.kind === "throttle"
          ? 429
          : 403;
        const code = fault.kind === "status" ? fault.code : undefined;
        return errorResponse(
          status,
          code ?? STATUS_CODES[status] ?? `Http${status}`,
          fault.message ?? `injected ${status} fault`,
        );
      }
    }
    const token = request.headers.get("authorization") ?? "";
    if (token === "") {
      return errorResponse(400, "InvalidRequest", "Service account token cannot be empty");
    }
    if (tokens !== undefined && !tokens.has(token)) {
      // What the agent relays when EKS Auth rejects the token (HTTP 400).
      const requestId = crypto.randomUUID();
      return errorResponse(
        400,
        "InvalidTokenException",
        `[${requestId}]: (InvalidTokenException): The service account token is invalid, fault: client`,
      );
    }
    return Response.json(credentialsFor(token));
  }

  const server = Deno.serve({
    hostname,
    port: options.port ?? 0,
    onListen: () => {},
  }, async (request) => {
    const entry: PodIdentityCall = {
      method: request.method,
      path: new URL(request.url).pathname,
      status: 0,
      authorization: request.headers.get("authorization"),
      accept: request.headers.get("accept"),
      host: request.headers.get("host"),
    };
    book.record(entry);
    const response = await handle(request, entry);
    // -1 marks a hung request: it is logged with status 0 (never answered in time).
    entry.status = entry.status === -1 ? 0 : response.status;
    return response;
  });

  const port = server.addr.port;
  const url = `http://${hostForUrl(hostname)}:${port}`;
  let stopped: Promise<void> | undefined;

  function stop(): Promise<void> {
    stopped ??= (async () => {
      stopController.abort();
      await server.shutdown();
    })();
    return stopped;
  }

  return Promise.resolve({
    ...book.injector,
    url,
    credentialsUrl: `${url}/v1/credentials`,
    hostname,
    port,
    setToken(token, credentials = {}) {
      tokens ??= new Map();
      tokens.set(token, { ...credentials });
    },
    removeToken: (token) => tokens?.delete(token) ?? false,
    stop,
    [Symbol.asyncDispose]: stop,
  });
}
