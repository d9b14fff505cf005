import assert from "node:assert/strict";
import { LimitError, mountLimits } from "../../limits/mod.ts";
import { JmesBudget } from "./cost.ts";
import { evaluateJmes } from "./eval.ts";
import { decodeGoJsonText } from "./json.ts";
import { parseJmes } from "./parse.ts";
import { JmesEvalError, JmesExpRef, type JmesValue } from "./value.ts";

function budget(max = 1_000_000): JmesBudget {
  return JmesBudget.fromLimits(mountLimits({ jmesPathWork: max }), "test");
}

/** Evaluates `expression` on the JSON `document`; the result as plain JSON-like data. */
function run(expression: string, document: string, b = budget()): unknown {
  return plain(evaluateJmes(parseJmes(expression), decodeGoJsonText(document), b));
}

function plain(value: JmesValue): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, plain(v)]));
  return value;
}

function fails(expression: string, document: string): void {
  assert.throws(() => run(expression, document), JmesEvalError, expression);
}

Deno.test("fields, indexes and subexpressions", () => {
  const doc = '{"a": {"b": [10, 20, 30]}, "my-key": "h"}';
  assert.equal(run("a.b[0]", doc), 10);
  assert.equal(run("a.b[-1]", doc), 30);
  assert.equal(run("a.b[3]", doc), null);
  assert.equal(run("a.b.c", doc), null);
  assert.equal(run('"my-key"', doc), "h");
  assert.equal(run("a[0]", doc), null);
});

Deno.test("slices follow go-jmespath's bounds; a zero step fails on an array only", () => {
  const doc = "[0, 1, 2, 3, 4]";
  assert.deepEqual(run("[1:3]", doc), [1, 2]);
  assert.deepEqual(run("[::-2]", doc), [4, 2, 0]);
  assert.deepEqual(run("[-2:]", doc), [3, 4]);
  assert.deepEqual(run("[10:]", doc), []);
  assert.deepEqual(run("[:-10:-1]", doc), [4, 3, 2, 1, 0]);
  fails("[::0]", doc);
  assert.equal(run("a[::0]", '{"a": "text"}'), null);
});

Deno.test("projections drop nulls; flatten goes one level down", () => {
  const doc = '{"a": [{"b": 1}, {"c": 2}, {"b": [3, [4]]}]}';
  assert.deepEqual(run("a[*].b", doc), [1, [3, [4]]]);
  assert.deepEqual(run("a[*].b[]", doc), [1, 3, [4]]);
  assert.deepEqual(run("a[?b].b", doc), [1, [3, [4]]]);
  assert.deepEqual(run("a[?b == `1`]", doc), [{ b: 1 }]);
  assert.equal(run("b[*]", doc), null);
});

Deno.test("a value projection yields a null per key before the values (Go builds it that way)", () => {
  assert.deepEqual(run("*", '{"a": 1, "b": 2}'), [1, 2]);
  assert.deepEqual(run("*.type(@)", '{"a": 1, "b": "x"}'), ["null", "null", "number", "string"]);
  assert.deepEqual(run("*.not_null(`1`)", '{"a": 1}'), [1, 1]);
  assert.equal(run("*", "[1]"), null);
});

Deno.test("errors on the left of [], [?…] and .* give null; elsewhere they fail", () => {
  assert.equal(run("abs('x')[]", "{}"), null);
  assert.equal(run("abs('x')[?@]", "{}"), null);
  assert.equal(run("abs('x').*", "{}"), null);
  fails("abs('x')[*]", "{}");
  fails("abs('x').a", "{}");
  fails("[abs('x')]", "{}");
});

Deno.test("== compares deeply; ordering compares numbers only, else null", () => {
  assert.equal(run("a == b", '{"a": [1, {"x": 2}], "b": [1, {"x": 2}]}'), true);
  assert.equal(run("a != b", '{"a": 1, "b": "1"}'), true);
  assert.equal(run("a < b", '{"a": 1, "b": 2}'), true);
  assert.equal(run("a >= b", '{"a": 1, "b": 2}'), false);
  assert.equal(run("a < b", '{"a": "a", "b": "b"}'), null);
  assert.equal(run("avg(`[]`) == avg(`[]`)", "{}"), false);
});

Deno.test("or, and, not use JMESPath truthiness", () => {
  assert.equal(run("a || b", '{"a": [], "b": "x"}'), "x");
  assert.deepEqual(run("a && b", '{"a": [], "b": "x"}'), []);
  assert.equal(run("a && b", '{"a": 0, "b": "x"}'), "x");
  assert.equal(run("!a", '{"a": ""}'), true);
});

Deno.test("multi-selects of null are null; hashes keep the last of a repeated key", () => {
  assert.equal(run("[a, b]", "null"), null);
  assert.equal(run("{x: a}", "null"), null);
  assert.deepEqual(run("[a, b]", '{"a": 1}'), [1, null]);
  assert.deepEqual(run("{x: a, x: b}", '{"a": 1, "b": 2}'), { x: 2 });
});

Deno.test("&expr is a value; an empty node and a callee without a name fail when evaluated", () => {
  assert.ok(evaluateJmes(parseJmes("&a"), null, budget()) instanceof JmesExpRef);
  fails("[[0 || a]", "{}");
  assert.equal(run("[[0 || a]", "null"), null); // never evaluated
  fails("@()", "{}");
});

Deno.test("every node visited and element iterated is a step", () => {
  const b = budget();
  run("a.b", '{"a": {"b": 1}}', b);
  assert.equal(b.used, 3); // subexpression, field, field
  const projection = budget();
  run("[*].a", '[{"a": 1}, {"a": 2}]', projection);
  assert.equal(projection.used, 6); // projection, identity, 2 elements, 2 fields
});

Deno.test("a budget of exactly the steps passes; one step less fails with a LimitError", () => {
  const doc = '[{"a": 1}, {"a": 2}]';
  assert.deepEqual(run("[*].a", doc, budget(6)), [1, 2]);
  assert.throws(() => run("[*].a", doc, budget(5)), LimitError);
});

Deno.test("doubling then flattening stops at the budget before the next array is made", () => {
  const expression = `${Array(40).fill("[@,@]").join(" | ")} | ${Array(40).fill("[]").join(" | ")}`;
  const b = budget(100_000);
  assert.throws(() => run(expression, "1", b), LimitError);
  // The last charge was the size of the flattened array it refused to build.
  assert.ok(b.used > 100_000);
});

Deno.test("the deepest expression of the default length evaluates without overflowing the stack", () => {
  assert.equal(run(`${"!".repeat(1_022)}a`, '{"a": 1}'), true);
  assert.equal(run(`${"[".repeat(511)}a${"]".repeat(511)}`, "null"), null);
});
