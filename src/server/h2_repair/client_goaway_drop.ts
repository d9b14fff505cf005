/**
 * Repair 2 of 2: drops the client's GOAWAY frames, so a client closing its
 * connection cannot abort the provider process.
 *
 * - **What it fixes.** Deno 2.9.6's `node:http2` server aborts the whole
 *   process when a client sends GOAWAY after a few hundred requests on one
 *   connection — which grpc-go (the CSI driver) and grpc-js do whenever they
 *   close a connection. It dies in nghttp2 while handling the frame
 *   (`nghttp2_session.c: find_stream_on_goaway_func: Assertion
 *   'stream->closed_next == NULL' failed`, exit 134; sometimes
 *   `free(): invalid pointer` or a silent SIGSEGV), before any JavaScript
 *   runs, so nothing can catch it. A gRPC server starts no streams, so a
 *   client's GOAWAY tells it nothing it needs: the connection's end follows
 *   anyway. The frame is dropped as its bytes arrive, also when it is split
 *   across chunks; nothing else is touched.
 * - **Upstream.** denoland/deno issue 36788 reports the same nghttp2
 *   assertion on Deno 2.9.5 and 2.9.6 (there on the client side of a session
 *   that receives GOAWAY; the code path in nghttp2 is the one our server
 *   dies in).
 * - **Checked on** Deno 2.9.6 with @grpc/grpc-js 1.14.7 (the soak found it;
 *   `test/integration/connection_close_test.ts` guards the fix).
 * - **When it can go.** `client_goaway_drop_test.ts`, "still needed: a
 *   server without the drop dies when a client closes a busy connection",
 *   runs a server with every repair but this one in a child process and
 *   expects it to abort. When that test fails, Deno has fixed the crash: delete
 *   this file and its entry in `defaultRepairs()`.
 *
 * @module
 */

import { type FrameHeader, type FrameRepair, type FrameRoute, FrameType } from "./frame_reader.ts";

/** The GOAWAY repair for {@linkcode ClientFrameReader}: routes GOAWAY frames to `drop`. */
export function clientGoawayDrop(): FrameRepair {
  return {
    heldBytes: 0,
    route(header: FrameHeader): FrameRoute {
      return header.type === FrameType.GOAWAY ? "drop" : "pass";
    },
    collected(): Uint8Array[] {
      // Never asked for: every route here is "drop" or "pass".
      return [];
    },
  };
}
