// Expected values were printed by Go 1.26: strconv.FormatFloat(x, 'g', -1, 32),
// strconv.ParseBool, time.ParseDuration and time.Duration.String.
import assert from "node:assert/strict";
import { formatFloat32, parseGoBool } from "./strconv.ts";

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
