import assert from "node:assert/strict";
import { LimitError, mountLimits } from "../../limits/mod.ts";
import { CHARS_PER_STEP, JmesBudget, SCANNED_CHARS_PER_STEP } from "./cost.ts";

const SUBJECT = 'jmesPath "a.b" of object db (alias x)';

function budget(work: number, valueBytes = 1024): JmesBudget {
  return JmesBudget.fromLimits(mountLimits({ jmesPathWork: work, valueBytes }), SUBJECT);
}

Deno.test("steps up to the budget pass; the step that passes it fails at once", () => {
  const b = budget(10);
  b.charge(9);
  b.charge(1);
  assert.equal(b.used, 10);
  assert.throws(() => b.charge(1), {
    name: "LimitError",
    message: `${SUBJECT} needed more evaluation steps than allowed; ` +
      "the limit is 10 steps (provider flag --max-jmes-path-work)",
  });
});

Deno.test("a budget once passed stays passed", () => {
  const b = budget(5);
  assert.throws(() => b.charge(6), LimitError);
  assert.throws(() => b.charge(0), LimitError);
});

Deno.test("string work costs a step per block of units, at least one", () => {
  assert.equal(CHARS_PER_STEP, 32);
  assert.equal(SCANNED_CHARS_PER_STEP, 8);
  const b = budget(1_000);
  b.chargeChars(0);
  assert.equal(b.used, 1);
  b.chargeChars(63);
  assert.equal(b.used, 3);
  b.chargeScan(16);
  assert.equal(b.used, 6);
});

Deno.test("a string at the value limit passes; one byte more fails naming the size", () => {
  const b = budget(1_000, 100);
  b.checkStringBytes(100);
  assert.throws(() => b.checkStringBytes(101), {
    name: "LimitError",
    message: `${SUBJECT} would make a string of 101 bytes; ` +
      "the limit is 100 bytes (provider flag --max-value-bytes)",
  });
  assert.throws(() => b.checkStringBytes(150, true), {
    message: `${SUBJECT} would make a string of at least 150 bytes; ` +
      "the limit is 100 bytes (provider flag --max-value-bytes)",
  });
  assert.equal(b.maxStringBytes, 100);
});
