import assert from "node:assert/strict";
import {
  JmesNestingError,
  type JmesNode,
  JmesSyntaxError,
  MAX_NESTING,
  parseJmes,
} from "./parse.ts";

const field = (name: string): JmesNode => ({ type: "field", name });
const identity: JmesNode = { type: "identity" };

function refused(expression: string): void {
  assert.throws(() => parseJmes(expression), JmesSyntaxError, JSON.stringify(expression));
}

Deno.test("paths, indexes and slices parse into go-jmespath's tree", () => {
  assert.deepEqual(parseJmes("a.b"), {
    type: "subexpression",
    left: field("a"),
    right: field("b"),
  });
  assert.deepEqual(parseJmes("a[-1]"), {
    type: "indexExpression",
    left: field("a"),
    right: { type: "index", index: -1 },
  });
  assert.deepEqual(parseJmes("a[1:]"), {
    type: "projection",
    left: {
      type: "indexExpression",
      left: field("a"),
      right: { type: "slice", start: 1, stop: null, step: null },
    },
    right: identity,
  });
  assert.deepEqual(parseJmes('"my-key"'), field("my-key"));
});

Deno.test("projections, flatten, filters and value projections keep Go's shapes", () => {
  assert.deepEqual(parseJmes("a[*].b"), {
    type: "projection",
    left: field("a"),
    right: field("b"),
  });
  assert.deepEqual(parseJmes("a[]"), {
    type: "projection",
    left: { type: "flatten", child: field("a") },
    right: identity,
  });
  assert.deepEqual(parseJmes("a.*"), {
    type: "valueProjection",
    left: field("a"),
    right: identity,
  });
  assert.deepEqual(parseJmes("a[?b]"), {
    type: "filterProjection",
    left: field("a"),
    right: identity,
    condition: field("b"),
  });
});

Deno.test("&expr takes everything after it, pipes included (binding power 0)", () => {
  assert.deepEqual(parseJmes("&a | b"), {
    type: "expref",
    child: { type: "pipe", left: field("a"), right: field("b") },
  });
});

Deno.test("Go's parser quirks: calls without commas, any string-valued callee", () => {
  assert.deepEqual(parseJmes("f(a b)"), {
    type: "function",
    name: "f",
    args: [field("a"), field("b")],
  });
  assert.deepEqual(parseJmes("f(a,)"), { type: "function", name: "f", args: [field("a")] });
  assert.deepEqual(parseJmes("'length'(@)"), {
    type: "function",
    name: "length",
    args: [{ type: "current" }],
  });
  assert.deepEqual(parseJmes("length(@)(a)"), {
    type: "function",
    name: "length",
    args: [field("a")],
  });
  // Go panics when it evaluates these: the callee has no string value.
  assert.equal((parseJmes("@()") as { name?: string }).name, undefined);
  assert.equal((parseJmes("`1`(a)") as { name?: string }).name, undefined);
  refused('"length"(@)');
});

Deno.test("Go's parser quirks: a bad index inside [ leaves an empty node that fails only if evaluated", () => {
  assert.deepEqual(parseJmes("[[0 || a]"), {
    type: "multiSelectList",
    children: [{ type: "or", left: { type: "empty" }, right: field("a") }],
  });
  refused("[-]");
  refused("a[-]");
});

Deno.test("Go's parser quirks: slices with three colons, numbers replacing numbers, hashes without commas", () => {
  assert.deepEqual(parseJmes("[:::]"), {
    type: "projection",
    left: {
      type: "indexExpression",
      left: identity,
      right: { type: "slice", start: null, stop: null, step: null },
    },
    right: identity,
  });
  const slice = parseJmes("[:1 2]") as { left: { right: JmesNode } };
  assert.deepEqual(slice.left.right, { type: "slice", start: null, stop: 2, step: null });
  assert.deepEqual(parseJmes("{a: b c: d}"), {
    type: "multiSelectHash",
    pairs: [
      { type: "keyValPair", key: "a", child: field("b") },
      { type: "keyValPair", key: "c", child: field("d") },
    ],
  });
  refused("[1:2:3:4]");
  refused("{a: b, }");
});

Deno.test("literals: JSON in backticks (strict), raw strings with only \\' as an escape", () => {
  assert.deepEqual(parseJmes('`{"a": [1]}`'), { type: "literal", value: new Map([["a", [1]]]) });
  assert.deepEqual(parseJmes(' ` "x" ` '), { type: "literal", value: "x" });
  assert.deepEqual(parseJmes('`"a\\`b"`'), { type: "literal", value: "a`b" });
  assert.deepEqual(parseJmes("'a\\'b'"), { type: "literal", value: "a'b" });
  assert.deepEqual(parseJmes("'a\\\\b'"), { type: "literal", value: "a\\\\b" });
  assert.deepEqual(parseJmes("''"), { type: "literal", value: "" });
  refused("`foo`"); // npm:jmespath's legacy literal; Go refuses it
  refused("``");
  refused("'abc");
  refused("'a\\'");
});

Deno.test("quoted identifiers are JSON strings, decoded as Go does", () => {
  assert.deepEqual(parseJmes('"\\u0061"'), field("a"));
  assert.deepEqual(parseJmes('"\\ud800"'), field("\ufffd"));
  refused('"a\tb"');
  refused('"abc');
});

Deno.test("the lexer takes Go's characters: \\r is space, = alone and U+0080 after a name are errors", () => {
  assert.deepEqual(parseJmes("a\r"), field("a"));
  assert.deepEqual(parseJmes("a\n.\tb"), {
    type: "subexpression",
    left: field("a"),
    right: field("b"),
  });
  refused("a = b");
  refused("a\u0080");
  refused("a#b");
  refused("é");
  refused("[1-2]"); // Go reads 1 then -2; npm:jmespath reads [1]
});

Deno.test("indexes are Go ints: 64 bits", () => {
  assert.deepEqual((parseJmes("a[9223372036854775807]") as { right: JmesNode }).right, {
    type: "index",
    index: 9223372036854775807,
  });
  refused("a[9223372036854775808]");
  refused("a[1.5]");
});

Deno.test("npm:jmespath's refusals that Go accepts parse here", () => {
  assert.equal(parseJmes("length(@.a)").type, "function");
  assert.equal(parseJmes("to_string(@ | a)").type, "function");
  refused("(a b)");
  refused("[a b]");
});

Deno.test("nesting is bounded before the stack is: the longest default expression parses", () => {
  assert.equal(parseJmes(`${"!".repeat(1_023)}a`).type, "not");
  assert.equal(parseJmes(`${"(".repeat(511)}a${")".repeat(511)}`).type, "field");
  assert.equal(parseJmes(`${"!".repeat(MAX_NESTING - 1)}a`).type, "not");
  assert.throws(() => parseJmes(`${"!".repeat(MAX_NESTING)}a`), JmesNestingError);
  // A chain nests on the left without nesting the parser: the tree is measured too.
  assert.equal(parseJmes(Array(MAX_NESTING).fill("a").join(".")).type, "subexpression");
  assert.throws(() => parseJmes(Array(MAX_NESTING + 1).fill("a").join(".")), JmesNestingError);
});
