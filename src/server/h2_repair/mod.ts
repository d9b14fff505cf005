/**
 * Workarounds on the provider's socket, between the CSI driver and grpc-js:
 * each connection's client-to-server bytes are read frame by frame (HTTP/2,
 * RFC 9113) and repaired before the server sees them.
 *
 * | file                    | repairs                                                      | still needed while                                   |
 * | ----------------------- | ------------------------------------------------------------ | ---------------------------------------------------- |
 * | `authority_rewrite.ts`  | a socket path as `:authority` (CSI driver ≤ v1.5.x)           | `authority_rewrite_test.ts` "still needed: …" passes  |
 * | `client_goaway_drop.ts` | a client GOAWAY aborting Deno 2.9.6's `node:http2` server     | `client_goaway_drop_test.ts` "still needed: …" passes |
 *
 * `frame_reader.ts` is what both share: it streams every frame a repair does
 * not ask for, refuses frames above SETTINGS_MAX_FRAME_SIZE before reading
 * them, and bounds what a connection can make us hold. `hpack_huffman.ts`
 * decodes the Huffman strings the authority rewrite reads;
 * `repaired_socket.ts` wires it all onto a socket.
 *
 * @example
 * ```ts
 * import { repairedConnection } from "./h2_repair/mod.ts";
 * const listener = createServer((socket) => injector.injectConnection(repairedConnection(socket)));
 * ```
 *
 * @module
 */

export * from "./authority_rewrite.ts";
export * from "./client_goaway_drop.ts";
export * from "./frame_reader.ts";
export * from "./hpack_huffman.ts";
export * from "./repaired_socket.ts";
