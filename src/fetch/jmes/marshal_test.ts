import assert from "node:assert/strict";
import { LimitError, mountLimits } from "../../limits/mod.ts";
import { JmesBudget } from "./cost.ts";
import { decodeGoJsonText } from "./json.ts";
import { marshalGoJson, quote, quotedSize } from "./marshal.ts";
import { JmesEvalError, JmesExpRef, type JmesValue } from "./value.ts";

// Expected texts are Go's json.Marshal output (checked with the oracle through to_string).

function budget(work = 1_000_000, valueBytes = 1024 * 1024): JmesBudget {
  return JmesBudget.fromLimits(mountLimits({ jmesPathWork: work, valueBytes }), "test");
}

const marshal = (value: JmesValue, b = budget()) => marshalGoJson(value, b);

Deno.test("objects are written with keys sorted by bytes, no spaces", () => {
  const value = decodeGoJsonText(
    '{"é": 1, "e": 2, "\\ue000": 3, "😀": 4, "Z": 5, "a": [true, null, {}]}',
  );
  assert.equal(marshal(value), '{"Z":5,"a":[true,null,{}],"e":2,"é":1,"\ue000":3,"😀":4}');
});

Deno.test("strings are escaped as Go escapes them, HTML characters included", () => {
  assert.equal(
    marshal(['\u0000\u0001\b\f\n\r\t\u001f\u007f"\\/<>&\u2028\u2029é😀\ufeff']),
    '["\\u0000\\u0001\\b\\f\\n\\r\\t\\u001f\u007f\\"\\\\/\\u003c\\u003e\\u0026\\u2028\\u2029é😀\ufeff"]',
  );
});

Deno.test("quotedSize is the UTF-8 size of quote's output", () => {
  const encoder = new TextEncoder();
  for (const text of ["", "plain", "<&>", "\u0000\n", "é😀", "\u2028", '"\\', "\ud800x"]) {
    assert.equal(quotedSize(text), encoder.encode(quote(text)).length, JSON.stringify(text));
  }
});

Deno.test("numbers in Go's format: -0 kept, exponents from 1e21 and below 1e-6", () => {
  assert.equal(marshal([-0, 0, 1e21, 1e-7, 1e-6, 100, 1.5]), "[-0,0,1e+21,1e-7,0.000001,100,1.5]");
});

Deno.test("NaN and infinities are Go's UnsupportedValueError; an expref is {}", () => {
  assert.throws(() => marshal([1, NaN]), JmesEvalError);
  assert.throws(() => marshal(new Map([["a", Infinity]])), JmesEvalError);
  assert.equal(marshal([new JmesExpRef({ type: "current" })]), "[{}]");
});

Deno.test("a 10,000-level value is sized and written without recursion", () => {
  let value: JmesValue = [];
  for (let i = 0; i < 9_999; i++) value = [value];
  assert.equal(marshal(value), `${"[".repeat(10_000)}${"]".repeat(10_000)}`);
});

Deno.test("a doubled value is sized once per distinct array and refused before it is built", () => {
  let value: JmesValue = "56 bytes of secret..";
  for (let i = 0; i < 60; i++) value = [value, value];
  const b = budget(100_000);
  assert.throws(() => marshal(value, b), {
    name: "LimitError",
    message: /^test would make a string of at least \d+ bytes; the limit is 1048576 bytes/,
  });
  assert.ok(b.used < 1_000, `sizing used ${b.used} steps`);
});

Deno.test("a text exactly at the value limit is written; one byte more is refused", () => {
  const value = ["x".repeat(96)]; // ["…"] is 100 bytes
  assert.equal(marshal(value, budget(1_000_000, 100)).length, 100);
  assert.throws(() => marshal(["x".repeat(97)], budget(1_000_000, 100)), {
    name: "LimitError",
    message:
      "test would make a string of at least 101 bytes; the limit is 100 bytes (provider flag --max-value-bytes)",
  });
});

Deno.test("writing is charged per node of the tree, shared subtrees each time", () => {
  let value: JmesValue = 1;
  for (let i = 0; i < 12; i++) value = [value, value]; // 8191 nodes, 13 distinct
  assert.throws(() => marshal(value, budget(8_000)), LimitError);
  assert.equal(marshal(value, budget(100_000)), JSON.stringify(value));
});
