/**
 * The HTTP handler of every AWS client: keep-alive connections, bounded
 * attempts, loaded on its first request.
 *
 * @module
 */

import type { NodeHttpHandler } from "@smithy/node-http-handler";
import type { Agent as HttpAgent } from "node:http";
import type { Agent as HttpsAgent } from "node:https";

/** Concurrent connections per AWS endpoint. */
const MAX_SOCKETS = 256;

type HandlerRequest = Parameters<NodeHttpHandler["handle"]>[0];
type HandlerOptions = Parameters<NodeHttpHandler["handle"]>[1];
type HandlerAnswer = ReturnType<NodeHttpHandler["handle"]>;

/** What {@linkcode AwsHttpHandler.httpHandlerConfigs} reports. */
export interface AwsHttpHandlerConfig {
  /** Time to connect, ms. */
  connectionTimeout: number;
  /** Time for the answer, ms. */
  requestTimeout: number;
  /** A timed-out request fails instead of only being logged. */
  throwOnRequestTimeout: boolean;
  /** Keep-alive agent for `http:` endpoints (undefined until the first request). */
  httpAgent?: HttpAgent;
  /** Keep-alive agent for `https:` endpoints (undefined until the first request). */
  httpsAgent?: HttpsAgent;
}

/**
 * A smithy `NodeHttpHandler` made on the first request. Importing it pulls in
 * `node:http`, `node:https` and their streams, about 45 ms before the socket
 * could answer `Version`; the clients are made at start-up, their first
 * request comes with the warm-up or the first mount.
 */
export class AwsHttpHandler {
  /** What the SDK reads of a handler's protocol. */
  readonly metadata = { handlerProtocol: "http/1.1" };
  #loading: Promise<NodeHttpHandler> | undefined;
  #loaded: NodeHttpHandler | undefined;
  #destroyed = false;

  /** Sends one request (the SDK's `HttpHandler.handle`). */
  async handle(request: HandlerRequest, options?: HandlerOptions): HandlerAnswer {
    const handler = this.#loaded ?? await this.#load();
    return handler.handle(request, options);
  }

  /** The handler's settings, with its agents once it has been loaded. */
  httpHandlerConfigs(): AwsHttpHandlerConfig {
    return (this.#loaded?.httpHandlerConfigs() as AwsHttpHandlerConfig | undefined) ??
      { ...HANDLER_TIMEOUTS };
  }

  /** Settings changes by SDK extensions (none of ours makes any). */
  updateHttpClientConfig(key: keyof AwsHttpHandlerConfig, value: unknown): void {
    void this.#load().then((handler) =>
      handler.updateHttpClientConfig(key as never, value as never)
    );
  }

  /** Closes the kept-alive connections. */
  destroy(): void {
    this.#destroyed = true;
    this.#loaded?.destroy();
  }

  #load(): Promise<NodeHttpHandler> {
    this.#loading ??= Promise.all([
      import("@smithy/node-http-handler"),
      import("node:http"),
      import("node:https"),
    ]).then(([{ NodeHttpHandler }, http, https]) => {
      this.#loaded = new NodeHttpHandler({
        ...HANDLER_TIMEOUTS,
        httpAgent: new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
        httpsAgent: new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      });
      if (this.#destroyed) this.#loaded.destroy();
      return this.#loaded;
    });
    return this.#loading;
  }
}

/**
 * Attempts fail instead of hanging: 5 s to connect, 10 s for the answer (then
 * the SDK retries).
 */
const HANDLER_TIMEOUTS = {
  connectionTimeout: 5_000,
  requestTimeout: 10_000,
  throwOnRequestTimeout: true,
} as const;

/**
 * A handler whose attempts fail instead of hanging (see
 * {@linkcode HANDLER_TIMEOUTS}). The smithy connection timer starts when a
 * request waits for a pooled socket, so the pool is large enough that a
 * storm of mounts does not turn queueing into timeouts.
 */
export function awsHttpHandler(): AwsHttpHandler {
  return new AwsHttpHandler();
}
