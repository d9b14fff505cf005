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
  const servers = serveEvery(bindHostnames(options.address), {
    port: options.address.port,
    handler,
  });
  // Started once listening, so that a failed start leaves no timer behind.
  const ticker = setInterval(() => heartbeat = Date.now(), 500);
  Deno.unrefTimer(ticker);
  options.logger.info(
    `Serving ${options.metrics ? "/metrics, " : ""}/healthz and /readyz on ${
      servers.map(({ server, hostname }) => formatHostPort(hostname, server.addr.port))
        .join(" and ")
    }`,
  );
  return {
    port: servers[0].server.addr.port,
    async stop() {
      clearInterval(ticker);
      await Promise.all(servers.map(({ server }) => server.shutdown()));
    },
  };
}

/** One listening server and the host it was bound to. */
interface BoundServer {
  server: Deno.HttpServer<Deno.NetAddr>;
  hostname: string;
}

/**
 * Serves on each of `hostnames` that can be bound, in order. The first host
 * bound decides: until then a port in use ends the start (the next host
 * would collide too) and anything else, such as a node without IPv6 or a
 * permission for IPv4 only, moves on to the next host. After it, a host that
 * cannot be bound is left out: `0.0.0.0` finds its port taken by a
 * dual-stack `::`.
 *
 * @throws the error of the last host tried when none could be bound.
 */
export function serveEvery(
  hostnames: string[],
  options: { port: number; handler: Deno.ServeHandler },
): BoundServer[] {
  const bound: BoundServer[] = [];
  let failure: unknown;
  for (const hostname of hostnames) {
    // Port 0 picks a port once: the other hosts take the same one.
    const port = bound[0]?.server.addr.port ?? options.port;
    try {
      const server = Deno.serve({ hostname, port, onListen: () => {} }, options.handler);
      bound.push({ server, hostname });
    } catch (error) {
      if (bound.length === 0 && error instanceof Deno.errors.AddrInUse) throw error;
      failure = error;
    }
  }
  if (bound.length === 0) throw failure;
  return bound;
}
