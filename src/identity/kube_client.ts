/**
 * {@linkcode KubeApi} on Deno's `fetch`: the provider's three reads (service
 * account, pod, node) as GETs to the API server, configured by
 * `kube_config.ts` (in-cluster or `--kubeconfig`).
 *
 * A full client (npm:@kubernetes/client-node and the undici it needs) added
 * about 90 MiB to the provider's memory and a quarter of a second to its first
 * IRSA mount for three GETs; this one is a few hundred lines and costs
 * nothing to load. client-node remains the project's client where a full one
 * fits (the kind suite's reads and waits).
 *
 * What a DaemonSet meets in production is handled: the projected service
 * account token is re-read from its file every minute and after a 401, as
 * client-go does, so a token the kubelet rotated is picked up; connections
 * are HTTP/1.1 keep-alive (a few, calls are rate-limited). What the server
 * sends is bounded: every call has a deadline (the mount's, else
 * `timeoutMs`), a body larger than `maxResponseBytes` is refused, error texts
 * are cut short, and only the fields the provider reads are taken from the
 * answer. Names are checked as client-go checks path segments, so a pod name
 * from a request cannot address another resource.
 *
 * @module
 */

import { type KubeApi, KubeApiError, type KubeCallOptions } from "./kube_api.ts";
import {
  decodeChunks,
  type KubeConfigSource,
  type KubeConnection,
  loadKubeConnection,
  readTokenFile,
} from "./kube_config.ts";

/** Options of {@linkcode createKubeApi}. */
export interface KubeClientOptions extends KubeConfigSource {
  /** Per-call timeout when the caller gives no deadline (ms, default 10 s). */
  timeoutMs?: number;
  /** How long a token read from a file is used before it is read again (ms, default 60 s). */
  tokenRefreshMs?: number;
  /** Largest response body accepted (bytes, default {@linkcode MAX_RESPONSE_BYTES}). */
  maxResponseBytes?: number;
  /** Clock (tests). */
  now?: () => number;
}

/** The three reads, and the connections to close when done. */
export interface KubeClient extends KubeApi, Disposable {
  /** The API server's base URL. */
  readonly server: string;
  /** Closes the pooled connections. */
  close(): void;
}

/** Largest response body: a Kubernetes object is at most about 1.5 MiB in etcd. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Longest error text taken from a response. */
const MAX_ERROR_TEXT = 1_024;

/**
 * Creates the client from the in-cluster files or the kubeconfig; nothing is
 * sent until the first call.
 *
 * @throws {Error} when the configuration cannot be loaded.
 */
export async function createKubeApi(options: KubeClientOptions = {}): Promise<KubeClient> {
  const connection = await loadKubeConnection(options);
  return kubeClientFor(connection, options);
}

/** A client for an already loaded connection. */
export function kubeClientFor(
  connection: KubeConnection,
  options: Omit<KubeClientOptions, keyof KubeConfigSource> = {},
): KubeClient {
  const httpClient = Deno.createHttpClient({
    ...(connection.caPem === undefined ? {} : { caCerts: [connection.caPem] }),
    ...(connection.clientCertificate === undefined ? {} : {
      cert: connection.clientCertificate.certPem,
      key: connection.clientCertificate.keyPem,
    }),
    // HTTP/1.1 keep-alive: calls are rate-limited, a few connections suffice.
    http2: false,
    poolMaxIdlePerHost: 4,
    poolIdleTimeout: 30_000,
  });
  const token = tokenSource(connection, options);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;

  async function get(path: string, call: KubeCallOptions): Promise<unknown> {
    const url = `${connection.server}${path}`;
    const headers: Record<string, string> = { Accept: "application/json" };
    const bearer = await token.get();
    if (bearer !== undefined) headers.Authorization = `Bearer ${bearer}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = call.signal === undefined ? timeout : AbortSignal.any([call.signal, timeout]);
    let response: Response;
    let body: string;
    try {
      response = await fetch(url, { client: httpClient, headers, signal, redirect: "manual" });
      body = await readBody(response, maxBytes);
    } catch (error) {
      throw new KubeApiError(transportMessage(url, error, timeout, timeoutMs), undefined, {
        cause: error,
      });
    }
    if (response.status === 401) token.invalidate();
    if (response.status < 200 || response.status > 299) throw statusError(response, body);
    try {
      return JSON.parse(body);
    } catch {
      throw new KubeApiError(`GET ${path}: the answer is not JSON`, response.status);
    }
  }

  return {
    server: connection.server,
    async getServiceAccount(namespace, name, call = {}) {
      const path = `/api/v1/namespaces/${segment(namespace, "namespace")}/serviceaccounts/${
        segment(name, "resource name")
      }`;
      return { annotations: stringMap(objectAt(await get(path, call), "metadata", "annotations")) };
    },
    async getPod(namespace, name, call = {}) {
      const path = `/api/v1/namespaces/${segment(namespace, "namespace")}/pods/${
        segment(name, "resource name")
      }`;
      const nodeName = objectAt(await get(path, call), "spec")?.nodeName;
      return { nodeName: typeof nodeName === "string" ? nodeName : "" };
    },
    async getNode(name, call = {}) {
      const path = `/api/v1/nodes/${segment(name, "resource name")}`;
      return { labels: stringMap(objectAt(await get(path, call), "metadata", "labels")) };
    },
    close: () => httpClient.close(),
    [Symbol.dispose]: () => httpClient.close(),
  };
}

/** The bearer token of each call: fixed, or read from its file again after `tokenRefreshMs`. */
function tokenSource(
  connection: KubeConnection,
  options: { tokenRefreshMs?: number; now?: () => number },
): { get(): Promise<string | undefined>; invalidate(): void } {
  const source = connection.token;
  if (source.kind === "none") return { get: () => Promise.resolve(undefined), invalidate() {} };
  if (source.kind === "static") {
    return { get: () => Promise.resolve(source.token), invalidate() {} };
  }
  const refreshMs = options.tokenRefreshMs ?? 60_000;
  const now = options.now ?? Date.now;
  let cached: string | undefined;
  let readAt = -Infinity;
  let reading: Promise<string> | undefined;
  return {
    async get() {
      if (cached !== undefined && now() - readAt < refreshMs) return cached;
      reading ??= readTokenFile(source.path).then((token) => {
        cached = token;
        readAt = now();
        return token;
      }).finally(() => reading = undefined);
      try {
        return await reading;
      } catch (error) {
        // client-go keeps using the last token when the file cannot be read
        // for a moment (the kubelet replaces it with a rename).
        if (cached !== undefined) return cached;
        throw new KubeApiError(`reading the service account token: ${(error as Error).message}`);
      }
    },
    invalidate() {
      readAt = -Infinity;
    },
  };
}

/**
 * `value` as one escaped path segment, checked as client-go checks names
 * (`IsValidPathSegmentName`): not empty, not `.` or `..`, no `/` or `%`.
 *
 * @throws {KubeApiError} with client-go's text.
 */
function segment(value: string, what: "namespace" | "resource name"): string {
  if (value === "") throw new KubeApiError(`${what} may not be empty`);
  const problems: string[] = [];
  if (value === "." || value === "..") problems.push(`may not be '${value}'`);
  for (const character of ["/", "%"]) {
    if (value.includes(character)) problems.push(`may not contain '${character}'`);
  }
  if (problems.length > 0) {
    const label = what === "namespace" ? "namespace" : "resource name";
    throw new KubeApiError(`invalid ${label} ${JSON.stringify(value)}: [${problems.join(" ")}]`);
  }
  return encodeURIComponent(value);
}

/**
 * The body as text, refusing one larger than `maxBytes` before and while
 * reading it.
 */
async function readBody(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`the answer is ${declared} bytes, more than the ${maxBytes} bytes accepted`);
  }
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`the answer is more than the ${maxBytes} bytes accepted`);
    }
    chunks.push(value);
  }
  return decodeChunks(chunks, size);
}

/**
 * The error of an answer that is not 2xx: the `Status` message the API server
 * sends (what client-go shows: `pods "x" not found`), else the body's text,
 * else the status code; with `Retry-After` when given.
 */
function statusError(response: Response, body: string): KubeApiError {
  let message = "";
  try {
    const status = JSON.parse(body);
    if (typeof status?.message === "string") message = status.message;
  } catch {
    message = body.trim();
  }
  if (message === "") message = `the server responded with status ${response.status}`;
  if (message.length > MAX_ERROR_TEXT) message = `${message.slice(0, MAX_ERROR_TEXT)}…`;
  const retryAfter = Number(response.headers.get("retry-after") ?? NaN);
  return new KubeApiError(message, response.status, {
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
  });
}

/** What went wrong before an answer arrived, without the request's headers. */
function transportMessage(
  url: string,
  error: unknown,
  timeout: AbortSignal,
  timeoutMs: number,
): string {
  if (timeout.aborted) return `GET ${url}: no answer within ${timeoutMs} ms`;
  if (error instanceof DOMException && error.name === "AbortError") {
    return `GET ${url}: the mount was cancelled or its deadline passed`;
  }
  return `GET ${url}: ${error instanceof Error ? error.message : String(error)}`;
}

/** The object at `keys` inside `value`, or `undefined` when any step is not an object. */
function objectAt(value: unknown, ...keys: string[]): Record<string, unknown> | undefined {
  let current = value;
  for (const key of keys) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
  return current as Record<string, unknown>;
}

/** The string entries of a map (annotations, labels); anything else is dropped. */
function stringMap(value: Record<string, unknown> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (value === undefined) return result;
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === "string") result[key] = entry;
  }
  return result;
}
