import assert from "node:assert/strict";
import {
  awsFailure,
  batchPermission,
  countTurns,
  FakeSecretsManager,
  FakeSsm,
} from "../../test/fakes/mod.ts";
import { type MountObject, parseMountObjects } from "../config/mod.ts";
import { FetchCancelledError, FetchError } from "./fetch_error.ts";
import { LimitError } from "../limits/mod.ts";
import { fetchObjects, type FetchOptions, type RegionStores } from "./fetch_objects.ts";
import { mountLimits } from "../limits/mod.ts";

const decoder = new TextDecoder();

interface Region extends RegionStores {
  secretsManager: FakeSecretsManager;
  ssm: FakeSsm;
}

function region(name: string): Region {
  return { name, secretsManager: new FakeSecretsManager(name), ssm: new FakeSsm(name) };
}

function objects(yaml: string, regions: Region[]): MountObject[] {
  return parseMountObjects(yaml, {
    regions: regions.map((r) => r.name),
    pathTranslation: "",
  });
}

function fetch(list: MountObject[], regions: Region[], options: Partial<FetchOptions> = {}) {
  return fetchObjects(list, regions, { concurrency: 4, batch: batchPermission(), ...options });
}

/** Each fetched object as `file=content@version from region` (+ jmesPath values). */
async function fetched(list: MountObject[], regions: Region[], options?: Partial<FetchOptions>) {
  return (await fetch(list, regions, options)).map((
    { object, bytes, version, regionIndex, jmesValues },
  ) =>
    [
      `${object.fileName}=${decoder.decode(bytes)}@${version} from ${regions[regionIndex].name}`,
      ...jmesValues.map((value) => decoder.decode(value)),
    ].join(" | ")
  );
}

async function failure(list: MountObject[], regions: Region[], options?: Partial<FetchOptions>) {
  try {
    await fetch(list, regions, options);
  } catch (error) {
    assert.ok(
      error instanceof FetchError || error instanceof FetchCancelledError ||
        error instanceof LimitError,
    );
    return `${error.name}: ${error.message}`;
  }
  assert.fail("fetchObjects did not fail");
}

const DB = "- {objectName: db, objectType: secretsmanager}";
const PARAM = "- {objectName: /app/param, objectType: ssmparameter}";

Deno.test("objects come back in list order with content, version and region", async () => {
  const east = region("us-east-1");
  east.secretsManager.put("db", { AWSCURRENT: "v-db" }, '{"user":"admin"}');
  east.secretsManager.put("api", { AWSCURRENT: "v-api" }, "key");
  east.ssm.put("/app/param", ["p1", "p2"]);
  const list = objects(
    `
- {objectName: /app/param, objectType: ssmparameter}
- objectName: db
  objectType: secretsmanager
  jmesPath: [{path: user, objectAlias: db-user}]
- {objectName: api, objectType: secretsmanager}
`,
    [east],
  );
  assert.deepEqual(await fetched(list, [east]), [
    "_app_param=p2@2 from us-east-1",
    'db={"user":"admin"}@v-db from us-east-1 | admin',
    "api=key@v-api from us-east-1",
  ]);
});

Deno.test("no objects means no calls and no values", async () => {
  const east = region("us-east-1");
  assert.deepEqual(await fetch([], [east]), []);
  assert.deepEqual([east.secretsManager.calls, east.ssm.calls], [[], []]);
});

Deno.test("both regions are asked even when the primary answers", async () => {
  const east = region("us-east-1");
  const west = region("us-west-2");
  for (const r of [east, west]) {
    r.secretsManager.put("db", { AWSCURRENT: "v1" }, "x");
    r.ssm.put("/app/param", ["y"]);
  }
  await fetch(objects(`${DB}\n${PARAM}`, [east, west]), [east, west]);
  for (const r of [east, west]) {
    assert.deepEqual(r.secretsManager.calls, ["BatchGetSecretValue db"]);
    assert.deepEqual(r.ssm.calls, ["GetParameters /app/param"]);
  }
});

Deno.test("both regions are asked in parallel", async () => {
  const east = region("us-east-1");
  const west = region("us-west-2");
  for (const r of [east, west]) {
    r.secretsManager.put("db", { AWSCURRENT: "v1" }, "x");
    r.secretsManager.delayMs = 300;
  }
  const started = performance.now();
  await fetch(objects(DB, [east, west]), [east, west]);
  // One after the other takes 600 ms at least; the margin is for a busy machine.
  assert.ok(performance.now() - started < 550, "regions were asked one after the other");
});

Deno.test("when both regions answer, content and version both come from the primary", async () => {
  const east = region("us-east-1");
  const west = region("us-west-2");
  east.secretsManager.put("db", { AWSCURRENT: "east-version" }, "east-value");
  west.secretsManager.put("db", { AWSCURRENT: "west-version" }, "west-value");
  east.ssm.put("/app/param", ["e1", "e2", "e3"]);
  west.ssm.put("/app/param", ["w1"]);
  assert.deepEqual(await fetched(objects(`${DB}\n${PARAM}`, [east, west]), [east, west]), [
    "db=east-value@east-version from us-east-1",
    "_app_param=e3@3 from us-east-1",
  ]);
});

Deno.test("a non-fatal primary failure is covered by the failover region's value and version", async () => {
  const east = region("us-east-1");
  const west = region("us-west-2");
  east.secretsManager.batchFailure = awsFailure("ThrottlingException", { status: 400 });
  west.secretsManager.put("db", { AWSCURRENT: "west-version" }, "west-value");
  east.ssm.failure = awsFailure("InternalServerError");
  west.ssm.put("/app/param", ["w1", "w2"]);
  assert.deepEqual(await fetched(objects(`${DB}\n${PARAM}`, [east, west]), [east, west]), [
    "db=west-value@west-version from us-west-2",
    "_app_param=w2@2 from us-west-2",
  ]);
});

Deno.test("a fatal failure in the failover region fails the mount although the primary answered", async () => {
  const east = region("us-east-1");
  const west = region("us-west-2");
  east.secretsManager.put("db", { AWSCURRENT: "v1" }, "east-value");
  assert.equal(
    await failure(objects(DB, [east, west]), [east, west]),
    "FetchError: us-west-2: Failed fetching secret db: operation error Secrets Manager: " +
      "GetSecretValue, https response error StatusCode: 400, RequestID: req-1, " +
      "ResourceNotFoundException: Secrets Manager can't find the specified secret. (db)",
  );
});

Deno.test("invalid parameters in the failover region fail the mount with the exact text", async () => {
  const east = region("us-east-1");
  const west = region("us-west-2");
  east.ssm.put("/app/param", ["e1"]);
  east.ssm.put("/app/other", ["e1"]);
  assert.equal(
    await failure(
      objects(`${PARAM}\n- {objectName: /app/other, objectType: ssmparameter}`, [east, west]),
      [east, west],
    ),
    "FetchError: 400: us-west-2: invalid parameters: /app/param, /app/other",
  );
});

Deno.test("a fatal primary failure fails the mount even if the failover region answers", async () => {
  const east = region("us-east-1");
  const west = region("us-west-2");
  west.ssm.put("/app/param", ["w1"]);
  assert.equal(
    await failure(objects(PARAM, [east, west]), [east, west]),
    "FetchError: 400: us-east-1: invalid parameters: /app/param",
  );
});

Deno.test("when no region answers a secret, the message names it and each region's answer", async () => {
  const east = region("us-east-1");
  const west = region("us-west-2");
  east.secretsManager.batchFailure = awsFailure("ThrottlingException", {
    status: 400,
    message: "Rate exceeded",
  });
  west.secretsManager.batchFailure = awsFailure("InternalServiceError", { message: "oops" });
  assert.equal(
    await failure(objects(DB, [east, west]), [east, west]),
    "FetchError: Failed to fetch secret from all regions. Verify secret exists and required " +
      "permissions are granted for: db (us-east-1: ThrottlingException: Rate exceeded; " +
      "us-west-2: InternalServiceError: oops)",
  );
});

Deno.test("a single region's non-fatal failure gives the all-regions message for parameters", async () => {
  const east = region("us-east-1");
  east.ssm.failure = awsFailure("AccessDeniedException", { status: 400, message: "denied" });
  assert.equal(
    await failure(objects(PARAM, [east]), [east]),
    "FetchError: Failed to fetch parameters from all regions. (us-east-1: AccessDeniedException: denied)",
  );
});

Deno.test("a jmesPath error fails that region non-fatally, so the failover region's value is used", async () => {
  const east = region("us-east-1");
  const west = region("us-west-2");
  east.secretsManager.put("db", { AWSCURRENT: "v-east" }, "not json");
  west.secretsManager.put("db", { AWSCURRENT: "v-west" }, '{"user":"west-admin"}');
  const list = objects(
    "- {objectName: db, objectType: secretsmanager, jmesPath: [{path: user, objectAlias: u}]}",
    [east, west],
  );
  assert.deepEqual(await fetched(list, [east, west]), [
    'db={"user":"west-admin"}@v-west from us-west-2 | west-admin',
  ]);
});

Deno.test("jmesPath errors in every region give the all-regions message with the Go texts", async () => {
  const east = region("us-east-1");
  east.ssm.put("/app/param", ['{"port": 5432}']);
  const list = objects(
    "- {objectName: /app/param, objectType: ssmparameter, jmesPath: [{path: port, objectAlias: p}]}",
    [east],
  );
  assert.equal(
    await failure(list, [east]),
    "FetchError: Failed to fetch parameters from all regions. (us-east-1: JmesPathError: " +
      "Invalid JMES search result type for path:port. Only string is allowed.)",
  );
});

Deno.test("the first object in list order with a fatal failure decides the error", async () => {
  const east = region("us-east-1");
  const list = objects(
    `
- {objectName: missing-param, objectType: ssmparameter}
- {objectName: missing-secret, objectType: secretsmanager}
`,
    [east],
  );
  assert.equal(
    await failure(list, [east]),
    "FetchError: 400: us-east-1: invalid parameters: missing-param",
  );
  const reversed = objects(
    `
- {objectName: missing-secret, objectType: secretsmanager}
- {objectName: missing-param, objectType: ssmparameter}
`,
    [east],
  );
  assert.match(
    await failure(reversed, [east]),
    /^FetchError: us-east-1: Failed fetching secret missing-secret: /,
  );
});

Deno.test("a mount whose signal aborted fails as cancelled", async () => {
  const east = region("us-east-1");
  east.secretsManager.put("db", { AWSCURRENT: "v1" }, "x");
  const controller = new AbortController();
  controller.abort();
  assert.equal(
    await failure(objects(DB, [east]), [east], { signal: controller.signal }),
    "FetchCancelledError: mount cancelled: the request's deadline passed",
  );
});

Deno.test("a region that hangs counts as failed before the deadline, so the other one answers", async () => {
  const east = region("us-east-1");
  const west = region("us-west-2");
  east.secretsManager.hang = true;
  west.secretsManager.put("db", { AWSCURRENT: "v-west" }, "west-value");
  const started = Date.now();
  const deadline = started + 1_000;
  assert.deepEqual(await fetched(objects(DB, [east, west]), [east, west], { deadline }), [
    "db=west-value@v-west from us-west-2",
  ]);
  // The region budget ends 20% (at most 2 s) before the deadline: 200 ms here.
  assert.ok(Date.now() < deadline, "fetchObjects answered after the deadline");
});

Deno.test("SSM batches of one region respect the concurrency bound", async () => {
  const east = region("us-east-1");
  east.ssm.delayMs = 5;
  const names = Array.from({ length: 35 }, (_, i) => `p${i}`);
  for (const name of names) east.ssm.put(name, [name]);
  const list = objects(
    names.map((name) => `- {objectName: ${name}, objectType: ssmparameter}`).join("\n"),
    [east],
  );
  const result = await fetch(list, [east], { concurrency: 2 });
  assert.equal(result.length, 35);
  assert.deepEqual(east.ssm.calls.map((call) => call.split(",").length), [10, 10, 10, 5]);
  assert.equal(east.ssm.maxInFlight, 2);
});

Deno.test("all jmesPath work of a mount shares one budget: many cheap expressions cannot add up", async () => {
  const east = region("us-east-1");
  const list = Array.from({ length: 50 }, (_, i) => {
    east.secretsManager.put(`s${i}`, { AWSCURRENT: "v1" }, JSON.stringify({ k: `value-${i}` }));
    return `- {objectName: s${i}, objectType: secretsmanager, jmesPath: [{path: k, objectAlias: k${i}}]}`;
  }).join("\n");
  const parsed = objects(list, [east]);
  // Plenty for all of them.
  assert.equal((await fetch(parsed, [east])).length, 50);
  // Far too little for fifty.
  const message = await failure(parsed, [east], {
    limits: mountLimits({ mountJmesPathWork: 200 }),
  });
  assert.match(
    message,
    /^FetchError: Failed to fetch secret from all regions\..* \(us-east-1: JmesPathError: the jmesPath expressions of this mount together needed more evaluation steps than allowed; the limit is 200 steps \(provider flag --max-mount-jmes-path-work\)\)$/,
  );
});

Deno.test("extracting many objects gives the event loop turns", async () => {
  const east = region("us-east-1");
  // 60 × 100 KB: several slices of work on any machine.
  const big = JSON.stringify({ k: "v", pad: "x".repeat(100_000) });
  const list = Array.from({ length: 60 }, (_, i) => {
    east.secretsManager.put(`s${i}`, { AWSCURRENT: "v1" }, big);
    return `- {objectName: s${i}, objectType: secretsmanager, jmesPath: [{path: "to_string(@)", objectAlias: k${i}}]}`;
  }).join("\n");
  const parsed = objects(list, [east]);
  const counter = countTurns();
  const started = performance.now();
  await fetch(parsed, [east], {
    limits: mountLimits({ mountJmesPathWork: 100_000_000, mountBytes: 64 * 1024 * 1024 }),
  });
  const elapsed = performance.now() - started;
  counter.stop();
  // Each object decodes and re-encodes 100 KB; without the pauses between
  // objects no timer could run until all sixty were done (at most one turn).
  // With them the loop turns every slice (10 ms): at least one per 40 ms of
  // work, however fast or loaded the machine.
  assert.ok(
    counter.turns >= Math.max(3, Math.floor(elapsed / 40)),
    `${counter.turns} turns in ${elapsed.toFixed(0)} ms`,
  );
});

Deno.test("decoding large values gives the event loop a turn before the first and after each", async () => {
  const east = region("us-east-1");
  // Six values of 1,024,000 base64 characters (under --max-value-bytes):
  // about 8 ms of decoding each here.
  const encoded = btoa(String.fromCharCode(...new Uint8Array(768).fill(7))).repeat(1_000);
  const list = Array.from({ length: 6 }, (_, i) => {
    east.secretsManager.put(`b${i}`, { AWSCURRENT: "v1" }, encoded);
    return `- {objectName: b${i}, objectType: secretsmanager, objectEncoding: base64}`;
  }).join("\n");
  const parsed = objects(list, [east]);
  const counter = countTurns();
  const fetched = await fetch(parsed, [east], {
    limits: mountLimits({ mountBytes: 64 * 1024 * 1024 }),
  });
  counter.stop();
  assert.equal(fetched.length, 6);
  assert.equal(fetched[0].bytes.length, 768_000);
  // A slice of 2 ms ends after every value of this size, and decoding starts
  // on a turn of its own: the fetch's turns plus at least six.
  assert.ok(counter.turns >= 6, `${counter.turns} turns`);
});
