/**
 * The gRPC server on the provider's Unix socket: `Version` and `Mount` of
 * `v1alpha1.CSIDriverProvider`, reached by the CSI driver over
 * `<provider-volume>/aws.sock`.
 *
 * Connections are accepted by us and served by our unary gRPC
 * (`grpc_unary.ts`, messages in `provider_codec.ts`) through the HTTP/2
 * repairs of `h2_repair/` (a socket path as `:authority` from drivers up to
 * v1.5.x; client GOAWAY frames).
 *
 * @module
 */

import { createServer, type Server as NetServer, type Socket } from "node:net";
import type { Logger } from "../log/mod.ts";
import type { MountResult, MountSummary, RawMountRequest } from "../mount/mod.ts";
import { createUnaryServer, GrpcError, type UnaryCallContext } from "./grpc_unary.ts";
import { repairedConnection } from "./h2_repair/mod.ts";
import { finishMount, type MountOutcome, type MountRecord } from "./mount_outcome.ts";
import {
  decodeMountRequest,
  decodeVersionRequest,
  encodeMountResponse,
  encodeVersionResponse,
  type MountRequestMessage,
  type MountResponseMessage,
} from "./provider_codec.ts";

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
  /** Called after each `Version` answer (the provider starts its warm-up after the first). */
  onVersion?: () => void;
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

/** The service's full name, as in the paths of its methods. */
export const SERVICE_NAME = "v1alpha1.CSIDriverProvider";

/** Listens on the socket (a stale socket file is removed first) and serves. */
export async function startProviderServer(options: ProviderServerOptions): Promise<ProviderServer> {
  const { logger, socketPath } = options;
  let inFlight = 0;
  const server = createUnaryServer({
    [`/${SERVICE_NAME}/Version`]: {
      decode: decodeVersionRequest,
      encode: encodeVersionResponse,
      // The warm-up that follows the first Version runs the SDK for a while:
      // after the answer, not before its trailers.
      answered: () => options.onVersion?.(),
      handle() {
        return {
          version: "v1alpha1",
          runtime_name: options.runtime.name,
          runtime_version: options.runtime.version,
        };
      },
    },
    [`/${SERVICE_NAME}/Mount`]: {
      decode: decodeMountRequest,
      encode: encodeMountResponse,
      async handle(request: MountRequestMessage, context: UnaryCallContext) {
        inFlight++;
        try {
          return await handleMount(request, context, options);
        } finally {
          inFlight--;
        }
      },
    },
  });
  const sockets = new Set<Socket>();
  const listener: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    server.serve(repairedConnection(socket));
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
        // may send one more mount before it notices.
        const deadline = Date.now() + graceMs;
        while (inFlight > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        if (inFlight > 0) {
          logger.warn("in-flight mounts did not finish in time; closing", { inFlight });
        }
        // Let the last responses reach their sockets, then close the connections
        // by closing their sockets. No HTTP/2 GOAWAY from our side: Deno 2.9.6's
        // node:http2 can abort the process in nghttp2 while sending one.
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
  request: MountRequestMessage,
  call: UnaryCallContext,
  options: ProviderServerOptions,
): Promise<MountResponseMessage> {
  const started = performance.now();
  const controller = new AbortController();
  const deadline = call.deadline ?? Date.now() + (options.defaultMountTimeoutMs ?? 120_000);
  // The client's deadline has its timer in the call, which answers
  // DEADLINE_EXCEEDED and then aborts the call's signal: a second timer here
  // could fire first and answer with the aborted mount's error instead. The
  // default timeout of a call without one is timed here. setTimeout fires at
  // once for delays beyond 2^31-1 ms: clamp (about 24 days).
  const timer = call.deadline === undefined
    ? setTimeout(
      () => controller.abort(),
      Math.min(2 ** 31 - 1, Math.max(0, deadline - Date.now())),
    )
    : undefined;
  const onCancel = () => controller.abort();
  call.signal.addEventListener("abort", onCancel, { once: true });
  const summary: MountSummary = {};
  let outcome: MountOutcome;
  try {
    const result = await options.mount({
      attributes: request.attributes,
      secrets: request.secrets,
      targetPath: request.target_path,
      permission: request.permission,
      currentObjectVersion: request.current_object_version,
    }, { signal: controller.signal, deadline, summary });
    const response = { object_version: result.versions, files: result.files };
    outcome = finishMount(options.logger, { summary, durationMs: performance.now() - started });
    return response;
  } catch (error) {
    outcome = finishMount(options.logger, {
      summary,
      durationMs: performance.now() - started,
      thrown: { error },
    });
    throw new GrpcError(outcome.status!.code, outcome.status!.details);
  } finally {
    clearTimeout(timer);
    call.signal.removeEventListener("abort", onCancel);
    options.onMount?.(outcome!.record);
  }
}
