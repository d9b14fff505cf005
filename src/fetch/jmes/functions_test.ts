import assert from "node:assert/strict";
import { LimitError, mountLimits } from "../../limits/mod.ts";
import { JmesBudget } from "./cost.ts";
import { evaluateJmes } from "./eval.ts";
import { JMES_FUNCTION_NAMES } from "./functions.ts";
import { decodeGoJsonText } from "./json.ts";
import { parseJmes } from "./parse.ts";
import { JmesEvalError, type JmesValue } from "./value.ts";

// Expected results are go-jmespath v0.4.0's (each checked with the oracle).

function budget(max = 1_000_000): JmesBudget {
  return JmesBudget.fromLimits(mountLimits({ jmesPathWork: max }), "test");
}

function plain(value: JmesValue): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, plain(v)]));
  return value;
}

const DOC = JSON.stringify({
  n: [3, 1, 2, 10],
  s: ["b", "a", "\ue000", "😀"],
  o: { b: 1, a: [2] },
  p: [{ k: 2, v: "x" }, { k: 1, v: "y" }, { k: 2, v: "z" }],
  text: "héllo😀",
  neg: -2.5,
});

function call(expression: string, document = DOC): unknown {
  return plain(evaluateJmes(parseJmes(expression), decodeGoJsonText(document), budget()));
}

function fails(expression: string, document = DOC): void {
  assert.throws(() => call(expression, document), JmesEvalError, expression);
}

Deno.test("the 26 functions of the specification, and no others", () => {
  assert.equal(JMES_FUNCTION_NAMES.length, 26);
  fails("unknown(@)");
  fails("Length(text)");
});

Deno.test("abs, ceil, floor", () => {
  assert.equal(call("abs(neg)"), 2.5);
  assert.equal(call("ceil(neg)"), -2);
  assert.equal(call("floor(neg)"), -3);
  assert.ok(Object.is(call("ceil(`-0.5`)"), -0));
  fails("abs(text)");
  fails("abs(`1`, `2`)");
});

Deno.test("avg and sum over numbers; avg of nothing is NaN, as in Go", () => {
  assert.equal(call("avg(n)"), 4);
  assert.equal(call("sum(n)"), 16);
  assert.equal(call("sum(`[]`)"), 0);
  assert.ok(Number.isNaN(call("avg(`[]`)")));
  fails("avg(s)");
  fails("sum(o)");
});

Deno.test("contains: substring of a string, element of an array by value", () => {
  assert.equal(call("contains(text, 'llo')"), true);
  assert.equal(call("contains(text, '')"), true);
  assert.equal(call("contains(text, `1`)"), false);
  assert.equal(call("contains(n, `10`)"), true);
  assert.equal(call("contains(n, '10')"), false);
  // Go panics comparing arrays or objects here; by value is the specification's answer.
  assert.equal(call('contains(`[[1], {"a": 2}]`, `{"a": 2}`)'), true);
  fails("contains(o, 'a')");
});

Deno.test("starts_with, ends_with", () => {
  assert.equal(call("starts_with(text, 'hé')"), true);
  assert.equal(call("ends_with(text, '😀')"), true);
  assert.equal(call("ends_with(text, 'x')"), false);
  fails("starts_with(n, 'x')");
});

Deno.test("join of strings only", () => {
  assert.equal(call("join(', ', s)"), "b, a, \ue000, 😀");
  assert.equal(call("join('', `[]`)"), "");
  fails("join(', ', n)");
  fails("join(`1`, s)");
});

Deno.test("keys and values of objects (in the object's order; Go's is random)", () => {
  assert.deepEqual(call("keys(o)"), ["b", "a"]);
  assert.deepEqual(call("values(o)"), [1, [2]]);
  fails("keys(n)");
});

Deno.test("length of strings in code points, of arrays and objects", () => {
  assert.equal(call("length(text)"), 6);
  assert.equal(call("length(n)"), 4);
  assert.equal(call("length(o)"), 2);
  fails("length(neg)");
  fails("length(`null`)");
});

Deno.test("map keeps nulls; its expression sees each element", () => {
  assert.deepEqual(call("map(&k, p)"), [2, 1, 2]);
  assert.deepEqual(call("map(&missing, p)"), [null, null, null]);
  fails("map(p, &k)");
});

Deno.test("max and min of numbers or of strings (by bytes); null for an empty array", () => {
  assert.equal(call("max(n)"), 10);
  assert.equal(call("min(n)"), 1);
  assert.equal(call("max(s)"), "😀");
  assert.equal(call("min(s)"), "a");
  assert.equal(call("max(`[]`)"), null);
  fails('max(`[1, "a"]`)');
});

Deno.test("max_by and min_by: the first key's type rules; one element is returned unevaluated", () => {
  assert.deepEqual(call("max_by(p, &k)"), { k: 2, v: "x" });
  assert.deepEqual(call("min_by(p, &v)"), { k: 2, v: "x" });
  assert.equal(call("max_by(`[]`, &k)"), null);
  assert.equal(call("max_by(`[1]`, &length(@))"), 1);
  fails("max_by(p, &to_array(k))");
  fails('max_by(`[{"k": 1}, {"k": "a"}]`, &k)');
});

Deno.test("merge: later objects win; not type-checked in Go (a non-object panics there, fails here)", () => {
  assert.deepEqual(call('merge(o, `{"a": 3, "c": 4}`)'), { b: 1, a: 3, c: 4 });
  assert.deepEqual(call("merge(o)"), { b: 1, a: [2] });
  fails("merge()");
  fails("merge(o, n)");
});

Deno.test("not_null: the first non-null argument, or null", () => {
  assert.equal(call("not_null(missing, `null`, text)"), "héllo😀");
  assert.equal(call("not_null(missing)"), null);
  fails("not_null()");
});

Deno.test("reverse of arrays and of strings by code point", () => {
  assert.deepEqual(call("reverse(n)"), [10, 2, 1, 3]);
  assert.equal(call("reverse(text)"), "😀olléh");
  assert.equal(call("reverse('\ufeffa')"), "a\ufeff");
  fails("reverse(o)");
});

Deno.test("sort: numbers by value (npm:jmespath sorts them as text), strings by bytes", () => {
  assert.deepEqual(call("sort(n)"), [1, 2, 3, 10]);
  assert.deepEqual(call("sort(s)"), ["a", "b", "\ue000", "😀"]);
  fails("sort(p)");
});

Deno.test("sort_by is stable and sorts the array itself, as Go does", () => {
  assert.deepEqual(call("sort_by(p, &k)[*].v"), ["y", "x", "z"]);
  // The document's array is sorted in place: later parts of the expression see it.
  assert.deepEqual(call("[sort_by(p, &k)[0].v, p[0].v]"), ["y", "y"]);
  assert.deepEqual(call("sort_by(`[]`, &k)"), []);
  fails("sort_by(p, &to_array(k))");
  fails('sort_by(`[{"k": 1}, {"k": "a"}]`, &k)');
});

Deno.test("sort_by with NaN keys orders as Go's sort.Stable does", () => {
  // NaN is neither less nor greater than anything, so the order depends on the algorithm.
  const keys = [null, 3, 3, null, 1, 1, 2, null, 2, 1];
  const items = Array.from({ length: 25 }, (_, i) => ({ i, k: i % 7 ? keys[i % 10] : null }));
  assert.deepEqual(
    call("sort_by(@, &(k || avg(`[]`)))[*].i", JSON.stringify(items)),
    [0, 1, 2, 3, 4, 5, 6, 7, 9, 8, 10, 11, 12, 13, 14, 15, 16, 17, 19, 18, 20, 21, 22, 23, 24],
  );
  assert.deepEqual(
    call("sort_by(@, &to_string(k))[*].i", JSON.stringify(items)),
    [4, 5, 9, 15, 19, 24, 6, 8, 16, 18, 1, 2, 11, 12, 22, 0, 3, 7, 10, 13, 14, 17, 20, 21, 23],
  );
});

Deno.test("to_array, to_number, to_string, type", () => {
  assert.deepEqual(call("to_array(text)"), ["héllo😀"]);
  assert.deepEqual(call("to_array(n)"), [3, 1, 2, 10]);
  assert.deepEqual(call("to_array(`null`)"), [null]);
  assert.equal(call("to_number('0x1p-2')"), 0.25);
  assert.equal(call("to_number('1_000')"), 1000);
  assert.equal(call("to_number(' 1')"), null);
  assert.equal(call("to_number(o)"), null);
  assert.equal(call("to_string(o)"), '{"a":[2],"b":1}');
  assert.equal(call("to_string(text)"), "héllo😀");
  assert.equal(call("to_string(&a)"), "{}");
  assert.equal(call("type(neg)"), "number");
  assert.equal(call("type(`true`)"), "boolean");
  assert.equal(call("type(missing)"), "null");
  fails("type(&a)");
  fails("to_number(&a)");
  fails("to_string(avg(`[]`))");
});

Deno.test("functions charge their work: a costly key in sort_by passes the budget", () => {
  const items = JSON.stringify(Array.from({ length: 2_000 }, (_, i) => ({ k: (i * 7) % 2_000 })));
  const b = budget(20_000);
  assert.throws(
    () => evaluateJmes(parseJmes("sort_by(@, &to_string(@))"), decodeGoJsonText(items), b),
    LimitError,
  );
});
