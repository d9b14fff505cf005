/**
 * Wraps an accepted Unix socket connection in a stream that rewrites invalid
 * `:authority` headers (see `authority_rewrite.ts`) before grpc-js sees them.
 *
 * @module
 */

import { Duplex } from "node:stream";
import type { Socket } from "node:net";
import { ClientStreamRewriter } from "./authority_rewrite.ts";

/**
 * A duplex stream over `socket`: reads are the client's bytes with
 * `:authority` fixed, writes go to the socket unchanged. Back-pressure, end and
 * errors are passed through in both directions.
 */
export function authorityFixingStream(socket: Socket): Duplex {
  const rewriter = new ClientStreamRewriter();
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
      parts = rewriter.push(chunk);
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
