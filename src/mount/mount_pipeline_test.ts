import assert from "node:assert/strict";
import { countTurns } from "../../test/fakes/mod.ts";
import { DEFAULT_POD, driverAttributes } from "../../devstack/mod.ts";
import {
  awsFailure,
  batchPermission,
  FakeKube,
  FakeSecretsManager,
  FakeSsm,
  inMemoryIdentity,
} from "../../test/fakes/mod.ts";
import { type MountFile, WriteError } from "../files/mod.ts";
import { REGION_LABEL, ROLE_ARN_ANNOTATION } from "../identity/mod.ts";
import { createLogger } from "../log/mod.ts";
import { MountError } from "./mount_error.ts";
import { type MountDependencies, type MountSummary, runMount } from "./mount_pipeline.ts";
import type { RawMountRequest } from "./mount_request.ts";
import { mountLimits } from "../limits/mod.ts";
import { ObjectsCache } from "../config/mod.ts";

const MAX_OBJECTS = mountLimits().objects.max;
const MAX_VALUE_BYTES = mountLimits().valueBytes.max;

const TARGET = "/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/secrets/mount";
const ROLE = "arn:aws:iam::123456789012:role/app";
const REGIONS = ["us-east-1", "us-west-2"];
const POD = DEFAULT_POD;
const DB_OBJECT = '- objectName: "app/db"\n  objectType: "secretsmanager"\n';
/** An objects list with a problem of its own. */
const BAD_OBJECTS = '- objectType: "secretsmanager"\n';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * In-memory dependencies: a Kubernetes API that knows the default pod, its
 * service account (with a role) and its node (in us-east-1), the real
 * lookups and identity resolver over it, and empty stores in two regions.
 */
function world(options: { driverWritesSecrets?: boolean; maxResponseBytes?: number } = {}) {
  const kube = new FakeKube();
  kube.serviceAccounts.set(`${POD.namespace}/${POD.serviceAccount}`, {
    [ROLE_ARN_ANNOTATION]: ROLE,
  });
  kube.pods.set(`${POD.namespace}/${POD.name}`, "node-1");
  kube.nodes.set("node-1", { [REGION_LABEL]: "us-east-1" });
  const stores = new Map(REGIONS.map((region) => [region, {
    secretsManager: new FakeSecretsManager(region),
    ssm: new FakeSsm(region),
  }]));
  const writes: { targetPath: string; files: MountFile[] }[] = [];
  const logger = createLogger({ write: () => {} });
  const { lookups, resolver } = inMemoryIdentity(kube, logger);
  const dependencies: MountDependencies = {
    driverWritesSecrets: options.driverWritesSecrets ?? false,
    lookupRegion: (pod, context) => lookups.region(pod, context),
    resolveIdentity: (request) => resolver.resolve(request),
    stores: (region) => stores.get(region)!,
    batchPermission: () => batchPermission(),
    writeFiles: (targetPath, files) => {
      writes.push({ targetPath, files });
      return Promise.resolve();
    },
    concurrency: 4,
    maxResponseBytes: options.maxResponseBytes ?? 4 * 1024 * 1024,
    logger,
  };
  const east = stores.get("us-east-1")!;
  const west = stores.get("us-west-2")!;
  /** Every call made to a store, in either region. */
  const storeCalls = () =>
    [...stores.values()].flatMap((store) => [...store.secretsManager.calls, ...store.ssm.calls]);
  return { kube, east, west, writes, dependencies, storeCalls };
}

/** A request as driver v1.6 sends it for the default pod (tokens included unless `tokens: null`). */
function request(
  parameters: Record<string, string>,
  overrides: Partial<RawMountRequest> & { tokens?: null } = {},
): RawMountRequest {
  const { tokens, ...rest } = overrides;
  return {
    attributes: driverAttributes({ parameters, targetPath: TARGET, tokens }),
    secrets: "null",
    targetPath: TARGET,
    permission: "420",
    currentObjectVersion: [],
    ...rest,
  };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MountError, `expected a MountError, got ${error}`);
    return { code: error.code, message: error.message };
  }
  assert.fail("the mount did not fail");
}

/** An objects list of `count` Secrets Manager objects `s0`, `s1`, ... */
function manyObjects(count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `- objectName: s${i}\n  objectType: secretsmanager\n`,
  )
    .join("");
}

Deno.test("a decoding error comes first, before region, identity and objects are looked at", async () => {
  const { kube, dependencies } = world();
  kube.pods.clear();
  kube.serviceAccounts.clear();
  const outcome = await failure(
    runMount(request({ objects: BAD_OBJECTS }, { permission: "abc" }), dependencies, {}),
  );
  assert.deepEqual(outcome, {
    code: "InvalidRequest",
    message: "failed to unmarshal file permission, error: invalid JSON",
  });
  assert.deepEqual(kube.calls, []);
});

Deno.test("a missing token is reported before the region is looked up", async () => {
  const { kube, dependencies } = world();
  kube.pods.clear();
  const outcome = await failure(
    runMount(request({ objects: BAD_OBJECTS }, { tokens: null }), dependencies, {}),
  );
  assert.deepEqual(outcome, {
    code: "TokenError",
    message:
      "CSI token error: serviceAccount.tokens not provided - ensure tokenRequests is configured in CSIDriver - ensure tokenRequests is configured in CSIDriver spec",
  });
  assert.deepEqual(kube.calls, []);
});

Deno.test("a region error comes before identity and object errors", async () => {
  const { kube, dependencies } = world();
  kube.pods.clear();
  kube.serviceAccounts.clear();
  const outcome = await failure(runMount(request({ objects: BAD_OBJECTS }), dependencies, {}));
  assert.deepEqual(outcome, {
    code: "RegionError",
    message: `failed to retrieve region from node. error pods "${POD.name}" not found`,
  });
  assert.deepEqual(kube.calls, [`pods ${POD.namespace}/${POD.name}`]);
});

Deno.test("a failover region equal to the primary is a region error before identity", async () => {
  const { kube, dependencies } = world();
  kube.serviceAccounts.clear();
  const outcome = await failure(
    runMount(
      request({ region: "us-east-1", failoverRegion: "us-east-1", objects: BAD_OBJECTS }),
      dependencies,
      {},
    ),
  );
  assert.deepEqual(outcome, {
    code: "RegionError",
    message: "us-east-1: failover region cannot be the same as the primary region",
  });
  assert.deepEqual(kube.calls, []);
});

Deno.test("an unparsable usePodIdentity comes after the region and before identity", async () => {
  const { kube, dependencies } = world();
  kube.serviceAccounts.clear();
  const outcome = await failure(
    runMount(request({ usePodIdentity: "yes", objects: BAD_OBJECTS }), dependencies, {}),
  );
  assert.deepEqual(outcome, {
    code: "InvalidRequest",
    message:
      'failed to parse usePodIdentity value, error: strconv.ParseBool: parsing "yes": invalid syntax',
  });
  assert.deepEqual(kube.calls, [`pods ${POD.namespace}/${POD.name}`, "nodes node-1"]);
});

Deno.test("an identity error comes before object errors", async () => {
  const { kube, dependencies } = world();
  kube.serviceAccounts.clear();
  const outcome = await failure(
    runMount(request({ region: "us-east-1", objects: BAD_OBJECTS }), dependencies, {}),
  );
  assert.deepEqual(outcome, {
    code: "CredentialError",
    message:
      `failed to get service account ${POD.namespace}/${POD.serviceAccount}: serviceaccounts "${POD.serviceAccount}" not found`,
  });
});

Deno.test("objects are checked only once identity is resolved, and nothing is fetched when they are bad", async () => {
  const { kube, dependencies, storeCalls } = world();
  const outcome = await failure(
    runMount(request({ region: "us-east-1", objects: BAD_OBJECTS }), dependencies, {}),
  );
  assert.deepEqual(outcome, { code: "InvalidObjects", message: "Object name must be specified" });
  assert.deepEqual(kube.calls, [`serviceaccounts ${POD.namespace}/${POD.serviceAccount}`]);
  assert.deepEqual(storeCalls(), []);
});

Deno.test("an empty objects list is an error instead of an answer the driver rejects", async () => {
  const { dependencies } = world();
  const outcome = await failure(
    runMount(request({ region: "us-east-1", objects: "[]" }), dependencies, {}),
  );
  assert.deepEqual(outcome, {
    code: "InvalidObjects",
    message: "no objects to mount: the objects parameter of the SecretProviderClass lists none",
  });
});

Deno.test(`more than ${MAX_OBJECTS} objects fail before anything is fetched`, async () => {
  const { dependencies, storeCalls } = world();
  const outcome = await failure(
    runMount(
      request({ region: "us-east-1", objects: manyObjects(MAX_OBJECTS + 1) }),
      dependencies,
      {},
    ),
  );
  assert.deepEqual(outcome, {
    code: "LimitExceeded",
    message:
      "the SecretProviderClass lists 1001 objects; the limit is 1000 objects (provider flag --max-objects)",
  });
  assert.deepEqual(storeCalls(), []);
});

Deno.test(`exactly ${MAX_OBJECTS} objects are mounted`, async () => {
  const { dependencies, east, writes } = world();
  for (let i = 0; i < MAX_OBJECTS; i++) east.secretsManager.put(`s${i}`, { AWSCURRENT: "v1" }, "x");
  const result = await runMount(
    request({ region: "us-east-1", objects: manyObjects(MAX_OBJECTS) }),
    dependencies,
    {},
  );
  assert.equal(result.versions.length, MAX_OBJECTS);
  assert.equal(writes[0].files.length, MAX_OBJECTS);
});

Deno.test("a value larger than 1 MiB fails with LimitExceeded naming the object and the flag, and nothing is written", async () => {
  const { dependencies, east, writes } = world();
  east.secretsManager.put("app/db", { AWSCURRENT: "v1" }, new Uint8Array(MAX_VALUE_BYTES + 1));
  const outcome = await failure(
    runMount(request({ region: "us-east-1", objects: DB_OBJECT }), dependencies, {}),
  );
  assert.deepEqual(outcome, {
    code: "LimitExceeded",
    message:
      "the value of app/db is 1048577 bytes; the limit is 1048576 bytes (provider flag --max-value-bytes)",
  });
  assert.deepEqual(writes, []);
});

Deno.test("a value of exactly 1 MiB is mounted", async () => {
  const { dependencies, east, writes } = world();
  east.secretsManager.put("app/db", { AWSCURRENT: "v1" }, new Uint8Array(MAX_VALUE_BYTES));
  await runMount(request({ region: "us-east-1", objects: DB_OBJECT }), dependencies, {});
  assert.equal(writes[0].files[0].contents.length, MAX_VALUE_BYTES);
});

Deno.test("in driver-writes mode an answer above maxResponseBytes fails naming both flags", async () => {
  const { dependencies, east } = world({ driverWritesSecrets: true, maxResponseBytes: 1_000 });
  east.secretsManager.put("app/db", { AWSCURRENT: "v1" }, "x".repeat(2_000));
  const outcome = await failure(
    runMount(request({ region: "us-east-1", objects: DB_OBJECT }), dependencies, {}),
  );
  assert.equal(outcome.code, "LimitExceeded");
  assert.match(
    outcome.message,
    /^the mount's files and versions take \d+ bytes, more than the 1000 bytes the CSI driver accepts in one answer \(driver flag --max-call-recv-msg-size, provider flag --max-response-bytes\)$/,
  );
});

Deno.test("in driver-writes mode the files are returned and nothing is written", async () => {
  const { dependencies, east, writes } = world({ driverWritesSecrets: true });
  east.secretsManager.put("app/db", { AWSCURRENT: "v1" }, "pw");
  const result = await runMount(
    request({ region: "us-east-1", objects: DB_OBJECT }),
    dependencies,
    {},
  );
  assert.deepEqual(result.files, [{ path: "app_db", mode: 0o644, contents: encoder.encode("pw") }]);
  assert.deepEqual(result.versions, [{ id: "app_db", version: "v1" }]);
  assert.deepEqual(writes, []);
});

Deno.test("in provider-writes mode writeFiles gets the target path and the file layout", async () => {
  const { dependencies, east, writes } = world();
  east.secretsManager.put("app/db", { AWSCURRENT: "v1" }, '{"user":"admin"}');
  const objects = DB_OBJECT +
    '  filePermission: "0600"\n  jmesPath:\n    - path: user\n      objectAlias: db-user\n';
  const result = await runMount(
    request({ region: "us-east-1", objects }, { permission: "416" }),
    dependencies,
    {},
  );
  assert.deepEqual(
    writes.map(({ targetPath, files }) => ({
      targetPath,
      files: files.map(({ path, mode, contents }) => [path, mode, decoder.decode(contents)]),
    })),
    [{
      targetPath: TARGET,
      files: [["app_db", 0o600, '{"user":"admin"}'], ["db-user", 0o600, "admin"]],
    }],
  );
  assert.deepEqual(result.files, []);
  assert.deepEqual(result.versions, [
    { id: "app_db", version: "v1" },
    { id: "db-user", version: "v1" },
  ]);
});

Deno.test("a failed write is a WriteError with the writer's message", async () => {
  const { dependencies, east } = world();
  east.secretsManager.put("app/db", { AWSCURRENT: "v1" }, "pw");
  dependencies.writeFiles = () =>
    Promise.reject(new WriteError("open app_db: read-only file system"));
  const outcome = await failure(
    runMount(request({ region: "us-east-1", objects: DB_OBJECT }), dependencies, {}),
  );
  assert.deepEqual(outcome, {
    code: "WriteError",
    message: "open app_db: read-only file system",
  });
});

Deno.test("the summary holds what was known when the mount failed", async () => {
  const { kube, dependencies } = world();
  kube.serviceAccounts.clear();
  const summary: MountSummary = {};
  await failure(
    runMount(request({ failoverRegion: "us-west-2", objects: DB_OBJECT }), dependencies, {
      summary,
    }),
  );
  assert.deepEqual(summary, {
    pod: POD,
    secretProviderClass: "test-spc",
    regions: ["us-east-1", "us-west-2"],
  });
});

Deno.test("the summary of a successful mount names principal, objects and failovers", async () => {
  const { dependencies, east, west } = world();
  east.secretsManager.put("app/db", { AWSCURRENT: "v1" }, "east");
  west.secretsManager.put("app/db", { AWSCURRENT: "w1" }, "west");
  west.ssm.put("/app/flag", ["on"]);
  // The primary region cannot serve the parameter: the failover region does.
  east.ssm.failure = awsFailure("InternalServerError");
  const summary: MountSummary = {};
  const result = await runMount(
    request({
      region: "us-east-1",
      failoverRegion: "us-west-2",
      objects: DB_OBJECT + '- objectName: "/app/flag"\n  objectType: "ssmparameter"\n',
    }),
    dependencies,
    { summary },
  );
  assert.equal(result.summary, summary);
  assert.deepEqual(summary, {
    pod: POD,
    secretProviderClass: "test-spc",
    regions: ["us-east-1", "us-west-2"],
    principal: `irsa:${ROLE}`,
    objects: ["app/db", "/app/flag"],
    failovers: 1,
  });
});

Deno.test("with an objects cache, a class is parsed once for many mounts", async () => {
  const { dependencies, east } = world();
  east.secretsManager.put("app/db", { AWSCURRENT: "v1" }, "pw");
  const objectsCache = new ObjectsCache();
  for (let i = 0; i < 3; i++) {
    await runMount(request({ region: "us-east-1", objects: DB_OBJECT }), {
      ...dependencies,
      objectsCache,
    }, {});
  }
  assert.deepEqual(objectsCache.stats, { hits: 2, misses: 1 });
});

Deno.test("the values of one region over --max-mount-bytes stop the mount, and nothing is written", async () => {
  const { dependencies, east, writes } = world();
  for (let i = 0; i < 5; i++) {
    east.secretsManager.put(`s${i}`, { AWSCURRENT: "v1" }, "x".repeat(400));
  }
  const outcome = await failure(
    runMount(request({ region: "us-east-1", objects: manyObjects(5) }), {
      ...dependencies,
      limits: mountLimits({ mountBytes: 1_000 }),
    }, {}),
  );
  assert.deepEqual(outcome, {
    code: "LimitExceeded",
    message:
      "the values this mount fetched from us-east-1 come to more than 1000 bytes; the limit is 1000 bytes (provider flag --max-mount-bytes)",
  });
  assert.deepEqual(writes, []);
});

Deno.test("in provider-writes mode the target path is checked before the region is looked up", async () => {
  const { dependencies, kube, storeCalls } = world();
  const checked: string[] = [];
  const outcome = await failure(
    runMount(request({ objects: DB_OBJECT }), {
      ...dependencies,
      checkTargetPath: (targetPath) => {
        checked.push(targetPath);
        return Promise.reject(new Error("it goes through a symbolic link"));
      },
    }, {}),
  );
  assert.deepEqual(outcome, {
    code: "InvalidRequest",
    message: `invalid mount path ${JSON.stringify(TARGET)}: it goes through a symbolic link`,
  });
  assert.deepEqual(checked, [TARGET]);
  assert.deepEqual(kube.calls, []);
  assert.deepEqual(storeCalls(), []);
});

Deno.test("in driver-writes mode the target path is not the provider's business", async () => {
  const { dependencies, east } = world({ driverWritesSecrets: true });
  east.secretsManager.put("app/db", { AWSCURRENT: "v1" }, "pw");
  await runMount(request({ region: "us-east-1", objects: DB_OBJECT }), {
    ...dependencies,
    checkTargetPath: () => Promise.reject(new Error("must not be called")),
  }, {});
});

Deno.test("a file whose full path cannot be written fails before any AWS call", async () => {
  const { dependencies, storeCalls } = world();
  const deep = Array(16).fill("d".repeat(254)).join("/");
  const objects = `- {objectName: app/db, objectType: secretsmanager, objectAlias: "${deep}"}`;
  const outcome = await failure(
    runMount(request({ region: "us-east-1", objects, pathTranslation: "False" }), dependencies, {}),
  );
  assert.equal(outcome.code, "InvalidObjects");
  assert.match(
    outcome.message,
    /^file name "d{254}\/.*" of object app\/db cannot be written: its path in the mount would be \d+ bytes long; the system allows 4095$/,
  );
  assert.deepEqual(storeCalls(), []);
});

Deno.test("a large class gives the event loop turns while it is parsed", async () => {
  const { dependencies } = world();
  const objects = `- [${Array(120_000).fill("[]").join(",")}]`; // refused, but only after the parse
  const counter = countTurns();
  const started = performance.now();
  const outcome = await failure(
    runMount(request({ region: "us-east-1", objects }), {
      ...dependencies,
      limits: mountLimits({
        objectsNodes: 200_000,
        objectsBytes: 1_000_000,
        attributesBytes: 2_000_000,
      }),
    }, {}),
  );
  const ms = performance.now() - started;
  counter.stop();
  assert.equal(outcome.code, "InvalidObjects");
  // The parse yields once per 10 ms slice: at least one turn per 50 ms it took
  // and never fewer than two (a parse that never yields gets none). Slices run
  // long on a busy machine (gaps of 12–31 ms measured), hence the margin; a
  // fixed count failed on a fast machine, where the parse took two slices.
  assert.ok(ms > 30, `the parse took ${ms.toFixed(0)} ms, too short to span several slices`);
  assert.ok(
    counter.turns >= Math.max(2, Math.floor(ms / 50)),
    `${counter.turns} turns of the event loop while 120,000 nodes were parsed in ${
      ms.toFixed(0)
    } ms`,
  );
});
