import assert from "node:assert/strict";
import { decodeGoJson, decodeGoJsonText, GO_JSON_MAX_DEPTH, GoJsonError } from "./json.ts";

// What Go's json.Unmarshal into interface{} gives for the same bytes (the
// differential property checks these classes of input against Go itself).

function bytes(...parts: (string | number[])[]): Uint8Array {
  const encoder = new TextEncoder();
  return new Uint8Array(
    parts.flatMap((part) => typeof part === "string" ? [...encoder.encode(part)] : part),
  );
}

Deno.test("objects become Maps, arrays arrays, numbers float64, in document order", () => {
  const value = decodeGoJsonText('{"b": [1, 2.5, -0, true, null], "a": {"x": "y"}}');
  assert.ok(value instanceof Map);
  assert.deepEqual([...value.keys()], ["b", "a"]);
  assert.deepEqual(value.get("b"), [1, 2.5, -0, true, null]);
  assert.ok(Object.is((value.get("b") as number[])[2], -0));
  assert.deepEqual(value.get("a"), new Map([["x", "y"]]));
});

Deno.test("a later duplicate key wins, in the first one's place", () => {
  const value = decodeGoJsonText('{"a": "x", "b": 1, "a": "y"}') as Map<string, unknown>;
  assert.deepEqual([...value.entries()], [["a", "y"], ["b", 1]]);
});

Deno.test("escapes decode, and a lone surrogate escape becomes U+FFFD as in Go", () => {
  assert.equal(decodeGoJsonText('"\\u0041\\/\\b\\f\\n\\r\\t\\"\\\\"'), 'A/\b\f\n\r\t"\\');
  assert.equal(decodeGoJsonText('"\\ud83d\\ude00"'), "😀");
  assert.equal(decodeGoJsonText('"\\ud800"'), "\ufffd");
  assert.equal(decodeGoJsonText('"\\udc00\\ud800"'), "\ufffd\ufffd");
  assert.equal(decodeGoJsonText('"\\ud800\\u0041"'), "\ufffdA");
});

Deno.test("invalid UTF-8 becomes one U+FFFD per bad byte, as Go's decoder does", () => {
  const quoted = (...inner: number[]) => decodeGoJson(bytes([0x22, ...inner, 0x22]));
  assert.equal(quoted(0xff), "\ufffd");
  assert.equal(quoted(0xe2, 0x82, 0x41), "\ufffd\ufffdA"); // a truncated sequence: two, not one
  assert.equal(quoted(0xed, 0xa0, 0x80), "\ufffd\ufffd\ufffd"); // an encoded surrogate
  assert.equal(quoted(0xc0, 0x80), "\ufffd\ufffd"); // overlong
  assert.equal(quoted(0xf4, 0x90, 0x80, 0x80), "\ufffd\ufffd\ufffd\ufffd"); // past U+10FFFF
  assert.equal(quoted(0xf0, 0x9f, 0x98), "\ufffd\ufffd\ufffd");
  assert.equal(quoted(0xef, 0xbb, 0xbf, 0x61), "\ufeffa"); // a BOM inside a string is text
});

Deno.test("syntax Go refuses is a GoJsonError", () => {
  const refused = [
    "",
    " ",
    "\ufeff{}",
    '{"a": "x",}',
    "[1,]",
    '{"a": 01}',
    '{"a": .5}',
    '{"a": 1.}',
    '{"a": +1}',
    '{"a": 1e}',
    '{"a": "\\x"}',
    '{"a": "\\u12"}',
    '{"a": "tab\there"}',
    "{'a': 1}",
    "[1] [2]",
    "NaN",
    "tru",
    "nulls",
  ];
  for (const text of refused) {
    assert.throws(() => decodeGoJsonText(text), GoJsonError, JSON.stringify(text));
  }
});

Deno.test("numbers out of float64 range are refused; tiny ones become zero", () => {
  assert.throws(() => decodeGoJsonText('{"a": 1e400}'), GoJsonError);
  assert.throws(() => decodeGoJsonText("-1e309"), GoJsonError);
  assert.ok(Object.is(decodeGoJsonText("-1e-400"), -0));
  assert.equal(decodeGoJsonText("1.7976931348623157e308"), Number.MAX_VALUE);
});

Deno.test("whitespace around values is allowed: space, tab, newline, carriage return", () => {
  assert.deepEqual(decodeGoJsonText(' \t\r\n{ "a" : [ 1 , 2 ] } \n'), new Map([["a", [1, 2]]]));
});

Deno.test("nesting up to 10,000 levels is read without recursion; one more is refused", () => {
  assert.equal(GO_JSON_MAX_DEPTH, 10_000);
  let value = decodeGoJsonText(`${"[".repeat(10_000)}${"]".repeat(10_000)}`);
  let depth = 0;
  while (Array.isArray(value) && value.length > 0) {
    value = value[0];
    depth++;
  }
  assert.equal(depth, 9_999); // the innermost of the 10,000 arrays is empty
  assert.throws(() => decodeGoJsonText(`${"[".repeat(10_001)}${"]".repeat(10_001)}`), GoJsonError);
  assert.throws(
    () => decodeGoJsonText(`${'{"a":'.repeat(10_001)}1${"}".repeat(10_001)}`),
    GoJsonError,
  );
});

Deno.test("the error says where, never what", () => {
  try {
    decodeGoJsonText('{"password": "hunter2", oops}');
    assert.fail("no error");
  } catch (error) {
    assert.ok(error instanceof GoJsonError);
    assert.equal(error.offset, 24);
    assert.ok(!error.message.includes("hunter2"));
  }
});
