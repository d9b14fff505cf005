import assert from "node:assert/strict";
import { LimitError, mountLimits } from "../../limits/mod.ts";
import { JmesBudget } from "./cost.ts";
import { parseJmes } from "./parse.ts";
import {
  codePointLength,
  compareStrings,
  deepEqual,
  isFalse,
  JmesEvalError,
  JmesExpRef,
  type JmesValue,
} from "./value.ts";

function budget(max = 1_000_000): JmesBudget {
  return JmesBudget.fromLimits(mountLimits({ jmesPathWork: max }), "test");
}

Deno.test("false, null and empty strings, arrays and objects are false; 0, NaN and exprefs are true", () => {
  for (const value of [false, null, "", [], new Map()]) assert.equal(isFalse(value), true);
  for (
    const value of [
      true,
      0,
      NaN,
      " ",
      [null],
      new Map([["", null]]),
      new JmesExpRef({ type: "current" }),
    ]
  ) {
    assert.equal(isFalse(value as JmesValue), false);
  }
});

Deno.test("compareStrings orders by code point (Go's byte order), not by UTF-16 unit", () => {
  // JavaScript's < puts U+E000 after 😀 (its first unit, 0xD83D, is smaller); Go puts it before.
  assert.ok("\ue000" > "😀");
  assert.ok(compareStrings("\ue000", "😀") < 0);
  assert.ok(compareStrings("😀", "\ue000") > 0);
  assert.ok(compareStrings("a", "b") < 0);
  assert.ok(compareStrings("ab", "a") > 0);
  assert.equal(compareStrings("😀x", "😀x"), 0);
  assert.ok(compareStrings("😀\ue000a", "😀\ue000b") < 0);
  assert.ok(compareStrings("😀😀", "😀\uffff") > 0);
});

Deno.test("compareStrings charges native work unless both strings need the code point loop", () => {
  const plain = budget();
  compareStrings("a".repeat(320), "a".repeat(320), plain);
  assert.equal(plain.used, 21); // 640 units at 32 a step, plus one
  const astral = budget();
  compareStrings("😀".repeat(160), "😀".repeat(160), astral);
  assert.equal(astral.used, 41); // 320 units walked at 8 a step, plus one
});

Deno.test("codePointLength counts surrogate pairs once and lone surrogates once each", () => {
  assert.equal(codePointLength(""), 0);
  assert.equal(codePointLength("abc"), 3);
  assert.equal(codePointLength("😀é"), 2);
  assert.equal(codePointLength("\ud800x\udc00"), 3);
});

Deno.test("deepEqual compares as Go's reflect.DeepEqual does on decoded JSON", () => {
  const b = budget();
  assert.equal(deepEqual(1, 1, b), true);
  assert.equal(deepEqual(-0, 0, b), true);
  assert.equal(deepEqual(NaN, NaN, b), false);
  assert.equal(deepEqual(1, "1", b), false);
  assert.equal(deepEqual(null, false, b), false);
  assert.equal(deepEqual([1, [2, "x"]], [1, [2, "x"]], b), true);
  assert.equal(deepEqual([1, 2], [2, 1], b), false);
  assert.equal(deepEqual([], new Map(), b), false);
  const object = (entries: [string, JmesValue][]) => new Map(entries);
  assert.equal(deepEqual(object([["a", 1], ["b", [2]]]), object([["b", [2]], ["a", 1]]), b), true);
  assert.equal(deepEqual(new Map([["a", 1]]), new Map([["b", 1]]), b), false);
  assert.equal(deepEqual(new Map([["a", null]]), new Map([["a", 1]]), b), false);
});

Deno.test("deepEqual compares expression references by their trees", () => {
  const b = budget();
  const ref = (text: string) => {
    const node = parseJmes(text);
    assert.equal(node.type, "expref");
    return new JmesExpRef(node.type === "expref" ? node.child : node);
  };
  assert.equal(deepEqual(ref("&a.b"), ref("&a.b"), b), true);
  assert.equal(deepEqual(ref("&a.b"), ref("&a.c"), b), false);
  assert.equal(deepEqual(ref('&`[1, {"x": 2}]`'), ref('&`[1, {"x": 2}]`'), b), true);
  assert.equal(deepEqual(ref("&`1`"), ref("&`2`"), b), false);
});

Deno.test("deepEqual of doubled structures costs steps per distinct pair, not per path", () => {
  // x_k = [x_(k-1), x_(k-1)], built twice: 2^40 paths, 41 distinct pairs of containers.
  const doubled = (steps: number) => {
    let value: JmesValue = "leaf";
    for (let i = 0; i < steps; i++) value = [value, value];
    return value;
  };
  const b = budget(1_000);
  assert.equal(deepEqual(doubled(40), doubled(40), b), true);
  assert.ok(b.used < 500, `used ${b.used}`);
});

Deno.test("deepEqual is iterative (10,000 levels) and stops with a LimitError at the budget", () => {
  const deep = () => {
    let value: JmesValue = [];
    for (let i = 0; i < 10_000; i++) value = [value];
    return value;
  };
  assert.equal(deepEqual(deep(), deep(), budget()), true);
  assert.throws(() => deepEqual(deep(), deep(), budget(1_000)), LimitError);
});

Deno.test("an evaluation error carries its message without a stack", () => {
  const error = new JmesEvalError("unknown function: f");
  assert.equal(error.message, "unknown function: f");
  assert.ok(!(error instanceof Error));
});
