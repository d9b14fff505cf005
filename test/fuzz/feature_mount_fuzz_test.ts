/**
 * Properties of the features that are ours (issue 12), over in-memory stores
 * of two regions that also answer the selector calls:
 *
 * 1. fetching (`fetchObjects`) classes with selectors and `objectEncoding`
 *    over stored values in every form (base64 padded, wrapped or unpadded,
 *    hex, broken, raw) with faults per region: it fails with one of the
 *    fetch layer's errors, or each selector's matches are exactly the
 *    chosen region's matching entries, and every value is the chosen
 *    region's stored value decoded by a reference decoder (a value the
 *    reference cannot decode never comes back);
 * 2. whole mounts (`runMount`, real files) of such classes with the
 *    `assumeRole…` parameters, in both write modes: a MountError or a
 *    mount whose files stay inside, pass the path rules, leave nothing
 *    outside changed, and (provider writes, with a selector) hold exactly the
 *    answer's files after a re-mount in a changed world; no gRPC status or
 *    log line holds a value or a token.
 */

import * as fc from "fast-check";
import assert from "node:assert/strict";
import { awsFailure, batchPermission, FakeKube } from "../fakes/mod.ts";
import type { AwsCredentials } from "../../src/aws/mod.ts";
import {
  filePathProblem,
  type MountObject,
  ObjectsError,
  parseMountObjects,
  type Selector,
} from "../../src/config/mod.ts";
import { FilterSecretsManager, PathSsm } from "../../src/fetch/_test_selector_stores.ts";
import {
  FetchCancelledError,
  type FetchedObject,
  FetchError,
  fetchObjects,
  ValueEncodingError,
} from "../../src/fetch/mod.ts";
import { removeOtherFiles, writeFilesAtomically } from "../../src/files/mod.ts";
import { IdentityResolver, KubeLookups, TokenBucket } from "../../src/identity/mod.ts";
import { LimitError } from "../../src/limits/mod.ts";
import { createLogger } from "../../src/log/mod.ts";
import {
  type MountDependencies,
  MountError,
  type MountResult,
  runMount,
} from "../../src/mount/mod.ts";
import { finishMount } from "../../src/server/mod.ts";
import { tokenValue } from "./arbitraries.ts";
import {
  assumeRoleParameters,
  type EncodedContent,
  encodedContent,
  encodedListedEntry,
  formsOf,
  objectEncoding,
  selectorEntry,
} from "./feature_arbitraries.ts";
import { checkProperty, timedAsync } from "./fuzz_settings.ts";
import { createFuzzTree, type FuzzTree, walkTree } from "./fuzz_tree.ts";

const REGIONS = ["us-east-1", "us-west-2"];

/** An entry of a store; `undefined` values are missing in that region. */
interface Entry {
  store: "ssmparameter" | "secretsmanager";
  name: string;
  tags: Record<string, string>;
  values: (EncodedContent | undefined)[];
}

const SSM_NAMES = ["/app/a", "/app/b", "/app/db/x", "/other/c", "/app/../up"];
const SECRET_NAMES = ["app/a", "app/db", "app/db/x", "prod/x", "a/../b"];
const LISTED = [...SSM_NAMES.slice(0, 3), ...SECRET_NAMES.slice(0, 3)];

type Fault = "none" | "throttle" | "server" | "fatal";

interface World {
  entries: Entry[];
  faults: Fault[];
  pageSize: number;
}

/** A world whose values are mostly stored in a form of `encoding`. */
function world(encoding: string): fc.Arbitrary<World> {
  const content = fc.option(encodedContent(formsOf(encoding)), { freq: 15, nil: undefined });
  const entry = (store: Entry["store"], name: string) =>
    fc.record({
      store: fc.constant(store),
      name: fc.constant(name),
      tags: fc.dictionary(fc.constantFrom("team", "env"), fc.constantFrom("payments", "prod", "x")),
      values: fc.tuple(content, content),
    });
  const fault = fc.oneof(
    { weight: 6, arbitrary: fc.constant<Fault>("none") },
    { weight: 2, arbitrary: fc.constantFrom<Fault>("throttle", "server", "fatal") },
  );
  return fc.record({
    entries: fc.tuple(
      ...SSM_NAMES.map((name) => entry("ssmparameter", name)),
      ...SECRET_NAMES.map((name) => entry("secretsmanager", name)),
    ).map((list): Entry[] => list),
    faults: fc.tuple(fault, fault).map((pair): Fault[] => pair),
    pageSize: fc.integer({ min: 1, max: 10 }),
  });
}

/** The stores of one region holding `world`, failing as its fault says. */
function regionStores(world: World, index: number) {
  const region = REGIONS[index];
  const secretsManager = new FilterSecretsManager(region);
  const ssm = new PathSsm(region);
  ssm.pageSize = world.pageSize;
  for (const entry of world.entries) {
    const value = entry.values[index];
    if (value === undefined) continue;
    if (entry.store === "ssmparameter") {
      ssm.parameters.set(entry.name, value.stored);
      ssm.put(entry.name, [value.stored]);
    } else {
      secretsManager.tagged.set(entry.name, { value: value.stored, tags: entry.tags });
      secretsManager.put(entry.name, { AWSCURRENT: "v-1" }, value.stored);
    }
  }
  const failure = {
    none: undefined,
    throttle: awsFailure("ThrottlingException", { status: 400, message: "Rate exceeded" }),
    server: awsFailure("InternalServiceError"),
    fatal: awsFailure("InvalidKeyId", { fatal: true }),
  }[world.faults[index]];
  if (failure !== undefined) {
    ssm.pathFailure = failure;
    ssm.failure = failure;
    secretsManager.filterFailure = failure;
    secretsManager.batchFailure = failure;
    for (const entry of world.entries) secretsManager.getFailures.set(entry.name, failure);
  }
  return { name: region, secretsManager, ssm };
}

/** The reference decoder: `atob` for base64, a regular expression for hex. */
function referenceDecode(text: string, encoding: string): Uint8Array | undefined {
  const bytes = new TextEncoder().encode(text);
  if (encoding === "utf-8") return bytes;
  const compact = text.replace(/[\r\n]/g, "");
  if (encoding === "hex") {
    if (!/^([0-9a-fA-F]{2})*$/.test(compact)) return undefined;
    return new Uint8Array(compact.match(/../g)?.map((pair) => parseInt(pair, 16)) ?? []);
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  const bare = compact.replace(/=+$/, "");
  if (compact.length !== bare.length && compact.length % 4 !== 0) return undefined;
  if (bare.length % 4 === 1) return undefined;
  try {
    return Uint8Array.from(
      atob(bare + "=".repeat((4 - (bare.length % 4)) % 4)),
      (c) => c.charCodeAt(0),
    );
  } catch {
    return undefined;
  }
}

/** Whether `entry` matches `selector` (Secrets Manager's and SSM's rules, as the stores apply them). */
function matches(selector: Selector, entry: Entry): boolean {
  if (selector.store !== entry.store) return false;
  if (selector.store === "ssmparameter") {
    const prefix = selector.path.replace(/\/?$/, "/");
    return entry.name.startsWith(prefix) &&
      (selector.recursive || !entry.name.slice(prefix.length).includes("/"));
  }
  return entry.name.startsWith(selector.namePrefix) &&
    selector.tags.every(([key, value]) =>
      Object.keys(entry.tags).some((k) => k.startsWith(key)) &&
      (value === "" || Object.values(entry.tags).some((v) => v.startsWith(value)))
    );
}

/** A class whose `objectEncoding` fields mostly say `encoding`. */
function classOf(encoding: string): fc.Arbitrary<string> {
  const encodings = fc.oneof(
    { weight: 5, arbitrary: fc.constant(encoding) },
    { weight: 1, arbitrary: objectEncoding() },
  );
  return fc.array(
    fc.oneof(
      selectorEntry(encodings),
      encodedListedEntry(LISTED, {
        encodings,
        typeOf: (name) => name.startsWith("/") ? "ssmparameter" : "secretsmanager",
      }),
    ),
    { minLength: 1, maxLength: 3 },
  ).map((entries) => entries.join("\n"));
}

/** The encoding most of a case's fields and values share. */
const ENCODING = fc.constantFrom("utf-8", "base64", "hex");

Deno.test("fetching selectors and encodings: exactly the chosen region's matches, decoded right, or a clean error", async () => {
  let fetched = 0;
  let runs = 0;
  await checkProperty(
    "selectors and encodings fetched",
    fc.asyncProperty(
      ENCODING.chain((encoding) => fc.tuple(world(encoding), classOf(encoding), fc.boolean())),
      async ([world, text, twoRegions]) => {
        runs++;
        const regions = twoRegions ? REGIONS : REGIONS.slice(0, 1);
        let objects: MountObject[];
        try {
          objects = parseMountObjects(text, { regions, pathTranslation: "" });
        } catch (error) {
          assert.ok(error instanceof ObjectsError || error instanceof LimitError);
          return;
        }
        const stores = regions.map((_, index) => regionStores(world, index));
        let result: FetchedObject[];
        try {
          result = await timedAsync(
            "fetchObjects",
            () => fetchObjects(objects, stores, { concurrency: 3, batch: batchPermission() }),
          );
        } catch (error) {
          assert.ok(
            error instanceof FetchError || error instanceof ValueEncodingError ||
              error instanceof LimitError || error instanceof FetchCancelledError,
            `${(error as Error)?.name}: ${(error as Error)?.message}`,
          );
          return;
        }
        fetched++;
        for (const selectorObject of objects.filter((object) => object.selector !== undefined)) {
          const mine = result.filter((item) => item.object.selectedBy === selectorObject);
          assert.ok(mine.length > 0, "an empty selection came back");
          const region = mine[0].regionIndex;
          assert.ok(mine.every((item) => item.regionIndex === region), "one region per selector");
          const expected = world.entries.filter((entry) =>
            entry.values[region] !== undefined && matches(selectorObject.selector!, entry)
          ).map((entry) => entry.name).sort();
          assert.deepEqual(mine.map((item) => item.object.spec.objectName), expected);
        }
        for (const item of result) {
          const name = item.object.spec.objectName;
          const entry = world.entries.find((e) => e.name === name && e.store === item.object.type)!;
          const stored = entry.values[item.regionIndex]!.stored;
          const encoding = item.object.encoding ?? "utf-8";
          assert.deepEqual(item.bytes, referenceDecode(stored, encoding), `${name} (${encoding})`);
        }
      },
    ),
    { runs: 400 },
  );
  assert.ok(fetched >= runs / 10, `only ${fetched} of ${runs} classes were fetched`);
});

const TEMP_FILE = /(^|\/)\.[^/]*\.tmp-[^/]*$/;

/** Mount dependencies over `world`, writing only into `targetPath`. */
function dependencies(world: World, options: { driverWritesSecrets: boolean; targetPath: string }) {
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", write: (line) => lines.push(line) });
  const kube = new FakeKube();
  kube.serviceAccounts.set("app/sa", {
    "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/fuzz",
  });
  const chained: AwsCredentials = { accessKeyId: "CHAINED", secretAccessKey: "x" };
  const resolver = new IdentityResolver({
    kube: new KubeLookups({
      kube: () => Promise.resolve(kube),
      limiter: new TokenBucket({ qps: -1, burst: 1 }),
      ttlMs: 0,
    }),
    sts: { assumeRole: () => Promise.reject(new Error("in-memory stores never ask")) },
    assumeRole: { assumeRole: () => Promise.resolve(chained) },
    agent: { ipv4Endpoint: "http://127.0.0.1:9/", ipv6Endpoint: "http://[::1]:9/" },
    logger,
  });
  const stores = REGIONS.map((_, index) => regionStores(world, index));
  const deps: MountDependencies = {
    driverWritesSecrets: options.driverWritesSecrets,
    lookupRegion: () => Promise.resolve(REGIONS[0]),
    resolveIdentity: (request) => resolver.resolve(request),
    stores: (region) => stores[Math.max(0, REGIONS.indexOf(region))],
    batchPermission: () => batchPermission(),
    writeFiles: (targetPath, files) => {
      if (targetPath !== options.targetPath) return Promise.reject(new Error("elsewhere"));
      return writeFilesAtomically(targetPath, files);
    },
    removeOtherFiles: async (targetPath, keep) => {
      if (targetPath !== options.targetPath) throw new Error("elsewhere");
      await removeOtherFiles(targetPath, keep);
    },
    concurrency: 3,
    maxResponseBytes: 4 * 1024 * 1024,
    logger,
  };
  return { deps, logger, lines };
}

/** Every marker of the world and the tokens (none may reach a status or a log line). */
function secretsOf(world: World, tokens: string[]): string[] {
  return [
    ...world.entries.flatMap((entry) => entry.values.flatMap((value) => value?.markers ?? [])),
    ...tokens,
  ];
}

interface MountCase {
  world: World;
  changed: World;
  text: string;
  parameters: Record<string, string>;
  token: string;
  symlink: boolean;
}

async function mountOnce(
  tree: FuzzTree,
  targetPath: string,
  mountCase: MountCase,
  world: World,
  driverWritesSecrets: boolean,
): Promise<MountResult | undefined> {
  const { deps, logger, lines } = dependencies(world, { driverWritesSecrets, targetPath });
  const before = await tree.outside();
  const attributes = JSON.stringify({
    region: REGIONS[0],
    failoverRegion: REGIONS[1],
    objects: mountCase.text,
    ...mountCase.parameters,
    "csi.storage.k8s.io/pod.namespace": "app",
    "csi.storage.k8s.io/pod.name": "web-0",
    "csi.storage.k8s.io/pod.uid": "uid",
    "csi.storage.k8s.io/serviceAccount.name": "sa",
    "csi.storage.k8s.io/serviceAccount.tokens": JSON.stringify({
      "sts.amazonaws.com": { token: mountCase.token, expirationTimestamp: "2030-01-01T00:00:00Z" },
    }),
  });
  const summary = {};
  let result: MountResult | undefined;
  let error: unknown;
  try {
    result = await timedAsync("mount", () =>
      runMount(
        { attributes, secrets: "null", targetPath, permission: "420", currentObjectVersion: [] },
        deps,
        { deadline: Date.now() + 30_000, summary },
      ));
  } catch (caught) {
    error = caught;
  }
  const { status } = finishMount(logger, {
    summary,
    durationMs: 1,
    ...(error === undefined ? {} : { thrown: { error } }),
  });
  if (error !== undefined) {
    assert.ok(
      error instanceof MountError,
      `${(error as Error)?.name}: ${(error as Error)?.message}`,
    );
  }
  const secrets = secretsOf(world, [mountCase.token]);
  for (const text of [status?.details ?? "", ...lines]) {
    const leak = secrets.find((secret) => text.includes(secret));
    assert.equal(leak, undefined, `a secret reached ${text.slice(0, 200)}`);
  }
  assert.deepEqual(await tree.outside(), before, "something outside the mount changed");
  return result;
}

async function inside(targetPath: string) {
  return await walkTree(targetPath);
}

Deno.test("mounts with selectors, encodings and assumeRole stay inside, leak nothing and hold only what matches", async () => {
  const tree = await createFuzzTree();
  let succeeded = 0;
  let runs = 0;
  try {
    await checkProperty(
      "feature mounts",
      fc.asyncProperty(
        ENCODING.chain((encoding) =>
          fc.record({
            world: world(encoding),
            changed: world(encoding),
            text: classOf(encoding),
            parameters: assumeRoleParameters(),
            token: tokenValue(),
            symlink: fc.boolean(),
            driverWritesSecrets: fc.boolean(),
          })
        ),
        async (mountCase) => {
          runs++;
          const targetPath = await tree.newMount({ symlinkOutside: mountCase.symlink });
          try {
            const mode = mountCase.driverWritesSecrets;
            const first = await mountOnce(tree, targetPath, mountCase, mountCase.world, mode);
            if (first === undefined) return;
            succeeded++;
            for (const entry of await inside(targetPath)) {
              assert.equal(filePathProblem(entry.path), undefined, entry.path);
              assert.ok(!TEMP_FILE.test(entry.path), `temporary file left: ${entry.path}`);
            }
            for (const file of first.files) assert.equal(filePathProblem(file.path), undefined);
            const selecting = /(path|namePrefix|tags):/.test(mountCase.text);
            // A re-mount in a changed world: with a selector, exactly the new answer's files remain.
            const second = await mountOnce(tree, targetPath, mountCase, mountCase.changed, mode);
            if (second === undefined || mode || !selecting) return;
            const files = (await inside(targetPath)).filter((entry) => entry.type !== "dir");
            assert.deepEqual(
              new Set(files.map((entry) => entry.path)),
              new Set(second.versions.map((version) => version.id)),
            );
          } finally {
            await tree.removeMount(targetPath);
          }
        },
      ),
      { runs: 200 },
    );
  } finally {
    await tree.remove();
  }
  assert.ok(succeeded >= runs / 10, `only ${succeeded} of ${runs} mounts succeeded`);
});
