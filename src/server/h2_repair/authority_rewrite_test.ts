import assert from "node:assert/strict";
import {
  byteByByte,
  type ChunkSizes,
  concatBytes,
  encodeHeaderBlock,
  exchangeFrames,
  frame,
  grpcRequestHeaders,
  headerBlocks,
  type HeaderField,
  hex,
  HpackDecoder,
  integerTail,
  pushInChunks,
  seededSizes,
  splitClientStream,
  VERSION_REQUEST_MESSAGE,
  whole,
} from "../../../test/fakes/mod.ts";
import * as grpc from "@grpc/grpc-js";
import { authorityRewrite, MAX_CONTINUATIONS, rewriteAuthority } from "./authority_rewrite.ts";
import { CLIENT_PREFACE, ClientFrameReader, Http2StreamError } from "./frame_reader.ts";
import { decodeHuffman } from "./hpack_huffman.ts";
import { grpcClient, startEchoServer } from "./testdata/echo_server.ts";
import { STREAMS } from "./testdata/go_client_streams.ts";

// Header blocks and client streams below were produced by Go's
// golang.org/x/net v0.48.0 (http2.Framer, hpack.Encoder: the code grpc-go
// clients, CSI driver v1.5.x included, send with). Blocks of one scenario
// share one encoder, so later blocks index entries of earlier ones. The
// `rawStrings` and `oversizedEntry` blocks were built byte by byte (Go's
// encoder always picks Huffman when shorter and never indexes an entry larger
// than the table); Go's hpack.Decoder decodes every block to the headers the
// tests expect.

const SOCKET = "/var/run/secrets-store-csi-providers/aws.sock";
const LONG_SOCKET = "/" + "very-long-directory/".repeat(15) + "aws.sock";

/** The headers grpc-go 1.56 sends for a Mount call, as the Go fixtures encode them. */
function grpcRequest(authority: string, timeout: string): HeaderField[] {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", "/v1alpha1.CSIDriverProvider/Mount"],
    [":authority", authority],
    ["content-type", "application/grpc"],
    ["user-agent", "grpc-go/1.56.3"],
    ["te", "trailers"],
    ["grpc-timeout", timeout],
  ];
}

const BLOCKS = {
  evictions: [
    "3fe1018341a063b8ec62cb6a610525854a16424f6156220cb5761fb9a42d88607e10ba0e4ebf4086f2b4" +
    "a6a282d98d18c6318c6318c6318c6318c63f40899acac8b24d494f6a7f8408000a7f",
    "83418b62cb6a60e99cb62e8393af7f01968e38e38e38e38e38e38e38e38e38e38e38e38e38e38f7f0184" +
    "08001a7f",
    "8341a063b8ec62cb6a610525854a16424f6156220cb5761fb9a42d88607e10ba0e4ebf7f019821084210" +
    "84210842108421084210842108421084210842137f018408000a7f",
    "83c07f008d18c6318c6318c6318c6318c63f4084f2b4669bcff7efdfbf7efdfbf7efdfbf7efdfbf7efdf" +
    "bf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdf" +
    "bf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7ef7f018408001a7f",
    "83418b62cb6a60e99cb62e8393af4086f2b4a6a282d9968e38e38e38e38e38e38e38e38e38e38e38e38e" +
    "38e38f7f018408000a7f",
    "8341a063b8ec62cb6a610525854a16424f6156220cb5761fb9a42d88607e10ba0e4ebf7f019821084210" +
    "84210842108421084210842108421084210842137f018408001a7f",
    "83c07f008d18c6318c6318c6318c6318c63f7f008408000a7f",
    "8341a063b8ec62cb6a610525854a16424f6156220cb5761fb9a42d88607e10ba0e4ebf7f01968e38e38e" +
    "38e38e38e38e38e38e38e38e38e38e38e38f4084f2b4669bcff7efdfbf7efdfbf7efdfbf7efdfbf7efdf" +
    "bf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdf" +
    "bf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7ef40899acac8b24d494f6a7f8408001a7f",
  ],
  grpcTwoRequests: [
    "8386459963b84745738c2bdedd92fd86ee5b35d87ee690b631a0f6d49f41a063b8ec62cb6a610525854a" +
    "16424f6156220cb5761fb9a42d88607e10ba0e4ebf5f8b1d75d0620d263d4c4d65647a8b9acac8b4c760" +
    "2bb6e2ecff40027465864d833505b11f40899acac8b24d494f6a7f8713efbefbe166df",
    "8386c3c2c1c0bf7e8713efbefbce82df",
  ],
  neverIndexed: [
    "8386459963b84745738c2bdedd92fd86ee5b35d87ee690b631a0f6d49f11a063b8ec62cb6a610525854a" +
    "16424f6156220cb5761fb9a42d88607e10ba0e4ebf5f8b1d75d0620d263d4c4d65647a8b9acac8b4c760" +
    "2bb6e2ecff40027465864d833505b11f40899acac8b24d494f6a7f023553",
    "8386c24186a0e41d139d09c2c1c0bf",
  ],
  oversizedEntry: [
    "3f37412d2f7661722f72756e2f736563726574732d73746f72652d6373692d70726f7669646572732f61" +
    "77732e736f636b",
    "4003782d6100be",
    "be",
  ],
  rawStrings: [
    "8386412d2f7661722f72756e2f736563726574732d73746f72652d6373692d70726f7669646572732f61" +
    "77732e736f636b010b2f746d702f782e736f636b110b2f72756e2f792e736f636b400a3a617574686f72" +
    "6974790e2f6e65772f6e616d652e736f636b0088b83b5339ec327d7f8b627b65958a87495741c9d71088" +
    "b83b5339ec327d7f0f2f6e657665722f6e65772e736f636b4008782d637573746f6d112f6e6f742f616e" +
    "2f617574686f72697479",
    "bfbec0",
  ],
  shortAndLong: [
    "8386459963b84745738c2bdedd92fd86ee5b35d87ee690b631a0f6d49f4185606ba0e4eb5f8b1d75d062" +
    "0d263d4c4d65647a8b9acac8b4c7602bb6e2ecff40027465864d833505b11f40899acac8b24d494f6a7f" +
    "023153",
    "8386c341012fc2c1c0bf",
    "8386c44103612062c3c2c1c0",
    "8386c541ff6163b96cf4b507aa65a43585224f67a63b96cf4b507aa65a43585224f67a63b96cf4b507aa" +
    "65a43585224f67a63b96cf4b507aa65a43585224f67a63b96cf4b507aa65a43585224f67a63b96cf4b50" +
    "7aa65a43585224f67a63b96cf4b507aa65a43585224f67a63b96cf4b507aa65a43585224f67a63b96cf4" +
    "b507aa65a43585224f67a63b96cf4b507aa65a43585224f67a63b96cf4b507aa65a43585224f67a63b96" +
    "cf4b507aa65a43585224f67a63b96cf4b507aa65a43585224f67a63b96cf4b507aa65a43585224f67a63" +
    "b96cf4b507aa65a43585224f67a607e10ba0e4ebc4c3c2c1",
    "8386c6c5c4c3c27f02023253",
    "8386c7bfc5c4c3be",
  ],
  validAuthorities: [
    "8386459963b84745738c2bdedd92fd86ee5b35d87ee690b631a0f6d49f4186a0e41d139d095f8b1d75d0" +
    "620d263d4c4d65647a8b9acac8b4c7602bb6e2ecff40027465864d833505b11f40899acac8b24d494f6a" +
    "7f023153",
    "8386c3418b089d5c0b8170dc6c006c3fc2c1c0bf",
    "8386c441095b3a3a315d3a343433c3c2c1c0",
    "8386c541882f91d35d055c87a7c4c3c2c1",
    "8386c64189b505b3ff539d09b81fc5c4c3c2",
    "8386c74194f352cb4649cb62dd7b8d72f91d35d05b8f34d33fc6c5c4c3",
  ],
  withoutIndexing: [
    "208386059963b84745738c2bdedd92fd86ee5b35d87ee690b631a0f6d49f01a063b8ec62cb6a61052585" +
    "4a16424f6156220cb5761fb9a42d88607e10ba0e4ebf0f108b1d75d0620d263d4c4d65640f2b8b9acac8" +
    "b4c7602bb6e2ecff00027465864d833505b11f00899acac8b24d494f6a7f023153",
    "8386059963b84745738c2bdedd92fd86ee5b35d87ee690b631a0f6d49f01a063b8ec62cb6a610525854a" +
    "16424f6156220cb5761fb9a42d88607e10ba0e4ebf0f108b1d75d0620d263d4c4d65640f2b8b9acac8b4" +
    "c7602bb6e2ecff00027465864d833505b11f00899acac8b24d494f6a7f023253",
  ],
};

/** Rewrites each block of a connection in order (unchanged blocks pass as they are). */
function rewriteAll(blocks: string[]): Uint8Array[] {
  return blocks.map((block) => rewriteAuthority(hex(block)) ?? hex(block));
}

/** Decodes the blocks of one connection with one decoder, as a server would. */
function decodeAll(blocks: Uint8Array[], decoder = new HpackDecoder()): HeaderField[][] {
  return blocks.map((block) => decoder.decode(block));
}

/** The frame reader with the authority rewrite alone. */
function authorityReader() {
  const repair = authorityRewrite();
  const reader = new ClientFrameReader([repair]);
  return {
    push: (chunk: Uint8Array) => reader.push(chunk),
    get rewrites() {
      return repair.rewrites;
    },
  };
}

/** Feeds a stream to a fresh reader in chunks of `chunkSizes` and joins the output. */
function rewriteStream(stream: Uint8Array, chunkSizes: ChunkSizes) {
  const rewriter = authorityReader();
  const bytes = pushInChunks(rewriter.push, stream, chunkSizes);
  return { bytes, rewrites: rewriter.rewrites };
}

Deno.test("the test decoder reads every Go fixture block as Go's decoder does", () => {
  assert.deepEqual(decodeAll(BLOCKS.grpcTwoRequests.map(hex)), [
    grpcRequest(SOCKET, "29999913u"),
    grpcRequest(SOCKET, "29999870u"),
  ]);
  assert.deepEqual(decodeAll(BLOCKS.rawStrings.map(hex)), [
    [
      [":method", "POST"],
      [":scheme", "http"],
      [":authority", SOCKET],
      [":authority", "/tmp/x.sock"],
      [":authority", "/run/y.sock"],
      [":authority", "/new/name.sock"],
      [":authority", "/huff/name.sock"],
      [":authority", "/never/new.sock"],
      ["x-custom", "/not/an/authority"],
    ],
    [[":authority", "/new/name.sock"], ["x-custom", "/not/an/authority"], [":authority", SOCKET]],
  ]);
  assert.deepEqual(decodeAll(BLOCKS.oversizedEntry.map(hex)), [
    [[":authority", SOCKET]],
    [["x-a", ""], ["x-a", ""]],
    [["x-a", ""]],
  ]);
});

Deno.test("rewriteAuthority leaves blocks with valid authorities untouched", () => {
  const authorities = decodeAll(BLOCKS.validAuthorities.map(hex)).map((fields) => fields[3][1]);
  assert.deepEqual(authorities, [
    "localhost",
    "127.0.0.1:50051",
    "[::1]:443",
    "example.com",
    "user@host:1",
    "xn--bcher-kva.example:8443",
  ]);
  for (const block of BLOCKS.validAuthorities) {
    assert.equal(rewriteAuthority(hex(block)), undefined);
  }
});

Deno.test("rewriteAuthority replaces a socket-path authority with localhost in place", () => {
  const original = hex(BLOCKS.grpcTwoRequests[0]);
  const rewritten = rewriteAuthority(original);
  assert.ok(rewritten !== undefined);
  // 0x41 (literal with incremental indexing, name :authority) is followed by
  // 0xa0 (Huffman, 32 bytes) and the coded path; length byte and path become
  // the raw string 0x09 "localhost", every other byte stays.
  const coded = "41a0" + "63b8ec62cb6a610525854a16424f6156220cb5761fb9a42d88607e10ba0e4ebf";
  const at = BLOCKS.grpcTwoRequests[0].indexOf(coded) / 2 + 1;
  assert.equal(at, 30);
  assert.deepEqual(
    rewritten,
    new Uint8Array([
      ...original.subarray(0, at),
      0x09,
      ...new TextEncoder().encode("localhost"),
      ...original.subarray(at + 33),
    ]),
  );
  assert.deepEqual(new HpackDecoder().decode(rewritten), grpcRequest("localhost", "29999913u"));
});

Deno.test("a later block that indexes the rewritten entry decodes to localhost on the server", () => {
  const blocks = BLOCKS.grpcTwoRequests.map(hex);
  // The second request is all table references (16 bytes): nothing to rewrite in it.
  assert.equal(blocks[1].length, 16);
  assert.equal(rewriteAuthority(blocks[1]), undefined);
  assert.deepEqual(decodeAll(rewriteAll(BLOCKS.grpcTwoRequests)), [
    grpcRequest("localhost", "29999913u"),
    grpcRequest("localhost", "29999870u"),
  ]);
});

Deno.test("an invalid authority shorter than localhost becomes a prefix of the same length", () => {
  assert.deepEqual(decodeAll(rewriteAll(BLOCKS.shortAndLong)), [
    grpcRequest("localho", "1S"), // "/a.sock"
    grpcRequest("l", "1S"), // "/"
    grpcRequest("loc", "1S"), // "a b"
    grpcRequest("localhost", "1S"), // a 316-byte path (multi-byte length prefix)
    grpcRequest("localho", "2S"), // indexed "/a.sock" entry
    grpcRequest("localhost", "2S"), // indexed long entry
  ]);
  assert.equal(LONG_SOCKET.length, 309);
});

Deno.test("a never-indexed authority literal is rewritten and keeps its representation", () => {
  const original = hex(BLOCKS.neverIndexed[0]);
  const rewritten = rewriteAuthority(original)!;
  // 0x11 = literal never indexed, name :authority (static index 1).
  assert.equal(original[original.indexOf(0x11)], 0x11);
  assert.equal(rewritten[original.indexOf(0x11)], 0x11);
  assert.deepEqual(rewritten[original.indexOf(0x11) + 1], 0x09);
  assert.deepEqual(decodeAll(rewriteAll(BLOCKS.neverIndexed)), [
    grpcRequest("localhost", "5S"),
    grpcRequest("localhost", "5S"),
  ]);
  assert.equal(rewriteAuthority(hex(BLOCKS.neverIndexed[1])), undefined);
});

Deno.test("a table size update and literals without indexing are rewritten", () => {
  // 0x20: dynamic table size update to 0; then nothing is indexed.
  assert.equal(BLOCKS.withoutIndexing[0].slice(0, 2), "20");
  const rewritten = rewriteAll(BLOCKS.withoutIndexing);
  assert.equal(rewritten[0][0], 0x20);
  assert.deepEqual(decodeAll(rewritten), [
    grpcRequest("localhost", "1S"),
    grpcRequest("localhost", "2S"),
  ]);
});

Deno.test("raw and Huffman literals of every kind, with indexed or new names, are rewritten", () => {
  const rewritten = rewriteAll(BLOCKS.rawStrings);
  assert.deepEqual(decodeAll(rewritten), [
    [
      [":method", "POST"],
      [":scheme", "http"],
      [":authority", "localhost"],
      [":authority", "localhost"],
      [":authority", "localhost"],
      [":authority", "localhost"],
      [":authority", "localhost"],
      [":authority", "localhost"],
      ["x-custom", "/not/an/authority"],
    ],
    [[":authority", "localhost"], ["x-custom", "/not/an/authority"], [":authority", "localhost"]],
  ]);
  assert.equal(rewriteAuthority(hex(BLOCKS.rawStrings[1])), undefined);
});

Deno.test("with evictions, every later table reference still names the same header", () => {
  const requests = [
    [SOCKET, "a".repeat(20), undefined, "1000m"],
    ["/run/other.sock", "b".repeat(29), undefined, "1001m"],
    [SOCKET, "c".repeat(38), undefined, "1000m"],
    [SOCKET, "a".repeat(20), "z".repeat(90), "1001m"],
    ["/run/other.sock", "b".repeat(29), undefined, "1000m"],
    [SOCKET, "c".repeat(38), undefined, "1001m"],
    [SOCKET, "a".repeat(20), undefined, "1000m"],
    [SOCKET, "b".repeat(29), "z".repeat(90), "1001m"],
  ] as const;
  const headers = (authority: string) =>
    requests.map(([path, filler, big, timeout]): HeaderField[] => [
      [":method", "POST"],
      [":authority", authority === "" ? path : authority],
      ["x-filler", filler],
      ...(big === undefined ? [] : [["x-big", big] as HeaderField]),
      ["grpc-timeout", timeout],
    ]);
  const client = new HpackDecoder();
  const server = new HpackDecoder();
  const rewritten = rewriteAll(BLOCKS.evictions);
  let serverHeldMore = 0;
  BLOCKS.evictions.forEach((block, i) => {
    assert.deepEqual(client.decode(hex(block)), headers("")[i]);
    assert.deepEqual(server.decode(rewritten[i]), headers("localhost")[i]);
    if (server.dynamicTable.length > client.dynamicTable.length) serverHeldMore++;
  });
  // The fixture exercises the interesting case: blocks 4 and 7 index an
  // :authority entry (0xc0 = 64), and after blocks 3 and 6 the server's
  // smaller entries outlive entries the client has already evicted.
  assert.equal(BLOCKS.evictions[3].slice(0, 4), "83c0");
  assert.equal(BLOCKS.evictions[6].slice(0, 4), "83c0");
  assert.equal(serverHeldMore, 2);
});

Deno.test("an authority entry too large for the client's table keeps later indices aligned", () => {
  // Table size 86: the 87-byte path entry empties the client's table, the
  // 51-byte rewritten entry stays in the server's, behind "x-a: ".
  const client = new HpackDecoder();
  const server = new HpackDecoder();
  assert.deepEqual(decodeAll(BLOCKS.oversizedEntry.map(hex), client).at(-1), [["x-a", ""]]);
  assert.deepEqual(decodeAll(rewriteAll(BLOCKS.oversizedEntry), server), [
    [[":authority", "localhost"]],
    [["x-a", ""], ["x-a", ""]],
    [["x-a", ""]],
  ]);
  assert.deepEqual(client.dynamicTable, [["x-a", ""]]);
  assert.deepEqual(server.dynamicTable, [["x-a", ""], [":authority", "localhost"]]);
});

Deno.test("rewriteAuthority throws Http2StreamError on malformed blocks", async (t) => {
  const cases: [string, string][] = [
    ["an indexed field whose integer is cut off", "ff"],
    ["an integer longer than 4 continuation bytes", "ff808080808001"],
    ["a literal without its name string", "40"],
    ["a literal whose value is cut off", "41056c6f63"],
    ["a literal whose name is longer than the block", "400a3a61"],
    ["a Huffman value with bad padding", "418100"],
    ["a Huffman value containing EOS", "4184ffffffff"],
  ];
  for (const [name, block] of cases) {
    await t.step(name, () => {
      assert.throws(() => rewriteAuthority(hex(block)), Http2StreamError);
    });
  }
});

Deno.test("the authority rewrite passes a connection with valid authorities through byte for byte", () => {
  const stream = hex(STREAMS.validConnection);
  for (const sizes of [whole, byteByByte, seededSizes(7, 40)]) {
    const { bytes, rewrites } = rewriteStream(stream, sizes);
    assert.deepEqual(bytes, stream);
    assert.equal(rewrites, 0);
  }
});

Deno.test("the authority rewrite rewrites the first HEADERS and leaves every other frame as sent", () => {
  const input = splitClientStream(hex(STREAMS.connection));
  const { bytes, rewrites } = rewriteStream(hex(STREAMS.connection), whole);
  const output = splitClientStream(bytes);
  assert.equal(rewrites, 1);
  assert.deepEqual(output.map((frame) => [frame.type, frame.flags, frame.streamId]), [
    [0x4, 0x0, 0], // SETTINGS
    [0x8, 0x0, 0], // WINDOW_UPDATE
    [0x1, 0x4, 1], // HEADERS, END_HEADERS
    [0x0, 0x1, 1], // DATA, END_STREAM
    [0x6, 0x0, 0], // PING
    [0x1, 0x4, 3], // HEADERS (table references only)
    [0x0, 0x1, 3], // DATA
  ]);
  for (const index of [0, 1, 3, 4, 5, 6]) assert.deepEqual(output[index], input[index]);
  assert.deepEqual(decodeAll(headerBlocks(output).map(({ block }) => block)), [
    grpcRequest("localhost", "29999913u"),
    grpcRequest("localhost", "29999870u"),
  ]);
});

Deno.test("the authority rewrite gives the same bytes for any chunking of the stream", async (t) => {
  for (const [name, stream] of Object.entries(STREAMS)) {
    await t.step(name, () => {
      const expected = rewriteStream(hex(stream), whole);
      assert.deepEqual(rewriteStream(hex(stream), byteByByte), expected);
      for (const seed of [1, 2, 3]) {
        assert.deepEqual(rewriteStream(hex(stream), seededSizes(seed, 30)), expected);
      }
    });
  }
});

Deno.test("the authority rewrite withholds nothing once a frame is complete", () => {
  const stream = hex(STREAMS.connection);
  const rewriter = authorityReader();
  // The preface (24) leaves when it is whole.
  assert.deepEqual(rewriter.push(stream.slice(0, 23)), []);
  assert.deepEqual(rewriter.push(stream.slice(23, 24)).map((part) => part.length), [24]);
  // SETTINGS (9 + 12) and WINDOW_UPDATE (9 + 4) are not the rewrite's: they
  // stream through as their bytes arrive (before, SETTINGS was held until whole).
  assert.deepEqual(rewriter.push(stream.slice(24, 44)).map((part) => part.length), [20]);
  assert.deepEqual(rewriter.push(stream.slice(44, 45)).map((part) => part.length), [1]);
  assert.deepEqual(rewriter.push(stream.slice(45, 58)).map((part) => part.length), [13]);
  // HEADERS (9 + 119) is held until its last byte, then leaves whole (rewritten).
  assert.equal(stream[58 + 3], 0x1);
  assert.deepEqual(rewriter.push(stream.slice(58, 186 - 1)), []);
  const [headers, ...rest] = rewriter.push(stream.slice(186 - 1, 186));
  assert.deepEqual(rest, []);
  assert.equal(headers[3], 0x1);
  assert.equal(headers.length, 9 + ((headers[0] << 16) | (headers[1] << 8) | headers[2]));
  assert.equal(rewriter.rewrites, 1);
});

Deno.test("the authority rewrite drops HEADERS padding and keeps the PRIORITY fields", () => {
  const [, headers] = splitClientStream(hex(STREAMS.paddedPriority));
  assert.equal(headers.flags, 0x4 | 0x8 | 0x20); // END_HEADERS | PADDED | PRIORITY
  assert.equal(headers.payload[0], 7); // pad length
  const output = splitClientStream(rewriteStream(hex(STREAMS.paddedPriority), whole).bytes);
  const rewritten = output[1];
  assert.equal(rewritten.type, 0x1);
  assert.equal(rewritten.flags, 0x4 | 0x20);
  assert.equal(rewritten.streamId, 1);
  // Exclusive bit + dependency 0, weight 15: the same 5 bytes as sent.
  assert.deepEqual(rewritten.payload.subarray(0, 5), new Uint8Array([0x80, 0, 0, 0, 15]));
  assert.deepEqual(headers.payload.subarray(1, 6), new Uint8Array([0x80, 0, 0, 0, 15]));
  assert.deepEqual(
    new HpackDecoder().decode(headerBlocks(output)[0].block),
    grpcRequest("localhost", "1S"),
  );
  assert.deepEqual(output[2], splitClientStream(hex(STREAMS.paddedPriority))[2]);
});

Deno.test("the authority rewrite joins HEADERS and CONTINUATION frames into one HEADERS", () => {
  const input = splitClientStream(hex(STREAMS.continuation));
  assert.deepEqual(input.map((frame) => [frame.type, frame.flags]), [
    [0x4, 0],
    [0x1, 0], // HEADERS without END_HEADERS: the path is cut after 2 coded bytes
    [0x9, 0], // CONTINUATION
    [0x9, 0x4], // CONTINUATION, END_HEADERS
    [0x0, 0x1],
    [0x1, 0x4],
  ]);
  const output = splitClientStream(rewriteStream(hex(STREAMS.continuation), byteByByte).bytes);
  assert.deepEqual(output.map((frame) => [frame.type, frame.flags, frame.streamId]), [
    [0x4, 0, 0],
    [0x1, 0x4, 1],
    [0x0, 0x1, 1],
    [0x1, 0x4, 3],
  ]);
  assert.deepEqual(decodeAll(headerBlocks(output).map(({ block }) => block)), [
    grpcRequest("localhost", "1S"),
    grpcRequest("localhost", "2S"),
  ]);
});

Deno.test("the authority rewrite keeps END_STREAM on a rewritten HEADERS frame", () => {
  const output = splitClientStream(rewriteStream(hex(STREAMS.endStreamHeaders), whole).bytes);
  assert.equal(output[1].flags, 0x1 | 0x4);
  assert.deepEqual(new HpackDecoder().decode(output[1].payload), [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "localhost"],
  ]);
});

Deno.test("the authority rewrite leaves unchanged HEADERS+CONTINUATION frames exactly as sent", () => {
  // A valid authority in a block split over three frames.
  const block = new Uint8Array([
    0x82,
    0x86,
    0x84,
    0x41,
    0x09,
    ...new TextEncoder().encode("localhost"),
  ]);
  const stream = new Uint8Array([
    ...hex(STREAMS.endStreamHeaders).subarray(0, 24 + 9 + 12),
    ...frame(0x1, 0x0, 1, block.subarray(0, 4)),
    ...frame(0x9, 0x0, 1, block.subarray(4, 8)),
    ...frame(0x9, 0x4, 1, block.subarray(8)),
  ]);
  assert.deepEqual(rewriteStream(stream, byteByByte), { bytes: stream, rewrites: 0 });
});

Deno.test("the authority rewrite splits a rewritten block larger than 16384 bytes", () => {
  const big = "x".repeat(20_000);
  const field = (name: string, value: string) => {
    const bytes = new TextEncoder().encode(value);
    return [
      0x40,
      name.length,
      ...new TextEncoder().encode(name),
      0x7f,
      ...integerTail(bytes.length - 127),
      ...bytes,
    ];
  };
  const block = new Uint8Array([
    0x41,
    45,
    ...new TextEncoder().encode(SOCKET),
    ...field("x-big", big),
  ]);
  const preface = hex(STREAMS.endStreamHeaders).subarray(0, 24 + 9 + 12);
  const stream = new Uint8Array([
    ...preface,
    ...frame(0x1, 0x1, 5, block.subarray(0, 16384)),
    ...frame(0x9, 0x4, 5, block.subarray(16384)),
  ]);
  const output = splitClientStream(rewriteStream(stream, seededSizes(9, 5000)).bytes);
  assert.deepEqual(output.map((f) => [f.type, f.flags, f.streamId, f.payload.length]), [
    [0x4, 0, 0, 12],
    [0x1, 0x1, 5, 16384], // END_STREAM stays on HEADERS
    [0x9, 0x4, 5, block.length - 36 - 16384],
  ]);
  assert.deepEqual(new HpackDecoder().decode(headerBlocks(output)[0].block), [
    [":authority", "localhost"],
    ["x-big", big],
  ]);
});

Deno.test("the authority rewrite throws Http2StreamError on malformed frames", async (t) => {
  const preface = hex(STREAMS.endStreamHeaders).subarray(0, 24 + 9 + 12);
  const authority = [0x41, 0x01, 0x2f]; // :authority "/"
  const cases: [string, Uint8Array][] = [
    [
      "a HEADERS frame without END_HEADERS followed by DATA",
      new Uint8Array([
        ...frame(0x1, 0x0, 1, new Uint8Array(authority)),
        ...frame(0x0, 0x1, 1, new Uint8Array(1)),
      ]),
    ],
    [
      "a pad length as long as the payload",
      frame(0x1, 0x4 | 0x8, 1, new Uint8Array([4, ...authority])),
    ],
    [
      "a PRIORITY flag with fewer than 5 bytes",
      frame(0x1, 0x4 | 0x20, 1, new Uint8Array([0, 0, 0, 1])),
    ],
    [
      "a header block with a truncated string",
      frame(0x1, 0x4, 1, new Uint8Array([0x41, 0x05, 0x2f])),
    ],
  ];
  for (const [name, frames] of cases) {
    await t.step(name, () => {
      const rewriter = authorityReader();
      rewriter.push(preface);
      assert.throws(() => rewriter.push(frames), Http2StreamError);
    });
  }
});

Deno.test("still needed: a server without the rewrite refuses a socket-path :authority", async () => {
  await using server = await startEchoServer({ repairs: ["goaway"] });
  const { client, unary } = grpcClient(server.socketPath, server.socketPath);
  try {
    await assert.rejects(unary("Version", { version: "v1alpha1" }), (error: grpc.ServiceError) => {
      // nghttp2 resets the stream: RST_STREAM PROTOCOL_ERROR (1).
      assert.equal(error.code, grpc.status.INTERNAL, error.message);
      assert.match(error.details, /RST_STREAM with code 1/);
      return true;
    });
  } finally {
    client.close();
  }
});

/** A Version call whose header block is cut into a HEADERS and `continuations` CONTINUATION frames. */
function versionCall(continuations: number, authority = "localhost"): Uint8Array {
  const block = encodeHeaderBlock(
    grpcRequestHeaders("/v1alpha1.CSIDriverProvider/Version", authority),
  );
  const size = Math.ceil(block.length / (continuations + 1));
  const frames = Array.from({ length: continuations + 1 }, (_, i) =>
    frame(
      i === 0 ? 0x1 : 0x9,
      i === continuations ? 0x4 : 0,
      1,
      block.subarray(i * size, (i + 1) * size),
    ));
  return concatBytes([
    CLIENT_PREFACE,
    frame(0x4, 0, 0, new Uint8Array(0)),
    ...frames,
    frame(0x0, 0x1, 1, VERSION_REQUEST_MESSAGE),
  ]);
}

const answered = (frames: { type: number; flags: number }[]) =>
  frames.some((f) => f.type === 0x1 && (f.flags & 0x1) !== 0); // trailers: the call is over

Deno.test("the server itself takes 8 CONTINUATION frames per block and ends the connection at the 9th", async () => {
  // MAX_CONTINUATIONS is the server's limit, so the rewrite refuses nothing it would take.
  await using server = await startEchoServer({ repairs: "unrepaired" });
  const at = await exchangeFrames(server.socketPath, versionCall(MAX_CONTINUATIONS), {
    until: answered,
  });
  assert.equal(answered(at.frames), true);
  const over = await exchangeFrames(server.socketPath, versionCall(MAX_CONTINUATIONS + 1));
  assert.equal(answered(over.frames), false);
  assert.equal(over.closed, true);
  assert.ok(over.frames.some((f) => f.type === 0x7), "GOAWAY");
});

Deno.test("through the rewrite, a block with 8 CONTINUATIONs and a socket path is answered", async () => {
  await using server = await startEchoServer();
  for (const chunk of [undefined, 1, 7]) {
    const { frames } = await exchangeFrames(
      server.socketPath,
      versionCall(MAX_CONTINUATIONS, SOCKET),
      {
        until: answered,
        chunk,
      },
    );
    assert.equal(answered(frames), true, `chunks of ${chunk ?? "all"}`);
  }
});

Deno.test("CONTINUATION floods end the connection before the block grows past nine frames", async (t) => {
  const start = () => {
    const reader = authorityReader();
    reader.push(concatBytes([CLIENT_PREFACE, frame(0x4, 0, 0, new Uint8Array(0))]));
    return reader;
  };
  const fragment = new Uint8Array(16_384).fill(0x82);
  const flood = (reader: ReturnType<typeof start>, payload: Uint8Array) => {
    reader.push(frame(0x1, 0x0, 1, payload));
    for (let i = 0; i < MAX_CONTINUATIONS; i++) {
      assert.deepEqual(reader.push(frame(0x9, 0x0, 1, payload)), []);
    }
    // The ninth CONTINUATION is refused from its header, before its payload.
    assert.throws(
      () => reader.push(frame(0x9, 0x4, 1, payload).subarray(0, 9)),
      new Http2StreamError("header block has more than 8 CONTINUATION frames"),
    );
  };
  await t.step("full-size frames", () => flood(start(), fragment));
  await t.step("empty frames (the CVE-2024-28182 shape)", () => flood(start(), new Uint8Array(0)));
  await t.step("one-byte frames, fed one byte at a time", () => {
    const reader = start();
    const stream = concatBytes([
      frame(0x1, 0x0, 1, new Uint8Array([0x82])),
      ...Array.from(
        { length: MAX_CONTINUATIONS + 1 },
        () => frame(0x9, 0, 1, new Uint8Array([0x82])),
      ),
    ]);
    assert.throws(() => pushInChunks(reader.push, stream, byteByByte), Http2StreamError);
  });
  await t.step("a frame of another type inside the block", () => {
    const reader = start();
    reader.push(frame(0x1, 0x0, 1, fragment));
    assert.throws(
      () => reader.push(frame(0x6, 0, 0, new Uint8Array(8)).subarray(0, 9)),
      new Http2StreamError("expected CONTINUATION frame"),
    );
  });
  await t.step("a GOAWAY inside the block", () => {
    const reader = start();
    reader.push(frame(0x1, 0x0, 1, fragment));
    assert.throws(() => reader.push(frame(0x7, 0, 0, new Uint8Array(8))), Http2StreamError);
  });
  await t.step("a CONTINUATION of another stream", () => {
    const reader = start();
    reader.push(frame(0x1, 0x0, 1, fragment));
    assert.throws(
      () => reader.push(frame(0x9, 0x4, 3, new Uint8Array(1))),
      new Http2StreamError("expected CONTINUATION frame"),
    );
  });
});

Deno.test("a CONTINUATION without a HEADERS before it passes untouched (the server refuses it)", () => {
  const reader = authorityReader();
  const stream = concatBytes([CLIENT_PREFACE, frame(0x9, 0x4, 1, new Uint8Array([0x82]))]);
  assert.deepEqual(concatBytes(reader.push(stream)), stream);
});

Deno.test("only :authority values are decoded: other headers are skipped, not read", () => {
  // 1,500 literals `x-a` whose Huffman value (77 octets of ones: EOS) no
  // decoder accepts. The rewrite does not decode them, so it neither throws
  // nor spends time on them; the server's decoder judges them.
  const value = new Uint8Array(77).fill(0xff);
  assert.equal(decodeHuffman(value), undefined);
  const entry = [0x00, 0x03, ...new TextEncoder().encode("x-a"), 0x80 | 77, ...value];
  const block = new Uint8Array(Array.from({ length: 1_500 }, () => entry).flat());
  assert.equal(rewriteAuthority(block), undefined);
});
