import assert from "node:assert/strict";
import { awsFailure, batchPermission, FakeSecretsManager } from "../../test/fakes/mod.ts";
import { type MountObject, parseMountObjects } from "../config/mod.ts";
import { fetchSecretsRegion, SECRETS_PER_BATCH } from "./secrets_manager_fetch.ts";

const decoder = new TextDecoder();

function objects(yaml: string, regions = ["us-east-1"]): MountObject[] {
  return parseMountObjects(yaml, { regions, pathTranslation: "" });
}

function secrets(...names: string[]): MountObject[] {
  return objects(
    names.map((name) => `- {objectName: ${name}, objectType: secretsmanager}`).join("\n"),
  );
}

function fetch(
  list: MountObject[],
  api: FakeSecretsManager,
  options: { index?: number; concurrency?: number; batch?: ReturnType<typeof batchPermission> } =
    {},
) {
  return fetchSecretsRegion(
    list,
    { index: options.index ?? 0, name: api.region, api },
    { concurrency: options.concurrency ?? 4, batch: options.batch ?? batchPermission() },
  );
}

/** Outcomes as `value@version` or the failure message. */
function summary(outcomes: Awaited<ReturnType<typeof fetchSecretsRegion>>): string[] {
  return outcomes.map((outcome) =>
    outcome.ok
      ? `${decoder.decode(outcome.value.bytes)}@${outcome.value.version}`
      : `${outcome.failure.fatal ? "fatal" : "non-fatal"}: ${outcome.message}`
  );
}

Deno.test("objects without version or label are fetched with one BatchGetSecretValue", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.put("a", { AWSCURRENT: "va" }, "A");
  sm.put("b", { AWSCURRENT: "vb" }, "B");
  sm.put("c", { AWSCURRENT: "vc" }, "C");
  assert.deepEqual(summary(await fetch(secrets("a", "b", "c"), sm)), ["A@va", "B@vb", "C@vc"]);
  assert.deepEqual(sm.calls, ["BatchGetSecretValue a,b,c"]);
});

Deno.test("BatchGetSecretValue gets at most 20 ids per call", async () => {
  assert.equal(SECRETS_PER_BATCH, 20);
  const sm = new FakeSecretsManager("us-east-1");
  const names = Array.from({ length: 45 }, (_, i) => `s${i}`);
  for (const name of names) sm.put(name, { AWSCURRENT: `v-${name}` }, `value-${name}`);
  const outcomes = await fetch(secrets(...names), sm);
  assert.deepEqual(summary(outcomes), names.map((name) => `value-${name}@v-${name}`));
  assert.deepEqual(sm.calls.map((call) => call.split(",").length), [20, 20, 5]);
  assert.deepEqual(sm.calls.map((call) => call.split(" ")[0]), [
    "BatchGetSecretValue",
    "BatchGetSecretValue",
    "BatchGetSecretValue",
  ]);
});

Deno.test("a pinned version or label is fetched with GetSecretValue", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.put("db", { AWSCURRENT: "v2", AWSPREVIOUS: "v1" }, "new", "old");
  const list = objects(`
- {objectName: db, objectType: secretsmanager, objectAlias: by-version, objectVersion: v1}
- {objectName: db, objectType: secretsmanager, objectAlias: by-label, objectVersionLabel: AWSPREVIOUS}
- {objectName: db, objectType: secretsmanager, objectAlias: both, objectVersion: v2, objectVersionLabel: AWSCURRENT}
`);
  assert.deepEqual(summary(await fetch(list, sm)), ["old@v1", "old@v1", "new@v2"]);
  assert.deepEqual(sm.calls, [
    "GetSecretValue db versionId=v1",
    "GetSecretValue db versionStage=AWSPREVIOUS",
    "GetSecretValue db versionId=v2 versionStage=AWSCURRENT",
  ]);
});

Deno.test("the same secret asked for twice is one id in the batch and fills both objects", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.put("db", { AWSCURRENT: "v1" }, "pw");
  const list = objects(`
- {objectName: db, objectType: secretsmanager, objectAlias: first}
- {objectName: db, objectType: secretsmanager, objectAlias: second}
`);
  assert.deepEqual(summary(await fetch(list, sm)), ["pw@v1", "pw@v1"]);
  assert.deepEqual(sm.calls, ["BatchGetSecretValue db"]);
});

Deno.test("batch answers are matched to ids given as full or partial ARN", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  const full = sm.put("by-full-arn", { AWSCURRENT: "v1" }, "full");
  const partial = sm.put("by-partial-arn", { AWSCURRENT: "v2" }, "partial").slice(0, -7);
  assert.equal(partial, "arn:aws:secretsmanager:us-east-1:123456789012:secret:by-partial-arn");
  const list = objects(`
- {objectName: "${full}", objectAlias: one}
- {objectName: "${partial}", objectAlias: two}
`);
  assert.deepEqual(summary(await fetch(list, sm)), ["full@v1", "partial@v2"]);
  assert.deepEqual(sm.calls, [`BatchGetSecretValue ${full},${partial}`]);
});

Deno.test("a partial ARN does not match a secret whose name only starts the same", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.put("app", { AWSCURRENT: "v1" }, "app");
  sm.put("app-db", { AWSCURRENT: "v2" }, "app-db");
  const prefix = "arn:aws:secretsmanager:us-east-1:123456789012:secret:";
  const list = objects(`
- {objectName: "${prefix}app-db", objectAlias: db}
- {objectName: "${prefix}app", objectAlias: app}
`);
  assert.deepEqual(summary(await fetch(list, sm)), ["app-db@v2", "app@v1"]);
});

Deno.test("ids missing from a batch answer fall back to GetSecretValue", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.put("a", { AWSCURRENT: "va" }, "A");
  sm.put("b", { AWSCURRENT: "vb" }, "B");
  sm.batchOmits.add("b");
  assert.deepEqual(summary(await fetch(secrets("a", "b"), sm)), ["A@va", "B@vb"]);
  assert.deepEqual(sm.calls, ["BatchGetSecretValue a,b", "GetSecretValue b"]);
});

Deno.test("an error for one id in a batch answer fails only that object, keeping its class", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.put("a", { AWSCURRENT: "va" }, "A");
  sm.put("c", { AWSCURRENT: "vc" }, "C");
  sm.batchEntryFailures.set("c", awsFailure("DecryptionFailure", { fatal: true, message: "kms" }));
  const outcomes = await fetch(secrets("a", "missing", "c"), sm);
  assert.deepEqual(summary(outcomes), [
    "A@va",
    "fatal: us-east-1: Failed fetching secret missing: operation error Secrets Manager: " +
    "GetSecretValue, https response error StatusCode: 400, RequestID: req-1, " +
    "ResourceNotFoundException: Secrets Manager can't find the specified secret. (missing)",
    "fatal: us-east-1: Failed fetching secret c: operation error Test, https response error " +
    "StatusCode: 400, RequestID: req-1, DecryptionFailure: kms",
  ]);
  assert.deepEqual(sm.calls, ["BatchGetSecretValue a,missing,c"]);
});

Deno.test("AccessDenied on the batch action falls back to GetSecretValue and is remembered", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.put("a", { AWSCURRENT: "va" }, "A");
  sm.put("b", { AWSCURRENT: "vb" }, "B");
  sm.batchFailure = awsFailure("AccessDeniedException", { status: 400 });
  const permission = batchPermission();
  assert.deepEqual(summary(await fetch(secrets("a", "b"), sm, { batch: permission })), [
    "A@va",
    "B@vb",
  ]);
  assert.deepEqual(sm.calls, ["BatchGetSecretValue a,b", "GetSecretValue a", "GetSecretValue b"]);
  assert.equal(permission.denials, 1);
  assert.equal(permission.allowed(), false);

  sm.calls.length = 0;
  await fetch(secrets("a", "b"), sm, { batch: permission });
  assert.deepEqual(sm.calls, ["GetSecretValue a", "GetSecretValue b"]);
});

Deno.test("a modeled client fault of the whole batch is attributed per secret by GetSecretValue", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.put("a", { AWSCURRENT: "va" }, "A");
  sm.batchFailure = awsFailure("InvalidParameterException", { fatal: true });
  const permission = batchPermission();
  const outcomes = await fetch(secrets("a", "gone"), sm, { batch: permission });
  assert.deepEqual(sm.calls, [
    "BatchGetSecretValue a,gone",
    "GetSecretValue a",
    "GetSecretValue gone",
  ]);
  assert.equal(summary(outcomes)[0], "A@va");
  assert.match(
    summary(outcomes)[1],
    /^fatal: us-east-1: Failed fetching secret gone: .*ResourceNotFound/,
  );
  assert.equal(permission.denials, 0);
});

Deno.test("a non-fatal failure of the whole batch fails each of its objects in that region", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.put("a", { AWSCURRENT: "va" }, "A");
  sm.put("b", { AWSCURRENT: "vb" }, "B");
  sm.batchFailure = awsFailure("ThrottlingException", { status: 400, message: "Rate exceeded" });
  assert.deepEqual(summary(await fetch(secrets("a", "b"), sm)), [
    "non-fatal: us-east-1: Failed fetching secret a: operation error Test, https response error " +
    "StatusCode: 400, RequestID: req-1, ThrottlingException: Rate exceeded",
    "non-fatal: us-east-1: Failed fetching secret b: operation error Test, https response error " +
    "StatusCode: 400, RequestID: req-1, ThrottlingException: Rate exceeded",
  ]);
  assert.deepEqual(sm.calls, ["BatchGetSecretValue a,b"]);
});

Deno.test("a GetSecretValue failure keeps the SDK layer's classification", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.getFailures.set("db", awsFailure("InternalServiceError", { message: "boom" }));
  const list = objects("- {objectName: db, objectType: secretsmanager, objectVersionLabel: L}");
  assert.deepEqual(summary(await fetch(list, sm)), [
    "non-fatal: us-east-1: Failed fetching secret db: operation error Test, https response " +
    "error StatusCode: 500, RequestID: req-1, InternalServiceError: boom",
  ]);
});

Deno.test("an unexpected error from GetSecretValue is a non-fatal failure with its message", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.getThrows = new TypeError("socket hang up");
  const list = objects("- {objectName: db, objectType: secretsmanager, objectVersion: v1}");
  const [outcome] = await fetch(list, sm);
  assert.equal(outcome.ok, false);
  assert.deepEqual(!outcome.ok && [outcome.failure.code, outcome.failure.fatal, outcome.message], [
    "Error",
    false,
    "us-east-1: Failed fetching secret db: socket hang up",
  ]);
});

Deno.test("SecretBinary content is passed on as raw bytes", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.put("bin", { AWSCURRENT: "v1" }, new Uint8Array([0, 255, 10, 13]));
  const [outcome] = await fetch(secrets("bin"), sm);
  assert.deepEqual(outcome.ok && outcome.value.bytes, new Uint8Array([0, 255, 10, 13]));
});

Deno.test("in the failover region the failoverObject's name and version are asked for", async () => {
  const sm = new FakeSecretsManager("us-west-2");
  sm.put("db-replica", { AWSCURRENT: "v9", AWSPREVIOUS: "v8" }, "west", "west-old");
  const list = objects(
    `
- objectName: db
  objectType: secretsmanager
  objectAlias: db
  failoverObject: {objectName: db-replica}
- objectName: other
  objectType: secretsmanager
  objectAlias: other
  objectVersionLabel: AWSCURRENT
  failoverObject: {objectName: db-replica, objectVersionLabel: AWSPREVIOUS}
`,
    ["us-east-1", "us-west-2"],
  );
  assert.deepEqual(summary(await fetch(list, sm, { index: 1 })), ["west@v9", "west-old@v8"]);
  assert.deepEqual(sm.calls, [
    "BatchGetSecretValue db-replica",
    "GetSecretValue db-replica versionStage=AWSPREVIOUS",
  ]);
});

Deno.test("GetSecretValue calls respect the concurrency bound", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.delayMs = 5;
  const names = Array.from({ length: 12 }, (_, i) => `s${i}`);
  for (const name of names) sm.put(name, { AWSCURRENT: "v1", PINNED: "v1" }, name);
  const list = objects(
    names.map((name) =>
      `- {objectName: ${name}, objectType: secretsmanager, objectVersionLabel: PINNED}`
    )
      .join("\n"),
  );
  const outcomes = await fetch(list, sm, { concurrency: 3 });
  assert.deepEqual(summary(outcomes), names.map((name) => `${name}@v1`));
  assert.equal(sm.calls.length, 12);
  assert.equal(sm.maxInFlight, 3);
});

Deno.test("BatchGetSecretValue calls respect the concurrency bound", async () => {
  const sm = new FakeSecretsManager("us-east-1");
  sm.delayMs = 5;
  const names = Array.from({ length: 100 }, (_, i) => `s${i}`);
  for (const name of names) sm.put(name, { AWSCURRENT: "v1" }, name);
  await fetch(secrets(...names), sm, { concurrency: 2 });
  assert.equal(sm.calls.length, 5);
  assert.equal(sm.maxInFlight, 2);
});
