import assert from "node:assert/strict";
import { assertNoLeaks, findLeaks, LeakError, SeededValues } from "./leak_check.ts";
import { TEST_TOKENS } from "./driver_client.ts";

const SECRET = "s3cr3t-value-that-must-never-be-logged";

function seeded(): SeededValues {
  const values = new SeededValues();
  values.record(SECRET, "the value of secret app/db in us-east-1");
  values.record(
    '{"user":"admin","password":"pa\\"ss\\nword-1234"}',
    "the value of secret app/json",
  );
  values.record("Q~z7", "the value of parameter /app/flag");
  values.record("", "the value of parameter /app/empty");
  values.record(
    new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04]),
    "secret bin",
  );
  return values;
}

Deno.test("a seeded value in a log line is a leak, named by place and secret but not shown", () => {
  const line = `{"level":"error","msg":"mount failed","error":"bad value ${SECRET}"}`;
  let error: unknown;
  try {
    assertNoLeaks([{ where: "provider log line 7", text: line }], seeded().all());
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof LeakError);
  assert.equal(
    error.message,
    "1 secret value(s) or token(s) leaked:\n" +
      "  - the value of secret app/db in us-east-1 (38 chars) appears in provider log line 7",
  );
  assert.ok(!error.message.includes(SECRET));
});

Deno.test("a JSON field of a seeded secret is found, also JSON-escaped inside a log line", () => {
  const escaped = JSON.stringify({ msg: 'extracted pa"ss\nword-1234' });
  assert.deepEqual(findLeaks([{ where: "provider log line 1", text: escaped }], seeded().all()), [{
    where: "provider log line 1",
    what: "the value of secret app/json, JSON field password (15 chars)",
  }]);
});

Deno.test("a token in an error returned to the driver is a leak", () => {
  const samples = Object.values(TEST_TOKENS).map((value) => ({ value, what: "a token" }));
  const text = `failed: token ${TEST_TOKENS["sts.amazonaws.com"]} rejected`;
  assert.throws(
    () =>
      assertNoLeaks(
        [{ where: "the error the driver client got from mount call 2", text }],
        samples,
      ),
    /a token \(\d+ chars\) appears in the error the driver client got from mount call 2/,
  );
});

Deno.test("binary values are looked for as UTF-8 and as base64", () => {
  const base64 = btoa(String.fromCharCode(0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04));
  assert.equal(findLeaks([{ where: "line", text: `data=${base64}` }], seeded().all()).length, 1);
});

Deno.test("a value of a few characters is looked for too", () => {
  const texts = [
    { where: "provider log line 1", text: '{"msg":"mount","objects":["app/db"],"value":"Q~z7"}' },
    { where: "provider log line 2", text: "root logged in" },
  ];
  assert.deepEqual(findLeaks(texts, seeded().all()), [{
    where: "provider log line 1",
    what: "the value of parameter /app/flag (4 chars)",
  }]);
  assert.deepEqual(findLeaks(texts, [{ value: "root", what: "a password" }]), [{
    where: "provider log line 2",
    what: "a password (4 chars)",
  }]);
});

Deno.test("a value sent twice is reported once, as first described", () => {
  const samples = [
    { value: "T~twice", what: "a token the driver client sent" },
    { value: "T~twice", what: "a token the driver harness sent" },
  ];
  assert.deepEqual(findLeaks([{ where: "line 1", text: "x T~twice y" }], samples), [
    { where: "line 1", what: "a token the driver client sent (7 chars)" },
  ]);
});

Deno.test("clean texts raise nothing, and an empty value is never looked for", () => {
  const texts = [
    { where: "provider log line 1", text: '{"msg":"mount","objects":["app/db"],"outcome":"ok"}' },
    { where: "provider log line 2", text: "" },
  ];
  assert.doesNotThrow(() => assertNoLeaks(texts, seeded().all()));
  assert.deepEqual(findLeaks(texts, [{ value: "", what: "empty" }]), []);
  assert.ok(!seeded().all().some((sample) => sample.value === ""));
});
