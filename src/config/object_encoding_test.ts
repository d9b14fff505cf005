import assert from "node:assert/strict";
import { objectEncodingProblem, parseObjectEncoding } from "./object_encoding.ts";

Deno.test("objectEncoding: utf-8, base64 and hex in any case; empty or absent is utf-8", () => {
  assert.equal(parseObjectEncoding(undefined), "utf-8");
  assert.equal(parseObjectEncoding(""), "utf-8");
  assert.equal(parseObjectEncoding("UTF-8"), "utf-8");
  assert.equal(parseObjectEncoding("Base64"), "base64");
  assert.equal(parseObjectEncoding("HEX"), "hex");
});

Deno.test("objectEncoding: near misses are refused", () => {
  for (const value of ["utf8", "base-64", "base64url", " hex", "binary", "__proto__"]) {
    assert.equal(parseObjectEncoding(value), undefined, value);
  }
});

Deno.test("the error names the owner and cuts a long value short", () => {
  assert.equal(
    objectEncodingProblem("utf8", "object app/keystore"),
    'Invalid objectEncoding "utf8" of object app/keystore: must be utf-8, base64 or hex',
  );
  assert.equal(
    objectEncodingProblem("x".repeat(40), "object a"),
    `Invalid objectEncoding "${"x".repeat(32)}"… of object a: must be utf-8, base64 or hex`,
  );
});
