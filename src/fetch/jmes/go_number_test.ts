import assert from "node:assert/strict";
import { formatGoJsonNumber, parseGoFloat } from "./go_number.ts";

// Expected values are what Go's strconv.ParseFloat(text, 64) gives (checked with
// the go-jmespath oracle through to_number); undefined where Go returns an error.

Deno.test("parseGoFloat reads decimal numbers as ParseFloat does", () => {
  const cases: [string, number | undefined][] = [
    ["1E5", 100000],
    ["1e-5", 0.00001],
    ["00.5", 0.5],
    [".5", 0.5],
    ["5.", 5],
    ["+1", 1],
    ["+0", 0],
    ["4.9e-324", 5e-324],
    ["1e-99999", 0],
    ["0.0000000000000000000000000000001e30", 0.1],
  ];
  for (const [text, expected] of cases) assert.equal(parseGoFloat(text), expected, text);
  assert.ok(Object.is(parseGoFloat("-0"), -0));
});

Deno.test("parseGoFloat refuses what ParseFloat refuses, out of range included", () => {
  for (
    const text of ["", " 1", "1 ", "1e", "1e+", "abc", "0x", "1e99999", "1.7976931348623159e308"]
  ) {
    assert.equal(parseGoFloat(text), undefined, JSON.stringify(text));
  }
});

Deno.test("parseGoFloat takes underscores only between digits", () => {
  assert.equal(parseGoFloat("1_000.000_1"), 1000.0001);
  assert.equal(parseGoFloat("0_1"), 1);
  assert.equal(parseGoFloat("1e1_0"), 1e10);
  for (const text of ["1__0", "_1", "1_"]) assert.equal(parseGoFloat(text), undefined, text);
});

Deno.test("parseGoFloat reads hexadecimal mantissas with a p exponent, rounding as Go", () => {
  const cases: [string, number | undefined][] = [
    ["0x1p-2", 0.25],
    ["0x1.8p1", 3],
    ["0X1P-1074", 5e-324],
    ["0x1p-1075", 0],
    ["0x1.00000000000008p0", 1],
    ["0x1.0000000000000800000p0", 1],
    ["0x1fffffffffffffp971", 1.7976931348623157e308],
    ["0x.8p1", 1],
    ["0x1_0p0", 16],
    ["0x_1p0", 1],
    ["0x1p1024", undefined],
    ["0xp1", undefined],
    ["0x1", undefined],
  ];
  for (const [text, expected] of cases) assert.equal(parseGoFloat(text), expected, text);
});

Deno.test("parseGoFloat knows inf, infinity and nan in any case, and nothing around them", () => {
  assert.equal(parseGoFloat("infinity"), Infinity);
  assert.equal(parseGoFloat("+Inf"), Infinity);
  assert.equal(parseGoFloat("-INF"), -Infinity);
  assert.ok(Number.isNaN(parseGoFloat("NaN")));
  for (const text of ["infin", "+nan", "Infinityx"]) {
    assert.equal(parseGoFloat(text), undefined, text);
  }
});

Deno.test("formatGoJsonNumber writes numbers as Go's encoding/json", () => {
  const cases: [number, string][] = [
    [0, "0"],
    [-0, "-0"],
    [1e-7, "1e-7"],
    [9.999999e-7, "9.999999e-7"],
    [1e-6, "0.000001"],
    [123e-20, "1.23e-18"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [1e20, "100000000000000000000"],
    [1e21, "1e+21"],
    [-1e21, "-1e+21"],
    [2e-5, "0.00002"],
    [123456789012345678901234, "1.2345678901234569e+23"],
    [0.1 + 0.2, "0.30000000000000004"],
  ];
  for (const [value, text] of cases) assert.equal(formatGoJsonNumber(value), text, text);
});
