/**
 * Test servers for the repairs: grpc-js serving the provider's service (an
 * echo of the request) on a Unix socket in a new temp dir, with the
 * connections put through {@linkcode repairedConnection} and a chosen set of
 * repairs, as the provider wires them. Also runnable as a child process
 * (`deno run echo_server.ts <socket> <repairs>`), for failures that take the
 * whole process down.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { createServer, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { loadProviderProto, type MountRequestMessage } from "../../provider_proto.ts";
import { authorityRewrite } from "../authority_rewrite.ts";
import { clientGoawayDrop } from "../client_goaway_drop.ts";
import type { FrameRepair } from "../frame_reader.ts";
import { repairedConnection } from "../repaired_socket.ts";

/** The repairs by name, for choosing them on a command line. */
export const REPAIRS: Record<string, () => FrameRepair> = {
  authority: () => authorityRewrite(),
  goaway: () => clientGoawayDrop(),
};

/**
 * A Unix socket whose accepted connections are handed to `onStream`, through
 * {@linkcode repairedConnection} with `repairs()` (all when it returns
 * `undefined`), or as they are when `repairs()` returns `"unrepaired"`.
 */
export async function listenWrapped(
  socketPath: string,
  onStream: (stream: Duplex) => void,
  repairs: () => FrameRepair[] | undefined | "unrepaired" = () => undefined,
) {
  const sockets = new Set<Socket>();
  const listener = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const chosen = repairs();
    onStream(chosen === "unrepaired" ? socket : repairedConnection(socket, { repairs: chosen }));
  });
  await new Promise<void>((resolve) => listener.listen(socketPath, resolve));
  return {
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}

/** A running echo server. */
export interface EchoServer extends AsyncDisposable {
  /** Its socket. */
  socketPath: string;
}

/**
 * Starts the echo server with `repairs` (names of {@linkcode REPAIRS}; every
 * repair when omitted; `"unrepaired"` for grpc-js on the bare sockets) on a
 * socket in a new temp dir.
 */
export async function startEchoServer(
  options: { repairs?: string[] | "unrepaired" } = {},
): Promise<EchoServer> {
  const dir = await Deno.makeTempDir({ prefix: "h2_repair_test_" });
  const socketPath = `${dir}/aws.sock`;
  const { server, injector } = echoService();
  const repairs = options.repairs;
  const listener = await listenWrapped(
    socketPath,
    (stream) => injector.injectConnection(stream),
    () => repairs === "unrepaired" ? repairs : repairs?.map((name) => REPAIRS[name]()),
  );
  return {
    socketPath,
    async [Symbol.asyncDispose]() {
      server.forceShutdown();
      injector.destroy();
      await listener.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function echoService() {
  const server = new grpc.Server();
  server.addService(loadProviderProto().service, {
    Version(_call: unknown, callback: grpc.sendUnaryData<unknown>) {
      callback(null, { version: "v1alpha1", runtime_name: "echo", runtime_version: "1" });
    },
    Mount(
      call: grpc.ServerUnaryCall<MountRequestMessage, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      const { attributes, secrets, target_path, permission, current_object_version } = call.request;
      callback(null, {
        object_version: current_object_version,
        files: [
          { path: target_path, mode: Number(permission), contents: Buffer.from(attributes) },
          { path: "secrets", mode: 0, contents: Buffer.from(secrets) },
        ],
      });
    },
  });
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  return { server, injector };
}

/** A grpc-js client of the socket sending `authority` as `:authority`. */
export function grpcClient(socketPath: string, authority = "localhost") {
  const { Client } = loadProviderProto();
  const client = new Client(`unix:${socketPath}`, grpc.credentials.createInsecure(), {
    "grpc.default_authority": authority,
  }) as unknown as grpc.Client & Record<string, (...args: unknown[]) => void>;
  const unary = <T>(name: string, request: unknown) =>
    new Promise<T>((resolve, reject) =>
      client[name](
        request,
        { deadline: Date.now() + 10_000 },
        (error: grpc.ServiceError | null, response: T) => error ? reject(error) : resolve(response),
      )
    );
  return { client, unary };
}

if (import.meta.main) {
  // deno run echo_server.ts <socket path> <repair,repair|unrepaired>
  const [socketPath, names] = Deno.args;
  const { injector } = echoService();
  await listenWrapped(
    socketPath,
    (stream) => injector.injectConnection(stream),
    () => names === "unrepaired" ? names : names.split(",").map((name) => REPAIRS[name]()),
  );
  console.log("listening");
}
