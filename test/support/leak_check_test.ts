import assert from "node:assert/strict";
import { assertNoLeaks, findLeaks, LeakError, SeededValues } from "./leak_check.ts";
import { TEST_TOKENS } from "./driver_client.ts";
import {
  PRIMARY_REGION,
  startAwsEmulator,
  startTestKube,
  startTestProvider,
} from "./local_stack.ts";

const SECRET = "s3cr3t-value-that-must-never-be-logged";

function seeded(): SeededValues {
  const values = new SeededValues();
  values.record(SECRET, "the value of secret app/db in us-east-1");
  values.record(
    '{"user":"admin","password":"pa\\"ss\\nword-1234"}',
    "the value of secret app/json",
  );
  values.record("short", "the value of parameter /app/flag");
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

Deno.test("values shorter than 8 characters and clean texts raise nothing", () => {
  const texts = [
    {
      where: "provider log line 1",
      text: '{"msg":"mounted","objects":["app/db"],"value":"short"}',
    },
    { where: "provider log line 2", text: "admin logged in" },
  ];
  assert.doesNotThrow(() => assertNoLeaks(texts, seeded().all()));
  assert.deepEqual(findLeaks(texts, [{ value: "admin", what: "too short" }]), []);
});

Deno.test({
  name: "startTestProvider's stop() fails when a seeded value shows up in the provider's log",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using aws = await startAwsEmulator();
    const { kube, kubeconfig } = await startTestKube();
    const provider = await startTestProvider(aws, { kubeconfig });
    // A value equal to the object's name: the mount's log line names the object, so it "leaks".
    await aws.seeder.createSecret(PRIMARY_REGION, "leak-check-canary", "leak-check-canary");
    const outcome = await provider.driver.mount({
      targetPath: await provider.newTargetPath(),
      parameters: {
        region: PRIMARY_REGION,
        objects: "- {objectName: leak-check-canary, objectType: secretsmanager}",
      },
    });
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    await assert.rejects(
      provider.stop(),
      (error: Error) =>
        error instanceof LeakError &&
        /the value of secret leak-check-canary in us-east-1 \(17 chars\) appears in provider log line \d+/
          .test(error.message),
    );
    await kube.stop();
  },
});
