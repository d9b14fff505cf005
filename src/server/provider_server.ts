/**
 * The gRPC server on the provider's Unix socket: `Version` and `Mount` of
 * `v1alpha1.CSIDriverProvider`, reached by the CSI driver over
 * `<provider-volume>/aws.sock`.
 *
 * Connections are accepted by us and handed to grpc-js through its
 * connection injector, through the HTTP/2 repairs of `h2_repair/` (a socket
 * path as `:authority` from drivers up to v1.5.x; client GOAWAY frames).
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import type { Logger } from "../log/mod.ts";
import type { MountResult, MountSummary, RawMountRequest } from "../mount/mod.ts";
import { repairedConnection } from "./h2_repair/mod.ts";
import {
  finishMount,
  type MountOutcome,
  type MountRecord,
  type MountStatus,
} from "./mount_outcome.ts";
import {
  loadProviderProto,
  type MountRequestMessage,
  type MountResponseMessage,
} from "./provider_proto.ts";

export type { MountRecord } from "./mount_outcome.ts";

/** Runs one mount (the pipeline with its dependencies bound). */
export type MountFunction = (
  request: RawMountRequest,
  context: { signal: AbortSignal; deadline: number; summary: MountSummary },
) => Promise<MountResult>;

/** Options of {@linkcode startProviderServer}. */
export interface ProviderServerOptions {
  /** The socket path (`<provider-volume>/aws.sock`). */
  socketPath: string;
  /** What `Version` answers: the provider's name and version. */
  runtime: { name: string; version: string };
  /** The mount pipeline. */
  mount: MountFunction;
  /** Logger. */
  logger: Logger;
  /** Deadline of a mount the driver sent without one (ms, default 2 minutes). */
  defaultMountTimeoutMs?: number;
  /** Called after every mount. */
  onMount?: (record: MountRecord) => void;
}

/** A running provider server. */
export interface ProviderServer {
  /** Mounts being served now. */
  readonly inFlight: number;
  /** Whether the socket accepts connections. */
  readonly listening: boolean;
  /**
   * Stops accepting connections, lets in-flight mounts finish (at most
   * `graceMs`, default 30 s), then closes everything and removes the socket.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Listens on the socket (a stale socket file is removed first) and serves. */
export async function startProviderServer(options: ProviderServerOptions): Promise<ProviderServer> {
  const { logger, socketPath } = options;
  const proto = loadProviderProto();
  const server = new grpc.Server();
  let inFlight = 0;
  server.addService(proto.service, {
    Version(
      _call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      callback(null, {
        version: "v1alpha1",
        runtime_name: options.runtime.name,
        runtime_version: options.runtime.version,
      });
    },
    Mount(
      call: grpc.ServerUnaryCall<MountRequestMessage, MountResponseMessage>,
      callback: grpc.sendUnaryData<MountResponseMessage>,
    ) {
      inFlight++;
      handleMount(call, options).then(
        (response) => callback(null, response),
        (status: MountStatus) => callback(status),
      ).finally(() => inFlight--);
    },
  });
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const sockets = new Set<Socket>();
  const listener: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    injector.injectConnection(repairedConnection(socket));
  });
  await removeStaleSocket(socketPath);
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(socketPath, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  await Deno.chmod(socketPath, 0o700);
  logger.info(`Listening for connections on address: ${socketPath}`);
  let stopping: Promise<void> | undefined;
  return {
    get inFlight() {
      return inFlight;
    },
    get listening() {
      return listener.listening;
    },
    stop(graceMs = 30_000) {
      stopping ??= (async () => {
        listener.close();
        // Calls on open connections are still served while we wait: the driver
        // may send one more mount before it notices. grpc-js does not count
        // calls on injected connections, so we do.
        const deadline = Date.now() + graceMs;
        while (inFlight > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        if (inFlight > 0) {
          logger.warn("in-flight mounts did not finish in time; closing", { inFlight });
        }
        // Let the last responses reach their sockets, then close the connections
        // by closing their sockets. No HTTP/2 GOAWAY from our side (grpc-js
        // tryShutdown/forceShutdown): Deno 2.9.6's node:http2 can abort the
        // process in nghttp2 while sending one.
        await new Promise((resolve) => setTimeout(resolve, 50));
        for (const socket of sockets) socket.destroy();
        await removeStaleSocket(socketPath);
      })();
      return stopping;
    },
  };
}

async function removeStaleSocket(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch {
    // Missing or not removable: listen() reports a real problem.
  }
}

/**
 * Runs the pipeline for one call and logs one line for it; a failure is
 * thrown as the gRPC status to answer with.
 */
async function handleMount(
  call: grpc.ServerUnaryCall<MountRequestMessage, MountResponseMessage>,
  options: ProviderServerOptions,
): Promise<MountResponseMessage> {
  const started = performance.now();
  const controller = new AbortController();
  const callDeadline = Number(call.getDeadline());
  const deadline = Number.isFinite(callDeadline)
    ? callDeadline
    : Date.now() + (options.defaultMountTimeoutMs ?? 120_000);
  // setTimeout fires at once for delays beyond 2^31-1 ms: clamp (about 24 days).
  const timer = setTimeout(
    () => controller.abort(),
    Math.min(2 ** 31 - 1, Math.max(0, deadline - Date.now())),
  );
  const onCancel = () => controller.abort();
  call.on("cancelled", onCancel);
  const summary: MountSummary = {};
  const request = call.request;
  let outcome: MountOutcome;
  try {
    const result = await options.mount({
      attributes: request.attributes,
      secrets: request.secrets,
      targetPath: request.target_path,
      permission: request.permission,
      currentObjectVersion: request.current_object_version ?? [],
    }, { signal: controller.signal, deadline, summary });
    const response = {
      object_version: result.versions,
      // int32 on the wire, as Go's int32(mode) conversion.
      files: result.files.map((file) => ({ ...file, mode: file.mode | 0 })),
    };
    outcome = finishMount(options.logger, { summary, durationMs: performance.now() - started });
    return response;
  } catch (error) {
    outcome = finishMount(options.logger, {
      summary,
      durationMs: performance.now() - started,
      thrown: { error },
    });
    throw outcome.status;
  } finally {
    clearTimeout(timer);
    call.off("cancelled", onCancel);
    options.onMount?.(outcome!.record);
  }
}
