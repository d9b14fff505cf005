// Expected values were printed by Go 1.26: strconv.FormatFloat(x, 'g', -1, 32),
// strconv.ParseBool, time.ParseDuration and time.Duration.String.
import assert from "node:assert/strict";
import { formatFloat32, formatGoDuration, parseGoBool, parseGoDuration } from "./go_format.ts";

Deno.test("formatFloat32 matches Go's FormatFloat(x, 'g', -1, 32)", async (t) => {
  const cases: [number, string][] = [
    [0, "0"],
    [1, "1"],
    [1.1, "1.1"],
    [0.1, "0.1"],
    [-7.25, "-7.25"],
    [1e5, "100000"],
    [999999, "999999"],
    [1e6, "1e+06"],
    [1234567, "1.234567e+06"],
    [123456789, "1.2345679e+08"],
    [16777217, "1.6777216e+07"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [2.5e-5, "2.5e-05"],
    [3.14159265358979, "3.1415927"],
    [1e21, "1e+21"],
    [3.4028235e38, "3.4028235e+38"],
    [1e-45, "1e-45"],
    [1e-46, "0"],
  ];
  for (const [value, expected] of cases) {
    await t.step(`${value} is "${expected}"`, () => assert.equal(formatFloat32(value), expected));
  }
});

Deno.test("formatFloat32 rounds an exact tie to an even digit, as Go does", () => {
  // 1373907.25 is a float32 halfway between 1373907.2 and 1373907.3.
  assert.equal(formatFloat32(1373907.25), "1.3739072e+06");
  assert.equal(formatFloat32(3095045.25), "3.0950452e+06");
});

Deno.test("formatFloat32 prints values beyond float32 range as infinities", () => {
  assert.equal(formatFloat32(3.5e38), "+Inf");
  assert.equal(formatFloat32(-3.5e38), "-Inf");
  assert.equal(formatFloat32(Infinity), "+Inf");
  assert.equal(formatFloat32(-Infinity), "-Inf");
});

Deno.test("formatFloat32 prints NaN and negative zero like Go", () => {
  assert.equal(formatFloat32(NaN), "NaN");
  assert.equal(formatFloat32(-0), "-0");
});

Deno.test("parseGoBool accepts exactly Go's ParseBool spellings", () => {
  for (const text of ["1", "t", "T", "TRUE", "true", "True"]) assert.equal(parseGoBool(text), true);
  for (const text of ["0", "f", "F", "FALSE", "false", "False"]) {
    assert.equal(parseGoBool(text), false);
  }
});

Deno.test("parseGoBool refuses other spellings", () => {
  for (const text of ["", "yes", "y", "on", "tRUE", "TRue", " true", "2", "fALSE"]) {
    assert.equal(parseGoBool(text), undefined);
  }
});

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
