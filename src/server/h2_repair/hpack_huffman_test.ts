import assert from "node:assert/strict";
import { decodeHuffman } from "./hpack_huffman.ts";

// Encodings made by Go's golang.org/x/net/http2/hpack v0.48.0
// (`hpack.AppendHuffmanString`), the encoder grpc-go clients use.

function hex(text: string): Uint8Array {
  return Uint8Array.from(
    { length: text.length / 2 },
    (_, i) => parseInt(text.slice(2 * i, 2 * i + 2), 16),
  );
}

/** Go's Huffman encoding of each single byte 0..255. */
const GO_EACH_BYTE = [
  "ffc7",
  "ffffb1",
  "fffffe2f",
  "fffffe3f",
  "fffffe4f",
  "fffffe5f",
  "fffffe6f",
  "fffffe7f", // 0-7
  "fffffe8f",
  "ffffea",
  "fffffff3",
  "fffffe9f",
  "fffffeaf",
  "fffffff7",
  "fffffebf",
  "fffffecf", // 8-15
  "fffffedf",
  "fffffeef",
  "fffffeff",
  "ffffff0f",
  "ffffff1f",
  "ffffff2f",
  "fffffffb",
  "ffffff3f", // 16-23
  "ffffff4f",
  "ffffff5f",
  "ffffff6f",
  "ffffff7f",
  "ffffff8f",
  "ffffff9f",
  "ffffffaf",
  "ffffffbf", // 24-31
  "53",
  "fe3f",
  "fe7f",
  "ffaf",
  "ffcf",
  "57",
  "f8",
  "ff5f", // 32-39
  "febf",
  "feff",
  "f9",
  "ff7f",
  "fa",
  "5b",
  "5f",
  "63", // 40-47
  "07",
  "0f",
  "17",
  "67",
  "6b",
  "6f",
  "73",
  "77", // 48-55
  "7b",
  "7f",
  "b9",
  "fb",
  "fff9",
  "83",
  "ffbf",
  "ff3f", // 56-63
  "ffd7",
  "87",
  "bb",
  "bd",
  "bf",
  "c1",
  "c3",
  "c5", // 64-71
  "c7",
  "c9",
  "cb",
  "cd",
  "cf",
  "d1",
  "d3",
  "d5", // 72-79
  "d7",
  "d9",
  "db",
  "dd",
  "df",
  "e1",
  "e3",
  "e5", // 80-87
  "fc",
  "e7",
  "fd",
  "ffdf",
  "fffe1f",
  "ffe7",
  "fff3",
  "8b", // 88-95
  "fffb",
  "1f",
  "8f",
  "27",
  "93",
  "2f",
  "97",
  "9b", // 96-103
  "9f",
  "37",
  "e9",
  "eb",
  "a3",
  "a7",
  "ab",
  "3f", // 104-111
  "af",
  "ed",
  "b3",
  "47",
  "4f",
  "b7",
  "ef",
  "f1", // 112-119
  "f3",
  "f5",
  "f7",
  "fffd",
  "ff9f",
  "fff7",
  "ffef",
  "ffffffcf", // 120-127
  "fffe6f",
  "ffff4b",
  "fffe7f",
  "fffe8f",
  "ffff4f",
  "ffff53",
  "ffff57",
  "ffffb3", // 128-135
  "ffff5b",
  "ffffb5",
  "ffffb7",
  "ffffb9",
  "ffffbb",
  "ffffbd",
  "ffffeb",
  "ffffbf", // 136-143
  "ffffec",
  "ffffed",
  "ffff5f",
  "ffffc1",
  "ffffee",
  "ffffc3",
  "ffffc5",
  "ffffc7", // 144-151
  "ffffc9",
  "fffee7",
  "ffff63",
  "ffffcb",
  "ffff67",
  "ffffcd",
  "ffffcf",
  "ffffef", // 152-159
  "ffff6b",
  "fffeef",
  "fffe9f",
  "ffff6f",
  "ffff73",
  "ffffd1",
  "ffffd3",
  "fffef7", // 160-167
  "ffffd5",
  "ffff77",
  "ffff7b",
  "fffff0",
  "fffeff",
  "ffff7f",
  "ffffd7",
  "ffffd9", // 168-175
  "ffff07",
  "ffff0f",
  "ffff83",
  "ffff17",
  "ffffdb",
  "ffff87",
  "ffffdd",
  "ffffdf", // 176-183
  "fffeaf",
  "ffff8b",
  "ffff8f",
  "ffff93",
  "ffffe1",
  "ffff97",
  "ffff9b",
  "ffffe3", // 184-191
  "fffff83f",
  "fffff87f",
  "fffebf",
  "fffe3f",
  "ffff9f",
  "ffffe5",
  "ffffa3",
  "fffff67f", // 192-199
  "fffff8bf",
  "fffff8ff",
  "fffff93f",
  "fffffbdf",
  "fffffbff",
  "fffff97f",
  "fffff1",
  "fffff6ff", // 200-207
  "fffe5f",
  "ffff1f",
  "fffff9bf",
  "fffffc1f",
  "fffffc3f",
  "fffff9ff",
  "fffffc5f",
  "fffff2", // 208-215
  "ffff27",
  "ffff2f",
  "fffffa3f",
  "fffffa7f",
  "ffffffdf",
  "fffffc7f",
  "fffffc9f",
  "fffffcbf", // 216-223
  "fffecf",
  "fffff3",
  "fffedf",
  "ffff37",
  "ffffa7",
  "ffff3f",
  "ffff47",
  "ffffe7", // 224-231
  "ffffab",
  "ffffaf",
  "fffff77f",
  "fffff7ff",
  "fffff4",
  "fffff5",
  "fffffabf",
  "ffffe9", // 232-239
  "fffffaff",
  "fffffcdf",
  "fffffb3f",
  "fffffb7f",
  "fffffcff",
  "fffffd1f",
  "fffffd3f",
  "fffffd5f", // 240-247
  "fffffd7f",
  "ffffffef",
  "fffffd9f",
  "fffffdbf",
  "fffffddf",
  "fffffdff",
  "fffffe1f",
  "fffffbbf", // 248-255
];

/** Go's Huffman encoding of the bytes 0, 1, ..., 255 in one string. */
const GO_ALL_BYTES_ASCENDING =
  "ffc7fffd8fffffe2fffffe3fffffe4fffffe5fffffe6fffffe7fffffe8ffffeafffffff3fffffa7fffffabffff" +
  "ffdfffffebfffffecfffffedfffffeefffffefffffff0ffffff1ffffff2fffffffbfffffcffffffd3fffffd7ff" +
  "fffdbfffffdffffffe3fffffe7fffffebfffffed4fe3f9ffaffcabf1febfafefe7fdfd2cbb00089969b71d79fb" +
  "9f7fff20ffbff3ff50ddbd7f061c58f265cd9f469d5af66dddbf871e5f9cff7ff7fffc3ff9ffe45fff4719242c" +
  "b34e6e9d68a6a3d7dac426defe3cfaf7fffbfe7ffbffdffffffcfffe6ffff4bfff9ffffa3fffd3ffff53fffd5f" +
  "fffb3fffeb7fffdaffffb7ffff73fffeeffffdeffffebffffbfffffd9ffffdbfffebffffe0ffffeeffffc3ffff" +
  "8bffff1ffffe4fffee7fffb1ffff97fffd9ffffcdffff9fffffbffffdafffeeffff4ffffb7fffee7fffe8ffffd" +
  "3fffdeffffd5fffeeffffbdffffe1fffdfffff7fffff5ffffecffff07fff87fffe0ffff17fffedffff87ffff77" +
  "fffeffffeaffff8bfffe3ffff93ffff87fffcbffff37ffff1fffff83ffffe1fffebfffe3ffff3fffff2ffffa3f" +
  "fffd9fffff17ffffc7fffff27ffffdefffffbffffff2fffff8fffffb7fff97fff8fffffe6fffffc1fffff87fff" +
  "fe7fffffc5ffffe5fffe4ffff2fffffd1fffff4ffffffefffffe3fffffc9fffff97fffb3ffffcffffb7fffcdff" +
  "ff4ffff9ffffd1ffffcffffeaffffafffffddffffeffffff4fffff5fffffabffffa7ffffd7fffff9bffffecfff" +
  "ffb7fffff3fffffe8fffffd3fffffabfffff5fffffff7ffffecfffffdbfffffbbfffff7ffffff0fffffbbf";

/** Go's Huffman encoding of the bytes 255, 254, ..., 0 in one string. */
const GO_ALL_BYTES_DESCENDING =
  "fffffbbfffff87ffffeffffffddfffffb7fffff67ffffff7ffffebfffffd5fffffa7fffff47ffffe7fffffb7ff" +
  "ffecfffffcdfffff5fffff4fffffabffffd7ffffd3ffffdfffffeeffffaffffeaffffe7fffe8ffff3ffffd3fff" +
  "e6fffedfffff3fffecfffffcbfffff93fffff1ffffffefffffd3fffff47fff97fffc9ffffe5fffff8bffffe7ff" +
  "fffc3fffff83ffffe6ffff1ffff2fffff6fffff8fffffcbfffff7fffffef7ffffc9fffff1fffffc5ffffecffff" +
  "a3ffff97fffcffffc7fffafffffe1fffff83ffff8ffffcdffff2fffff0ffff93fffe3ffff8bfffabffff7ffffe" +
  "effff87ffff6ffff8bfffe0ffff0ffff83ffff67fffebffff7ffffbfffffe1fffef7fffbbffffabfffbdffffa7" +
  "ffff47fffb9fffedffff4ffff77fffdaffffefffffcfffff9bfffd9ffffcbfffec7fff73ffff27fffe3ffffc5f" +
  "fff87ffffbbffff07fffafffffdbffffd9ffff7fffffaffffef7fffddffffb9ffff6ffffed7fffadffff67fffd" +
  "5ffff53fffd3fffe8fffe7ffff4bfff9bffffff3ffbffeffcfffdefd79f1ded4a2ced59eaa68ebd0d3cd296424" +
  "63fffb17ff9ffcfffe1ffbfde7f9cb8f0dfbb6ecd7ab4e8cf9b2e4c78b0e0bf7aec3ffaff3fee0fff9f771f79d" +
  "71b6991040c2eb7d7fbf9feffaff5f0affe7febf9fe14ffffffbffffffaffffff9ffffff8ffffff7ffffff6fff" +
  "fff5ffffff4ffffff3fffffffbfffffcbfffffc7fffffc3fffffbffffffbbfffffb7fffffb3fffffafffffffdf" +
  "ffffeafffffe9fffffff3ffffabfffffa3fffff9ffffff9bfffff97fffff93fffff8ffffff8bfffec7fe3f";

Deno.test("decodeHuffman decodes Go's encoding of every single byte value", () => {
  assert.equal(GO_EACH_BYTE.length, 256);
  for (const [byte, encoded] of GO_EACH_BYTE.entries()) {
    assert.deepEqual(decodeHuffman(hex(encoded)), new Uint8Array([byte]), `byte ${byte}`);
  }
});

Deno.test("decodeHuffman decodes all 256 byte values in one string, in both orders", () => {
  const ascending = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(decodeHuffman(hex(GO_ALL_BYTES_ASCENDING)), ascending);
  assert.deepEqual(decodeHuffman(hex(GO_ALL_BYTES_DESCENDING)), ascending.reverse());
});

Deno.test("decodeHuffman decodes the CSI provider socket path", () => {
  assert.deepEqual(
    decodeHuffman(hex("63b8ec62cb6a610525854a16424f6156220cb5761fb9a42d88607e10ba0e4ebf")),
    new TextEncoder().encode("/var/run/secrets-store-csi-providers/aws.sock"),
  );
});

Deno.test("decodeHuffman decodes the RFC 7541 C.4.1 example www.example.com", () => {
  assert.deepEqual(
    decodeHuffman(hex("f1e3c2e5f23a6ba0ab90f4ff")),
    new TextEncoder().encode("www.example.com"),
  );
});

Deno.test("decodeHuffman decodes an empty string", () => {
  assert.deepEqual(decodeHuffman(new Uint8Array(0)), new Uint8Array(0));
});

Deno.test("decodeHuffman rejects padding of 8 or more bits", () => {
  // "a" is 00011; 00011111 is "a" plus 3 bits of padding, one more byte of ones is too much.
  assert.deepEqual(decodeHuffman(hex("1f")), new TextEncoder().encode("a"));
  assert.equal(decodeHuffman(hex("1fff")), undefined);
  assert.equal(decodeHuffman(hex("ff")), undefined);
});

Deno.test("decodeHuffman rejects padding that is not all ones", () => {
  // "0" is 00000; the three padding bits 000 are not a prefix of EOS.
  assert.equal(decodeHuffman(hex("00")), undefined);
  assert.equal(decodeHuffman(hex("1e")), undefined); // 00011 110
});

Deno.test("decodeHuffman rejects an encoded end-of-string symbol", () => {
  // EOS is 30 one-bits; here followed by 2 more one-bits of padding.
  assert.equal(decodeHuffman(hex("ffffffff")), undefined);
  assert.equal(decodeHuffman(hex("1fffffffff")), undefined); // "a" then EOS
});
