// Whole mounts (runMount over in-memory stores) with the features that are
// ours: selectors (limits before any call, collisions, the answer and the
// mount holding only what matches now), objectEncoding errors, and the
// assumeRole parameters reaching the identity.
import assert from "node:assert/strict";
import { batchPermission } from "../../test/fakes/mod.ts";
import { FilterSecretsManager, PathSsm } from "../fetch/_test_selector_stores.ts";
import { removeOtherFiles, writeFilesAtomically } from "../files/mod.ts";
import type { IdentityRequest, MountIdentity } from "../identity/mod.ts";
import { mountLimits } from "../limits/mod.ts";
import { createLogger } from "../log/mod.ts";
import { MountError } from "./mount_error.ts";
import { type MountDependencies, type MountResult, runMount } from "./mount_pipeline.ts";
import type { RawMountRequest } from "./mount_request.ts";

const POD = { namespace: "shop", name: "api-7d9f8", uid: "pod-uid", serviceAccount: "sa" };
const TOKENS = JSON.stringify({
  "sts.amazonaws.com": { token: "sts-jwt-7f3a", expirationTimestamp: "2030-01-01T00:00:00Z" },
});
const decoder = new TextDecoder();

function world(options: { driverWritesSecrets?: boolean; targetPath?: string } = {}) {
  const east = {
    secretsManager: new FilterSecretsManager("us-east-1"),
    ssm: new PathSsm("us-east-1"),
  };
  const identities: IdentityRequest[] = [];
  const dependencies: MountDependencies = {
    driverWritesSecrets: options.driverWritesSecrets ?? false,
    lookupRegion: () => Promise.resolve("us-east-1"),
    resolveIdentity: (request) => {
      identities.push(request);
      const identity: MountIdentity = {
        principal: "irsa:arn:aws:iam::123456789012:role/app",
        key: "k",
        credentials: () => () => Promise.reject(new Error("in-memory stores need none")),
      };
      return Promise.resolve(identity);
    },
    stores: () => east,
    batchPermission: () => batchPermission(),
    writeFiles: (targetPath, files) => writeFilesAtomically(targetPath, files),
    removeOtherFiles: async (targetPath, keep) => {
      await removeOtherFiles(targetPath, keep);
    },
    concurrency: 4,
    maxResponseBytes: 4 * 1024 * 1024,
    logger: createLogger({ write: () => {} }),
  };
  return { east, identities, dependencies };
}

function request(
  targetPath: string,
  parameters: Record<string, string>,
  currentObjectVersion: { id: string; version: string }[] = [],
): RawMountRequest {
  return {
    attributes: JSON.stringify({
      region: "us-east-1",
      ...parameters,
      "csi.storage.k8s.io/pod.namespace": POD.namespace,
      "csi.storage.k8s.io/pod.name": POD.name,
      "csi.storage.k8s.io/pod.uid": POD.uid,
      "csi.storage.k8s.io/serviceAccount.name": POD.serviceAccount,
      "csi.storage.k8s.io/serviceAccount.tokens": TOKENS,
    }),
    secrets: "null",
    targetPath,
    permission: "420",
    currentObjectVersion,
  };
}

async function mount(
  dependencies: MountDependencies,
  raw: RawMountRequest,
): Promise<MountResult | MountError> {
  try {
    return await runMount(raw, dependencies, {});
  } catch (error) {
    assert.ok(error instanceof MountError);
    return error;
  }
}

async function files(root: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for await (const entry of Deno.readDir(root)) {
    if (entry.isFile) found[entry.name] = await Deno.readTextFile(`${root}/${entry.name}`);
  }
  return found;
}

Deno.test("provider writes: a re-mount removes the files of matches that are gone, and only with a selector", async () => {
  const target = await Deno.makeTempDir({ prefix: "selection-" });
  const { east, dependencies } = world();
  east.ssm.parameters.set("/app/a", "A1");
  east.ssm.parameters.set("/app/b", "B1");
  east.secretsManager.put("listed", { AWSCURRENT: "v1" }, "L");
  const objects = "- {objectName: listed, objectType: secretsmanager}\n- {path: /app}";
  const first = await mount(dependencies, request(target, { objects }));
  assert.ok(!(first instanceof MountError), String(first));
  assert.deepEqual(first.versions, [
    { id: "listed", version: "v1" },
    { id: "_app_a", version: "3" },
    { id: "_app_b", version: "3" },
  ]);
  assert.deepEqual(await files(target), { listed: "L", _app_a: "A1", _app_b: "B1" });
  east.ssm.parameters.delete("/app/b");
  east.ssm.parameters.set("/app/a", "A2");
  await mount(dependencies, request(target, { objects }));
  assert.deepEqual(await files(target), { listed: "L", _app_a: "A2" });

  // Without a selector nothing is ever removed (the Go provider's behaviour).
  await mount(
    dependencies,
    request(target, {
      objects: "- {objectName: listed, objectType: secretsmanager, objectAlias: other}",
    }),
  );
  assert.deepEqual(await files(target), { listed: "L", _app_a: "A2", other: "L" });
  await Deno.remove(target, { recursive: true });
});

Deno.test("driver writes: the answer holds only current matches, and no stale version is echoed", async () => {
  const { east, dependencies } = world({ driverWritesSecrets: true });
  east.ssm.parameters.set("/app/a", "A");
  const stale = [{ id: "_app_gone", version: "1" }];
  const selected = await mount(dependencies, request("/t", { objects: "- {path: /app}" }, stale));
  assert.ok(!(selected instanceof MountError));
  assert.deepEqual(selected.files.map((file) => file.path), ["_app_a"]);
  assert.deepEqual(selected.versions, [{ id: "_app_a", version: "3" }]);
  east.secretsManager.put("listed", { AWSCURRENT: "v1" }, "L");
  const listed = await mount(
    dependencies,
    request("/t", { objects: "- {objectName: listed, objectType: secretsmanager}" }, stale),
  );
  assert.ok(!(listed instanceof MountError));
  assert.deepEqual(
    listed.versions,
    [{ id: "listed", version: "v1" }, ...stale],
    "as the Go provider",
  );
});

Deno.test("a match colliding with a listed object's file fails naming both", async () => {
  const { east, dependencies } = world({ driverWritesSecrets: true });
  east.secretsManager.put("prod/db", { AWSCURRENT: "v1" }, "listed");
  east.secretsManager.tagged.set("prod/db", { value: "matched", tags: {} });
  const error = await mount(
    dependencies,
    request("/t", {
      objects: "- {objectName: prod/db, objectType: secretsmanager}\n- {namePrefix: prod/}",
    }),
  );
  assert.ok(error instanceof MountError);
  assert.equal(error.code, "InvalidObjects");
  assert.equal(
    error.message,
    'object prod/db and secret prod/db selected by namePrefix prod/ would both be written to the file "prod_db"',
  );
});

Deno.test("too many selectors fail before any AWS call; listed and selected objects share the objects limit", async () => {
  const { east, dependencies } = world({ driverWritesSecrets: true });
  dependencies.limits = mountLimits({ selectors: 2, objects: 3 });
  const error = await mount(
    dependencies,
    request("/t", { objects: "- {path: /a}\n- {path: /b}\n- {namePrefix: c}" }),
  );
  assert.ok(error instanceof MountError);
  assert.equal(
    error.message,
    "the SecretProviderClass has 3 selectors (path, namePrefix, tags); the limit is 2 selectors (provider flag --max-selectors)",
  );
  assert.equal(east.ssm.pages, 0);
  for (const name of ["/a/1", "/a/2", "/a/3", "/a/4"]) east.ssm.parameters.set(name, "x");
  const over = await mount(dependencies, request("/t", { objects: "- {path: /a}" }));
  assert.ok(over instanceof MountError);
  assert.equal(over.code, "LimitExceeded");
  assert.match(
    over.message,
    /^the SecretProviderClass lists and selects 4 objects; the limit is 3 objects/,
  );
});

Deno.test("a value that does not decode fails the mount with code FetchError, without the value", async () => {
  const { east, dependencies } = world({ driverWritesSecrets: true });
  east.secretsManager.put("ks", { AWSCURRENT: "v1" }, "S3cr3t~not*base64");
  const error = await mount(
    dependencies,
    request("/t", {
      objects: "- {objectName: ks, objectType: secretsmanager, objectEncoding: base64}",
    }),
  );
  assert.ok(error instanceof MountError);
  assert.equal(error.code, "FetchError");
  assert.ok(!error.message.includes("S3cr3t"));
  assert.match(error.message, /^the value of object ks is not valid base64/);
  east.secretsManager.put("ok", { AWSCURRENT: "v1" }, btoa("\x00\xffok"));
  const decoded = await mount(
    dependencies,
    request("/t", {
      objects: "- {objectName: ok, objectType: secretsmanager, objectEncoding: base64}",
    }),
  );
  assert.ok(!(decoded instanceof MountError));
  assert.deepEqual([...decoded.files[0].contents], [0, 255, 111, 107]);
  assert.equal(decoder.decode(decoded.files[0].contents.slice(2)), "ok");
});

Deno.test("assumeRole parameters reach the identity; invalid ones fail before any lookup", async () => {
  const { east, identities, dependencies } = world({ driverWritesSecrets: true });
  east.secretsManager.put("x", { AWSCURRENT: "v1" }, "X");
  const role = "arn:aws:iam::444455556666:role/shared";
  const ok = await mount(
    dependencies,
    request("/t", {
      objects: "- {objectName: x, objectType: secretsmanager}",
      assumeRoleArn: role,
      assumeRoleExternalId: "ext-1",
    }),
  );
  assert.ok(!(ok instanceof MountError), String(ok));
  assert.deepEqual(identities.at(-1)?.assumeRole, {
    roleArn: role,
    externalId: "ext-1",
    durationSeconds: 900,
    sessionName: "shop.api-7d9f8",
  });
  const before = identities.length;
  const bad = await mount(
    dependencies,
    request("/t", {
      objects: "- {objectName: x}",
      assumeRoleArn: role,
      assumeRoleDurationSeconds: "60",
    }),
  );
  assert.ok(bad instanceof MountError);
  assert.equal(bad.code, "InvalidRequest");
  assert.equal(identities.length, before);
  await mount(
    dependencies,
    request("/t", { objects: "- {objectName: x, objectType: secretsmanager}" }),
  );
  assert.equal(identities.at(-1)?.assumeRole, undefined);
});
