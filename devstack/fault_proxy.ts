/**
 * Fault injection between the provider under test and moto: an HTTP/1.1
 * reverse proxy on 127.0.0.1 that forwards every request to an upstream
 * (moto), records what each request was, and on demand answers with an AWS
 * error, delays, hangs, or drops the connection instead.
 *
 * Requests are classified by SigV4 credential scope (region, service) and
 * `X-Amz-Target` or, for query-protocol STS, the `Action` form field.
 * Unsigned requests carry no region: STS AssumeRoleWithWebIdentity is sent
 * without SigV4, so its calls have `region: ""`.
 *
 * With `upstreams` (region → URL) each request goes to the upstream of its
 * SigV4 region, e.g. one moto per region so that regions do not queue behind
 * each other in one emulator; unsigned requests and other regions go to the
 * default upstream. The client still sees one endpoint.
 *
 * Bodies are never logged: they carry secret values.
 *
 * @example
 * ```ts
 * await using proxy = await startFaultProxy(moto.url);
 * proxy.setFault({ region: "us-east-1", api: "GetSecretValue" }, { kind: "throttle", times: 1 });
 * // run the provider with AWS_ENDPOINT_URL=proxy.url
 * proxy.countBy(); // { "secretsmanager.GetSecretValue.us-east-1": 2, ... }
 * ```
 *
 * @example One emulator per region behind one endpoint
 * ```ts
 * await using proxy = await startFaultProxy(east.url, {
 *   upstreams: { "us-east-1": east.url, "us-west-2": west.url },
 * });
 * ```
 *
 * @module
 */

import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import { Buffer } from "node:buffer";
import {
  checkMs,
  delay,
  type Fault,
  faultBook,
  type FaultedCall,
  type FaultInjector,
  waitOut,
} from "./faults.ts";

/** Which requests a fault applies to; a field left out matches anything. */
export interface AwsFaultMatch {
  /** Region from the SigV4 credential scope, e.g. `us-east-1`. */
  region?: string;
  /** Service from the credential scope: `secretsmanager`, `ssm`, `sts`. */
  service?: string;
  /** Operation, e.g. `GetSecretValue`, `GetParameters`, `AssumeRoleWithWebIdentity`. */
  api?: string;
}

/** What a request was, as read from its headers and body. */
export interface AwsRequestKind {
  /** Service from the credential scope (or inferred when unsigned); `unknown` if neither. */
  service: string;
  /** Operation; `unknown` if none found. */
  api: string;
  /** Region from the credential scope; `""` for unsigned requests. */
  region: string;
}

/** One request the proxy received. */
export interface AwsCall extends AwsRequestKind, FaultedCall {
  /** Access key id the request was signed with ("" when unsigned, as STS web identity calls are). */
  accessKeyId: string;
}

/** A request with when it was received and when its answer ended (see {@linkcode FaultProxy.timings}). */
export interface AwsCallTiming extends AwsCall {
  /** Base URL of the upstream the request was (or would have been) forwarded to. */
  upstream: string;
  /**
   * `performance.now()` of this process when the request's headers arrived,
   * in ms: injected latency and moto's time both count from here.
   */
  startedAt: number;
  /**
   * `performance.now()` when the answer was fully written or the connection
   * closed (hang, reset, stop); `undefined` while still pending.
   */
  endedAt?: number;
}

/** Options of {@linkcode startFaultProxy}. */
export interface FaultProxyOptions {
  /** Delay before forwarding each request, in ms. @default {0} */
  latencyMs?: number;
  /**
   * Upstream per SigV4 region (`{ "us-east-1": "http://127.0.0.1:5001", ... }`).
   * Requests signed for a region listed here go to its upstream; unsigned
   * requests (STS AssumeRoleWithWebIdentity) and other regions go to the
   * default upstream given to {@linkcode startFaultProxy}. @default {{}}
   */
  upstreams?: Record<string, string>;
}

/**
 * A running proxy; stop it with `stop()` or `await using`. Faults are set,
 * cleared and counted as on every stand-in (`faults.ts`); it answers every
 * kind of {@linkcode Fault}.
 */
export interface FaultProxy extends AsyncDisposable, FaultInjector<AwsFaultMatch, AwsCall> {
  /** Base URL, `http://127.0.0.1:PORT`: use as the AWS endpoint. */
  readonly url: string;
  /**
   * Requests received so far with their start and end times, in arrival
   * order (copies); forgotten with the calls by `resetCalls()`.
   */
  timings(): AwsCallTiming[];
  /** Sets the delay before forwarding each request, in ms. */
  setLatency(ms: number): void;
  /** Closes the proxy and every connection, held ones included. Safe to call twice. */
  stop(): Promise<void>;
}

/** The query-protocol `Version` of each service that uses it. */
const QUERY_VERSIONS: Record<string, string> = { "2011-06-15": "sts" };
/** `X-Amz-Target` prefixes of JSON-protocol services. */
const TARGET_PREFIXES: Record<string, string> = {
  secretsmanager: "secretsmanager",
  AmazonSSM: "ssm",
};
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "expect",
];

/** Reads service, operation and region from a request's headers and (for STS) body. */
export function classifyAwsRequest(headers: IncomingHttpHeaders, body: Uint8Array): AwsRequestKind {
  const scope = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/
    .exec(String(headers.authorization ?? ""));
  const [prefix, api] = String(headers["x-amz-target"] ?? "").split(".", 2);
  if (api) {
    return {
      service: scope?.[2] ?? TARGET_PREFIXES[prefix] ?? "unknown",
      api,
      region: scope?.[1] ?? "",
    };
  }
  const form = String(headers["content-type"] ?? "").includes("x-www-form-urlencoded")
    ? new URLSearchParams(new TextDecoder().decode(body))
    : new URLSearchParams();
  return {
    service: scope?.[2] ?? QUERY_VERSIONS[form.get("Version") ?? ""] ?? "unknown",
    api: form.get("Action") ?? "unknown",
    region: scope?.[1] ?? "",
  };
}

/**
 * Starts a proxy forwarding to `upstream` (e.g. `http://127.0.0.1:PORT` of
 * moto), or to the upstream of the request's region in `options.upstreams`.
 */
export async function startFaultProxy(
  upstream: string,
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  let latencyMs = checkMs(options.latencyMs ?? 0);
  const byRegion = new Map(Object.entries(options.upstreams ?? {}));
  for (const [region, url] of byRegion) {
    if (!URL.canParse(url)) throw new TypeError(`upstreams[${region}] is not a URL: ${url}`);
  }
  const upstreamOf = (region: string) => (region && byRegion.get(region)) || upstream;
  const book = faultBook<AwsFaultMatch, AwsCallTiming>({
    name: "AWS fault proxy",
    kinds: ["status", "throttle", "accessDenied", "text", "hang", "reset", "latency"],
    countKey: (call) => `${call.service}.${call.api}.${call.region}`,
  });
  const sockets = new Set<Socket>();
  const stopping = new AbortController();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Recorded once classified; its end may come first (a client that gives up).
    const call: AwsCallTiming = {
      service: "unknown",
      api: "unknown",
      region: "",
      status: 0,
      accessKeyId: "",
      upstream,
      startedAt: performance.now(),
    };
    const ended = () => call.endedAt ??= performance.now();
    res.once("finish", ended);
    res.once("close", ended);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const kind = classifyAwsRequest(req.headers, body);
    Object.assign(call, kind, {
      accessKeyId: /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ""))?.[1] ??
        "",
      upstream: upstreamOf(kind.region),
    });
    book.record(call);
    const fault = book.take(kind);
    if (fault !== undefined) call.fault = fault.kind;

    await delay(latencyMs, stopping.signal);
    // A hang holds the request until stop(); the client may give up first (its socket closes).
    await waitOut(fault, stopping.signal);
    if (stopping.signal.aborted) return;
    if (fault?.kind === "reset") return void req.socket.destroy();
    const answer = fault && errorAnswer(kind, fault);
    if (answer) {
      call.status = answer.status;
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    forward(call.upstream, req, body, res, {
      signal: stopping.signal,
      onStatus: (status) => call.status = status,
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };

  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= new Promise<void>((resolve) => {
      stopping.abort();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  return {
    ...book.injector,
    url: `http://127.0.0.1:${port}`,
    // calls() keeps the shape of a call; timings() adds where and when.
    calls: () =>
      book.injector.calls().map(({ upstream: _, startedAt: _s, endedAt: _e, ...call }) => call),
    timings: book.injector.calls,
    setLatency(ms) {
      latencyMs = checkMs(ms);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Sends the buffered request upstream and streams the answer back. */
function forward(
  upstream: string,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  options: { signal: AbortSignal; onStatus: (status: number) => void },
): void {
  const { signal, onStatus } = options;
  const headers = withoutHopByHop(req.headers);
  if (body.length > 0 || req.headers["content-length"] !== undefined) {
    headers["content-length"] = String(body.length);
  }
  // agent: false: a fresh upstream connection per request (moto closes them anyway).
  const out = httpRequest(new URL(req.url ?? "/", upstream), {
    method: req.method,
    headers,
    agent: false,
  }, (answer) => {
    onStatus(answer.statusCode ?? 0);
    res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
    answer.pipe(res);
  });
  out.on("error", (error) => {
    if (res.headersSent) return void res.destroy();
    onStatus(502);
    res.writeHead(502, { "content-type": "text/plain" })
      .end(`fault proxy: upstream ${upstream}: ${error.message}`);
  });
  signal.addEventListener("abort", () => out.destroy(), { once: true });
  out.end(body);
}

/** The answer of a fault that answers (status, throttle, accessDenied, text); undefined for others. */
function errorAnswer(
  kind: AwsRequestKind,
  fault: Fault,
): { status: number; headers: Record<string, string>; body: string } | undefined {
  const sts = kind.service === "sts";
  let status: number;
  let code: string;
  let message = "fault injected by fault_proxy";
  if (fault.kind === "text") {
    return {
      status: fault.status,
      headers: { "content-type": "text/plain" },
      body: `${fault.body}\n`,
    };
  } else if (fault.kind === "throttle") {
    [status, code, message] = [400, sts ? "Throttling" : "ThrottlingException", "Rate exceeded"];
  } else if (fault.kind === "accessDenied") {
    [status, code] = sts ? [403, "AccessDenied"] : [400, "AccessDeniedException"];
    message = `User is not authorized to perform: ${kind.service}:${kind.api}`;
  } else if (fault.kind === "status") {
    status = fault.status;
    code = fault.code ??
      (status >= 500
        ? internalErrorCode(kind.service)
        : sts
        ? "ValidationError"
        : "ValidationException");
  } else {
    return undefined;
  }
  if ("message" in fault && fault.message !== undefined) message = fault.message;
  const requestId = crypto.randomUUID();
  if (sts) {
    // Query protocol: XML; Type says whose fault it is.
    const body = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
      `<Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type>` +
      `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`;
    return { status, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId }, body };
  }
  return {
    status,
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amzn-errortype": code,
      "x-amzn-requestid": requestId,
    },
    body: JSON.stringify({ __type: code, message }),
  };
}

function internalErrorCode(service: string): string {
  return { secretsmanager: "InternalServiceError", ssm: "InternalServerError" }[service] ??
    "InternalFailure";
}

function withoutHopByHop(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.includes(name)) kept[name] = value;
  }
  return kept;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
