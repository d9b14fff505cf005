import assert from "node:assert/strict";
import { formatGoDuration, parseGoDuration } from "./time.ts";

Deno.test("parseGoDuration reads Go durations as milliseconds", async (t) => {
  const cases: [string, number][] = [
    ["0", 0],
    ["+0", 0],
    ["-0", 0],
    ["00s", 0],
    ["1s", 1000],
    ["1.5s", 1500],
    [".5s", 500],
    ["5.s", 5000],
    ["1.s", 1000],
    ["1m30s", 90_000],
    ["1h2m3.5s", 3_723_500],
    ["-1.5h", -5_400_000],
    ["+2m", 120_000],
    ["100ms", 100],
    ["1us", 0.001],
    ["1µs", 0.001],
    ["1μs", 0.001],
    ["1500ns", 0.0015],
    ["30.000000001s", 30_000.000001],
  ];
  for (const [text, ms] of cases) {
    await t.step(`${text} is ${ms} ms`, () => assert.equal(parseGoDuration(text), ms));
  }
});

Deno.test("parseGoDuration drops fractions of a nanosecond, as Go does", () => {
  assert.equal(parseGoDuration("0.5ns"), 0);
  assert.equal(parseGoDuration("0.0000000001s"), 0);
  assert.equal(parseGoDuration("1.0000005ms"), 1);
});

Deno.test("parseGoDuration accepts the int64 nanosecond range and no more", () => {
  assert.equal(parseGoDuration("2562047h"), 9223369200000);
  assert.equal(parseGoDuration("-9223372036854775808ns"), -9223372036854.775);
  assert.throws(() => parseGoDuration("9223372036854775808ns"), {
    message: 'time: invalid duration "9223372036854775808ns"',
  });
  assert.throws(() => parseGoDuration("2562048h"), {
    message: 'time: invalid duration "2562048h"',
  });
});

Deno.test("parseGoDuration errors carry Go's texts", async (t) => {
  const cases: [string, string][] = [
    ["", 'time: invalid duration ""'],
    ["-", 'time: invalid duration "-"'],
    ["+", 'time: invalid duration "+"'],
    ["s", 'time: invalid duration "s"'],
    ["..5s", 'time: invalid duration "..5s"'],
    ["1", 'time: missing unit in duration "1"'],
    ["1h1", 'time: missing unit in duration "1h1"'],
    ["1x", 'time: unknown unit "x" in duration "1x"'],
    ["1ss", 'time: unknown unit "ss" in duration "1ss"'],
    ["1S", 'time: unknown unit "S" in duration "1S"'],
    ["1e3s", 'time: unknown unit "e" in duration "1e3s"'],
    ["1 s", 'time: unknown unit " s" in duration "1 s"'],
    ['1"x', 'time: unknown unit "\\"x" in duration "1\\"x"'],
    ["1µ", 'time: unknown unit "\\xc2\\xb5" in duration "1\\xc2\\xb5"'],
    ["1é", 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"'],
  ];
  for (const [text, message] of cases) {
    await t.step(`${JSON.stringify(text)} fails with ${message}`, () => {
      assert.throws(() => parseGoDuration(text), { message });
    });
  }
});

Deno.test("formatGoDuration matches Go's Duration.String", async (t) => {
  const cases: [number, string][] = [
    [0, "0s"],
    [1000, "1s"],
    [1500, "1.5s"],
    [500, "500ms"],
    [100, "100ms"],
    [0.001, "1µs"],
    [0.0015, "1.5µs"],
    [0.0005, "500ns"],
    [30_000, "30s"],
    [30_000.000001, "30.000000001s"],
    [59_999, "59.999s"],
    [90_000, "1m30s"],
    [120_000, "2m0s"],
    [3_600_000, "1h0m0s"],
    [3_723_500, "1h2m3.5s"],
    [86_400_000, "24h0m0s"],
    [-30_000, "-30s"],
    [-5_400_000, "-1h30m0s"],
    [9223369200000, "2562047h0m0s"],
  ];
  for (const [ms, text] of cases) {
    await t.step(`${ms} ms is ${text}`, () => assert.equal(formatGoDuration(ms), text));
  }
});
