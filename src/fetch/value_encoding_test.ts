import assert from "node:assert/strict";
import * as fc from "fast-check";
import { decodeBase64, decodeHex, decodeValue, ValueEncodingError } from "./value_encoding.ts";

const encoder = new TextEncoder();
const text = (value: Uint8Array | string) =>
  typeof value === "string" ? value : new TextDecoder().decode(value);

function base64Of(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function hexOf(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

Deno.test("base64: padded, unpadded and wrapped at 76 columns decode to the same bytes", () => {
  assert.equal(text(decodeBase64(encoder.encode("aGVsbG8="))), "hello");
  assert.equal(text(decodeBase64(encoder.encode("aGVsbG8"))), "hello");
  assert.equal(text(decodeBase64(encoder.encode("aGVs\r\nbG8=\n"))), "hello");
  assert.equal(text(decodeBase64(encoder.encode("aGk="))), "hi");
  assert.equal(text(decodeBase64(encoder.encode("aA=="))), "h");
  assert.equal(text(decodeBase64(encoder.encode("aA"))), "h");
  assert.deepEqual(decodeBase64(encoder.encode("")), new Uint8Array());
  assert.deepEqual(decodeBase64(encoder.encode("+/+/")), new Uint8Array([0xfb, 0xff, 0xbf]));
});

Deno.test("base64: what is refused, and said without the value", () => {
  const cases: [string, string][] = [
    ["aGV sbG8=", "a character outside the standard base64 alphabet"],
    ["aGVsbG8-", "a character outside the standard base64 alphabet"], // base64url
    ["aGVsbG8_", "a character outside the standard base64 alphabet"],
    ["aGVs\tbG8=", "a character outside the standard base64 alphabet"],
    ["aGk=aGk=", "padding before the end"],
    ["aGVsb", "a length that is not a whole number of bytes"],
    ["aGk==", "wrong padding"],
    ["aA=", "wrong padding"],
    ["aA===", "wrong padding"],
    ["aGVsbG8=é", "a character outside the standard base64 alphabet"],
  ];
  for (const [input, problem] of cases) assert.equal(decodeBase64(encoder.encode(input)), problem);
});

Deno.test("hex: either case, line breaks ignored; odd counts and other characters refused", () => {
  assert.deepEqual(
    decodeHex(encoder.encode("00ff10Ab\n7f\r\n")),
    new Uint8Array([0, 255, 16, 171, 127]),
  );
  assert.deepEqual(decodeHex(encoder.encode("")), new Uint8Array());
  assert.equal(decodeHex(encoder.encode("abc")), "an odd number of hex digits");
  assert.equal(decodeHex(encoder.encode("0x1f")), "a character that is not a hex digit");
  assert.equal(decodeHex(encoder.encode("1f 2e")), "a character that is not a hex digit");
});

Deno.test("any bytes survive a round trip through base64 (wrapped or not) and hex", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, wrap) => {
      const encoded = base64Of(bytes);
      const width = 4 + (wrap % 80);
      const wrapped = encoded.match(new RegExp(`.{1,${width}}`, "g"))?.join("\n") ?? "";
      assert.deepEqual(decodeBase64(encoder.encode(encoded)), bytes);
      assert.deepEqual(decodeBase64(encoder.encode(wrapped)), bytes);
      assert.deepEqual(decodeBase64(encoder.encode(encoded.replace(/=+$/, ""))), bytes);
      assert.deepEqual(decodeHex(encoder.encode(hexOf(bytes).toUpperCase())), bytes);
    }),
  );
});

Deno.test("decodeValue: utf-8 is the bytes as fetched; an error names owner and encoding, never the value", () => {
  const raw = encoder.encode("S3cret~Value!");
  assert.equal(decodeValue(raw, "utf-8", "object a"), raw);
  assert.throws(
    () => decodeValue(raw, "base64", "object app/keystore"),
    new ValueEncodingError(
      "the value of object app/keystore is not valid base64 (objectEncoding base64): a character outside the standard base64 alphabet",
    ),
  );
  assert.throws(
    () => decodeValue(raw, "hex", "jmesPath entry pw of object a"),
    (error: Error) => !error.message.includes("S3cret") && /objectEncoding hex/.test(error.message),
  );
});
