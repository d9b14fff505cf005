import assert from "node:assert/strict";
import { awsFailure, FakeSsm } from "../../test/fakes/mod.ts";
import { type MountObject, parseMountObjects } from "../config/mod.ts";
import {
  fetchParameterBatch,
  parameterRequestName,
  PARAMETERS_PER_BATCH,
  planParameterBatches,
} from "./parameter_store_fetch.ts";

const decoder = new TextDecoder();

function objects(yaml: string, regions = ["us-east-1"]): MountObject[] {
  return parseMountObjects(yaml, { regions, pathTranslation: "" });
}

function parameters(...names: string[]): MountObject[] {
  return objects(
    names.map((name) => `- {objectName: ${name}, objectType: ssmparameter}`).join("\n"),
  );
}

/** Each batch as the list of its objects' file names. */
function fileNames(batches: MountObject[][]): string[][] {
  return batches.map((batch) => batch.map((object) => object.fileName));
}

async function fetch(batch: MountObject[], ssm: FakeSsm, index = 0) {
  const outcome = await fetchParameterBatch(batch, { index, name: ssm.region, api: ssm }, {});
  if (!outcome.ok) {
    return { fatal: outcome.failure.fatal, code: outcome.failure.code, message: outcome.message };
  }
  return outcome.value.map((value) => `${decoder.decode(value.bytes)}@${value.version}`);
}

Deno.test("parameterRequestName appends the version, else the label", () => {
  assert.equal(parameterRequestName({ name: "/app/db", version: "", label: "" }), "/app/db");
  assert.equal(parameterRequestName({ name: "/app/db", version: "3", label: "" }), "/app/db:3");
  assert.equal(
    parameterRequestName({ name: "/app/db", version: "", label: "prod" }),
    "/app/db:prod",
  );
  assert.equal(parameterRequestName({ name: "/app/db", version: "3", label: "prod" }), "/app/db:3");
});

Deno.test("planParameterBatches cuts the list into batches of 10 in order", () => {
  assert.equal(PARAMETERS_PER_BATCH, 10);
  const names = Array.from({ length: 25 }, (_, i) => `p${i}`);
  const batches = planParameterBatches(parameters(...names));
  assert.deepEqual(fileNames(batches), [names.slice(0, 10), names.slice(10, 20), names.slice(20)]);
});

Deno.test("planParameterBatches never puts one name with two selectors into a batch", () => {
  const list = objects(`
- {objectName: a, objectType: ssmparameter, objectAlias: a-current}
- {objectName: b, objectType: ssmparameter}
- {objectName: a, objectType: ssmparameter, objectAlias: a-v1, objectVersion: "1"}
- {objectName: c, objectType: ssmparameter}
- {objectName: a, objectType: ssmparameter, objectAlias: a-v1-again, objectVersion: "1"}
`);
  assert.deepEqual(fileNames(planParameterBatches(list)), [
    ["a-current", "b"],
    ["a-v1", "c", "a-v1-again"],
  ]);
});

Deno.test("planParameterBatches checks names in the failover region too", () => {
  const list = objects(
    `
- {objectName: a, objectType: ssmparameter, objectAlias: one, failoverObject: {objectName: shared}}
- {objectName: b, objectType: ssmparameter, objectAlias: two, objectVersionLabel: x,
   failoverObject: {objectName: shared}}
`,
    ["us-east-1", "us-west-2"],
  );
  assert.deepEqual(fileNames(planParameterBatches(list)), [["one"], ["two"]]);
});

Deno.test("planParameterBatches of no objects is no batch", () => {
  assert.deepEqual(planParameterBatches([]), []);
});

Deno.test("a batch is one GetParameters call with selectors, answered per object", async () => {
  const ssm = new FakeSsm("us-east-1");
  ssm.put("/app/user", ["alice"]);
  ssm.put("/app/db", ["one", "two", "three"], { prod: 2 });
  const list = objects(`
- {objectName: /app/user, objectType: ssmparameter}
- {objectName: /app/db, objectType: ssmparameter, objectAlias: db-v1, objectVersion: "1"}
`);
  assert.deepEqual(await fetch(list, ssm), ["alice@1", "one@1"]);
  assert.deepEqual(ssm.calls, ["GetParameters /app/user,/app/db:1"]);
});

Deno.test("a label selector is sent as name:label and reports the labelled version", async () => {
  const ssm = new FakeSsm("us-east-1");
  ssm.put("/app/db", ["one", "two", "three"], { prod: 2 });
  const list = objects(
    "- {objectName: /app/db, objectType: ssmparameter, objectVersionLabel: prod}",
  );
  assert.deepEqual(await fetch(list, ssm), ["two@2"]);
  assert.deepEqual(ssm.calls, ["GetParameters /app/db:prod"]);
});

Deno.test("the same name and selector twice is sent once and fills both objects", async () => {
  const ssm = new FakeSsm("us-east-1");
  ssm.put("/app/db", ["v"]);
  const list = objects(`
- {objectName: /app/db, objectType: ssmparameter, objectAlias: first}
- {objectName: /app/db, objectType: ssmparameter, objectAlias: second}
`);
  assert.deepEqual(await fetch(list, ssm), ["v@1", "v@1"]);
  assert.deepEqual(ssm.calls, ["GetParameters /app/db"]);
});

Deno.test("a parameter asked for by ARN is matched by the ARN of the answer", async () => {
  const ssm = new FakeSsm("us-east-1");
  const arn = ssm.put("/app/db", ["by-arn"]);
  assert.equal(arn, "arn:aws:ssm:us-east-1:123456789012:parameter/app/db");
  const list = objects(`- {objectName: "${arn}", objectAlias: db}`);
  assert.deepEqual(await fetch(list, ssm), ["by-arn@1"]);
});

Deno.test("a StringList value stays comma-joined", async () => {
  const ssm = new FakeSsm("us-east-1");
  ssm.put("list", ["a,b,c"]);
  assert.deepEqual(await fetch(parameters("list"), ssm), ["a,b,c@1"]);
});

Deno.test("invalid parameters are fatal with the Go provider's exact text, deduplicated", async () => {
  const ssm = new FakeSsm("us-east-1");
  ssm.put("ok", ["fine"]);
  const list = objects(`
- {objectName: missing-a, objectType: ssmparameter}
- {objectName: ok, objectType: ssmparameter}
- {objectName: missing-b, objectType: ssmparameter, objectVersion: "7"}
`);
  assert.deepEqual(await fetch(list, ssm), {
    fatal: true,
    code: "InvalidParameters",
    message: "400: us-east-1: invalid parameters: missing-a, missing-b:7",
  });
});

Deno.test("duplicate invalid names in an answer are listed once", async () => {
  const ssm = {
    region: "eu-west-1",
    getParameters: () => Promise.resolve({ parameters: [], invalid: ["x", "y", "x"] }),
  } as unknown as FakeSsm;
  assert.deepEqual(await fetch(parameters("x", "y"), ssm), {
    fatal: true,
    code: "InvalidParameters",
    message: "400: eu-west-1: invalid parameters: x, y",
  });
});

Deno.test("a failed GetParameters call fails the batch with the region and its text", async () => {
  const ssm = new FakeSsm("us-west-2");
  ssm.failure = awsFailure("ThrottlingException", { status: 400, message: "Rate exceeded" });
  assert.deepEqual(await fetch(parameters("a", "b"), ssm), {
    fatal: false,
    code: "ThrottlingException",
    message: "us-west-2: Failed fetching parameters: operation error Test, https response " +
      "error StatusCode: 400, RequestID: req-1, ThrottlingException: Rate exceeded",
  });
});

Deno.test("a modeled client fault of GetParameters stays fatal", async () => {
  const ssm = new FakeSsm("us-east-1");
  ssm.failure = awsFailure("InvalidKeyId", { fatal: true, message: "bad key" });
  const result = await fetch(parameters("a"), ssm);
  assert.equal(!Array.isArray(result) && result.fatal, true);
});

Deno.test("an error that is not an AwsFailureError is described as a non-fatal failure", async () => {
  const ssm = {
    region: "us-east-1",
    getParameters: () => Promise.reject(new Error("connect ECONNREFUSED")),
  } as unknown as FakeSsm;
  assert.deepEqual(await fetch(parameters("a"), ssm), {
    fatal: false,
    code: "Error",
    message: "us-east-1: Failed fetching parameters: operation error SSM: GetParameters, " +
      "request send failed, Error: connect ECONNREFUSED",
  });
});

Deno.test("a parameter missing from the answer fails the batch non-fatally", async () => {
  const ssm = new FakeSsm("us-east-1");
  ssm.put("a", ["A"]);
  ssm.put("b", ["B"]);
  ssm.omits.add("b:2");
  const list = objects(`
- {objectName: a, objectType: ssmparameter}
- {objectName: b, objectType: ssmparameter, objectVersion: "2"}
`);
  assert.deepEqual(await fetch(list, ssm), {
    fatal: false,
    code: "MissingParameter",
    message: "us-east-1: Failed fetching parameters: parameter b:2 is missing from the answer",
  });
});

Deno.test("in the failover region the failoverObject's name and label are sent", async () => {
  const ssm = new FakeSsm("us-west-2");
  ssm.put("/west/db", ["w1", "w2"], { blue: 1 });
  const list = objects(
    `
- objectName: /east/db
  objectType: ssmparameter
  objectAlias: db
  objectVersionLabel: green
  failoverObject: {objectName: /west/db, objectVersionLabel: blue}
`,
    ["us-east-1", "us-west-2"],
  );
  assert.deepEqual(await fetch(list, ssm, 1), ["w1@1"]);
  assert.deepEqual(ssm.calls, ["GetParameters /west/db:blue"]);
});
