/**
 * Wraps an accepted Unix socket connection in a stream that applies the
 * HTTP/2 repairs (see `mod.ts`) to the client's bytes before grpc-js sees them.
 *
 * @module
 */

import { Duplex } from "node:stream";
import type { Socket } from "node:net";
import { authorityRewrite } from "./authority_rewrite.ts";
import { clientGoawayDrop } from "./client_goaway_drop.ts";
import { ClientFrameReader, DEFAULT_MAX_FRAME_SIZE, type FrameRepair } from "./frame_reader.ts";

/** Options of {@linkcode repairedConnection}. */
export interface RepairedConnectionOptions {
  /** The repairs, in order (default {@linkcode defaultRepairs}). */
  repairs?: FrameRepair[];
  /** The server's SETTINGS_MAX_FRAME_SIZE (default 16384). */
  maxFrameSize?: number;
}

/** Every repair the provider needs, in the order they apply. */
export function defaultRepairs(maxFrameSize: number = DEFAULT_MAX_FRAME_SIZE): FrameRepair[] {
  // The authority rewrite comes first: it refuses any frame inside an open
  // header block, a GOAWAY included.
  return [authorityRewrite({ maxFrameSize }), clientGoawayDrop()];
}

/**
 * A duplex stream over `socket`: reads are the client's bytes with the
 * repairs applied, writes go to the socket unchanged. Back-pressure, end and
 * errors are passed through in both directions; bytes that break HTTP/2
 * framing or its limits destroy both with an `Http2StreamError`.
 *
 * @example
 * ```ts
 * const listener = createServer((socket) => injector.injectConnection(repairedConnection(socket)));
 * ```
 */
export function repairedConnection(
  socket: Socket,
  options: RepairedConnectionOptions = {},
): Duplex {
  const maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  const reader = new ClientFrameReader(options.repairs ?? defaultRepairs(maxFrameSize), {
    maxFrameSize,
  });
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Uint8Array, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  socket.on("data", (chunk: Uint8Array) => {
    let parts: Uint8Array[];
    try {
      parts = reader.push(chunk);
    } catch (error) {
      stream.destroy(error as Error);
      return;
    }
    let more = true;
    for (const part of parts) more = stream.push(part) && more;
    if (!more) socket.pause();
  });
  socket.on("end", () => stream.push(null));
  socket.on("error", (error) => stream.destroy(error));
  socket.on("close", () => {
    if (!stream.destroyed) stream.destroy();
  });
  return stream;
}
