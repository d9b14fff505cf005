import assert from "node:assert/strict";
import { checkLimit, type Limit, LimitError, utf8Length } from "./limit.ts";

const LIMIT: Limit = { max: 10, unit: "bytes", flag: "max-test-bytes" };

Deno.test("an amount at the limit passes, one over fails naming the limit and its flag", () => {
  checkLimit(LIMIT, 10, "the thing");
  assert.throws(() => checkLimit(LIMIT, 11, "the thing"), {
    name: "LimitError",
    message: "the thing is 11 bytes; the limit is 10 bytes (provider flag --max-test-bytes)",
  });
});

Deno.test("a LimitError keeps its limit for callers that map it", () => {
  const error = new LimitError(LIMIT, "the YAML has too many nodes");
  assert.equal(error.limit, LIMIT);
  assert.equal(
    error.message,
    "the YAML has too many nodes; the limit is 10 bytes (provider flag --max-test-bytes)",
  );
});

Deno.test("utf8Length agrees with TextEncoder, lone surrogates included", () => {
  const encoder = new TextEncoder();
  for (
    const text of [
      "",
      "abc",
      "é",
      "€",
      "🙂",
      "a\ud800b",
      "\udc00",
      "\ud83d",
      "x".repeat(1000) + "🙂é",
    ]
  ) {
    assert.equal(utf8Length(text), encoder.encode(text).length, JSON.stringify(text));
  }
});
