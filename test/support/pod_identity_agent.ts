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

/** An error fault: answers with this status and a JSON (or, per `errorFormat`, text) error. */
export interface PodIdentityErrorFault {
  /** HTTP status, e.g. 500, 400, 403, 429. */
  status: number;
  /** Error code in the JSON body. @default {derived from the status} */
  code?: string;
  /** Error message. @default {derived from the status} */
  message?: string;
}

/**
 * A fault that never answers: the request is held until the agent stops
 * (then it gets 503); a client giving up earlier is not observed.
 */
export interface PodIdentityHangFault {
  /** Must be `true`. */
  hang: true;
}

/** A fault answered with a plain-text (non-JSON) error body, like Go's `http.Error`. */
export interface PodIdentityNonJsonFault {
  /** Must be `true`. */
  nonJson: true;
  /** HTTP status. @default {500} */
  status?: number;
  /** Body text (a `\n` is appended). @default {"Internal Server Error"} */
  body?: string;
}

/** A fault injected with {@linkcode PodIdentityAgent.setFault}. */
export type PodIdentityFault =
  | PodIdentityErrorFault
  | PodIdentityHangFault
  | PodIdentityNonJsonFault;

/** Options of {@linkcode PodIdentityAgent.setFault}. */
export interface PodIdentityFaultOptions {
  /** Apply to this many credential requests, then expire; forever when omitted. */
  times?: number;
}

/** One request seen by the agent. */
export interface PodIdentityRequest {
  /** HTTP method. */
  method: string;
  /** URL path (without query). */
  path: string;
  /** Response status; `0` while pending and for requests held by a hang fault. */
  status: number;
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
  /** Error body format for built-in and `{status}` errors. @default {"json"} */
  errorFormat?: "json" | "text";
}

/** A running agent. */
export interface PodIdentityAgent extends AsyncDisposable {
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
  /** Injects a fault for `/v1/credentials` requests. */
  setFault(fault: PodIdentityFault, options?: PodIdentityFaultOptions): void;
  /** Removes all faults. */
  clearFaults(): void;
  /** Copy of the request log, oldest first. */
  requests(): PodIdentityRequest[];
  /** Empties the request log. */
  resetRequests(): void;
  /** Number of logged `/v1/credentials` requests. */
  count(): number;
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

interface ActiveFault {
  remaining: number;
  fault: PodIdentityFault;
}

function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function hostForUrl(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

function goTextError(status: number, text: string): Response {
  return new Response(`${text}\n`, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
    },
  });
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
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
  const defaults = { ...DEFAULT_POD_IDENTITY_CREDENTIALS, ...options.credentials };
  let tokens = options.tokens === undefined
    ? undefined
    : new Map(Object.entries(options.tokens).map(([k, v]) => [k, { ...v }]));
  let faults: ActiveFault[] = [];
  let log: PodIdentityRequest[] = [];
  const stopController = new AbortController();

  function errorResponse(status: number, code: string, message: string): Response {
    if (errorFormat === "text") return goTextError(status, message);
    return Response.json({ code, message }, { status });
  }

  function credentialsFor(token: string): PodIdentityCredentials {
    const perToken = tokens?.get(token) ?? {};
    return {
      AccessKeyId: perToken.AccessKeyId ?? defaults.AccessKeyId,
      SecretAccessKey: perToken.SecretAccessKey ?? defaults.SecretAccessKey,
      Token: perToken.Token ?? defaults.Token,
      AccountId: perToken.AccountId ?? defaults.AccountId,
      Expiration: perToken.Expiration ?? defaults.Expiration ??
        rfc3339(new Date(Date.now() + expiresIn * 1000)),
    };
  }

  function takeFault(): PodIdentityFault | undefined {
    const active = faults[0];
    if (active === undefined) return undefined;
    active.remaining--;
    if (active.remaining <= 0) faults.shift();
    return active.fault;
  }

  async function handle(request: Request, entry: PodIdentityRequest): Promise<Response> {
    if (entry.path !== "/v1/credentials") return goTextError(404, "404 page not found");
    const fault = takeFault();
    if (fault !== undefined) {
      if ("hang" in fault) {
        // Not watching request.signal: touching it makes Deno 2.9 print a
        // "legacy abort" warning. The handler just waits for stop().
        await waitForAbort(stopController.signal);
        entry.status = -1;
        return goTextError(503, "agent shutting down");
      }
      if ("nonJson" in fault) {
        return goTextError(fault.status ?? 500, fault.body ?? "Internal Server Error");
      }
      return errorResponse(
        fault.status,
        fault.code ?? STATUS_CODES[fault.status] ?? `Http${fault.status}`,
        fault.message ?? `injected ${fault.status} fault`,
      );
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
    const entry: PodIdentityRequest = {
      method: request.method,
      path: new URL(request.url).pathname,
      status: 0,
      authorization: request.headers.get("authorization"),
      accept: request.headers.get("accept"),
      host: request.headers.get("host"),
    };
    log.push(entry);
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
    url,
    credentialsUrl: `${url}/v1/credentials`,
    hostname,
    port,
    setToken(token, credentials = {}) {
      tokens ??= new Map();
      tokens.set(token, { ...credentials });
    },
    removeToken: (token) => tokens?.delete(token) ?? false,
    setFault(fault, faultOptions = {}) {
      if (faultOptions.times !== undefined && faultOptions.times <= 0) return;
      faults.push({
        remaining: faultOptions.times ?? Number.POSITIVE_INFINITY,
        fault: structuredClone(fault),
      });
    },
    clearFaults() {
      faults = [];
    },
    requests: () => log.map((r) => ({ ...r })),
    resetRequests() {
      log = [];
    },
    count: () => log.filter((r) => r.path === "/v1/credentials").length,
    stop,
    [Symbol.asyncDispose]: stop,
  });
}
