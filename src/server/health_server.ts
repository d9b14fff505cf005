/**
 * The provider's HTTP endpoint: `/metrics` (Prometheus), `/healthz`
 * (liveness: the event loop turns and the gRPC socket answers) and `/readyz`
 * (readiness: serving and not shutting down).
 *
 * @module
 */

import { bindHostnames, formatHostPort, type ListenAddress } from "./listen_address.ts";
import type { Logger } from "../log/mod.ts";

/** Options of {@linkcode startHealthServer}. */
export interface HealthServerOptions {
  /** Where to listen. */
  address: ListenAddress;
  /** Prometheus text for `/metrics`; omit to not serve it. */
  metrics?: () => string;
  /** Whether the provider is ready (serving, not shutting down). */
  ready: () => boolean;
  /** Whether the gRPC socket answers a Version call. */
  probeSocket: () => Promise<boolean>;
  /** Logger. */
  logger: Logger;
}

/** A running health server. */
export interface HealthServer {
  /** The port actually bound. */
  port: number;
  /** Stops listening. */
  stop(): Promise<void>;
}

/** How long a socket probe result is reused (so probes cannot pile up). */
const PROBE_REUSE_MS = 2_000;
/** The event loop counts as stuck when the heartbeat is older than this. */
const HEARTBEAT_STALE_MS = 5_000;

/** Starts the endpoint. */
export function startHealthServer(options: HealthServerOptions): HealthServer {
  let heartbeat = Date.now();
  let probe: { at: number; result: Promise<boolean> } | undefined;
  const socketAnswers = () => {
    if (probe === undefined || Date.now() - probe.at > PROBE_REUSE_MS) {
      probe = { at: Date.now(), result: options.probeSocket().catch(() => false) };
    }
    return probe.result;
  };
  const text = (status: number, body: string, type = "text/plain; charset=utf-8") =>
    new Response(body, { status, headers: { "content-type": type } });
  const handler = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "method not allowed\n");
    }
    switch (path) {
      case "/metrics":
        if (!options.metrics) break;
        return text(200, options.metrics(), "text/plain; version=0.0.4; charset=utf-8");
      case "/healthz": {
        const loopAlive = Date.now() - heartbeat < HEARTBEAT_STALE_MS;
        const socketOk = await socketAnswers();
        return loopAlive && socketOk ? text(200, "ok\n") : text(
          503,
          `event loop: ${loopAlive ? "ok" : "stuck"}; socket: ${
            socketOk ? "ok" : "not answering"
          }\n`,
        );
      }
      case "/readyz":
        return options.ready() ? text(200, "ok\n") : text(503, "not ready\n");
    }
    return text(404, "not found\n");
  };
  const { server, hostname } = serveFirst(bindHostnames(options.address), {
    port: options.address.port,
    handler,
  });
  // Started once listening, so that a failed start leaves no timer behind.
  const ticker = setInterval(() => heartbeat = Date.now(), 500);
  Deno.unrefTimer(ticker);
  options.logger.info(
    `Serving ${options.metrics ? "/metrics, " : ""}/healthz and /readyz on ${
      formatHostPort(hostname, server.addr.port)
    }`,
  );
  return {
    port: server.addr.port,
    async stop() {
      clearInterval(ticker);
      await server.shutdown();
    },
  };
}

/**
 * Serves on the first of `hostnames` that can be bound. A port in use ends
 * the attempt (the next host would collide too); anything else, such as a
 * node without IPv6 or a permission for IPv4 only, moves on to the next.
 *
 * @throws the last host's error.
 */
function serveFirst(
  hostnames: string[],
  options: { port: number; handler: Deno.ServeHandler },
): { server: Deno.HttpServer<Deno.NetAddr>; hostname: string } {
  const [hostname, ...rest] = hostnames;
  try {
    const server = Deno.serve(
      { hostname, port: options.port, onListen: () => {} },
      options.handler,
    );
    return { server, hostname };
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse || rest.length === 0) throw error;
    return serveFirst(rest, options);
  }
}
