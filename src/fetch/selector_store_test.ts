// Selectors through fetchObjects over in-memory stores that also page through
// GetParametersByPath and BatchGetSecretValue with filters: matches, order,
// failover per selector, empty selections, limits and decoding.
import assert from "node:assert/strict";
import { awsFailure, batchPermission, FakeSecretsManager, FakeSsm } from "../../test/fakes/mod.ts";
import { FilterSecretsManager, PathSsm } from "./_test_selector_stores.ts";
import { type MountObject, parseMountObjects } from "../config/mod.ts";
import { LimitError, mountLimits } from "../limits/mod.ts";
import { FetchError } from "./fetch_error.ts";
import { fetchObjects, type FetchOptions, type RegionStores } from "./fetch_objects.ts";
import { secretsFilters } from "./selector_store.ts";
import { ValueEncodingError } from "./value_encoding.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Region extends RegionStores {
  secretsManager: FilterSecretsManager;
  ssm: PathSsm;
}

function region(name: string): Region {
  return { name, secretsManager: new FilterSecretsManager(name), ssm: new PathSsm(name) };
}

function objects(yaml: string, regions: Region[], pathTranslation = ""): MountObject[] {
  return parseMountObjects(yaml, { regions: regions.map((r) => r.name), pathTranslation });
}

/** Each fetched object as `file=content@version from region`. */
async function fetched(list: MountObject[], regions: Region[], options?: Partial<FetchOptions>) {
  return (await fetchObjects(list, regions, {
    concurrency: 4,
    batch: batchPermission(),
    ...options,
  })).map(({ object, bytes, version, regionIndex }) =>
    `${object.fileName}=${decoder.decode(bytes)}@${version} from ${regions[regionIndex].name}`
  );
}

async function failure(list: MountObject[], regions: Region[], options?: Partial<FetchOptions>) {
  const error = await fetchObjects(list, regions, {
    concurrency: 4,
    batch: batchPermission(),
    ...options,
  }).then(() => undefined, (error) => error);
  assert.ok(error instanceof Error, "fetchObjects did not fail");
  return `${error.name}: ${error.message}`;
}

Deno.test("a path selects every parameter under it, on every page, in name order", async () => {
  const east = region("us-east-1");
  for (let i = 23; i >= 0; i--) {
    east.ssm.parameters.set(`/app/p${String(i).padStart(2, "0")}`, `v${i}`);
  }
  east.ssm.parameters.set("/app/deep/x", "deep");
  east.ssm.parameters.set("/other/y", "other");
  const flat = await fetched(objects("- {path: /app}", [east]), [east]);
  assert.equal(flat.length, 24);
  assert.equal(flat[0], "_app_p00=v0@3 from us-east-1");
  assert.equal(flat[23], "_app_p23=v23@3 from us-east-1");
  assert.equal(east.ssm.pages, 3);
  const deep = await fetched(objects("- {path: /app/, recursive: true}", [east]), [east]);
  assert.ok(deep.includes("_app_deep_x=deep@3 from us-east-1"));
  assert.equal(deep.length, 25);
});

Deno.test("matches stand where their selector stands among listed objects", async () => {
  const east = region("us-east-1");
  east.secretsManager.put("listed-first", { AWSCURRENT: "v1" }, "one");
  east.secretsManager.put("listed-last", { AWSCURRENT: "v1" }, "three");
  east.ssm.parameters.set("/sel/b", "B");
  east.ssm.parameters.set("/sel/a", "A");
  const list = objects(
    [
      "- {objectName: listed-first, objectType: secretsmanager}",
      "- {path: /sel}",
      "- {objectName: listed-last, objectType: secretsmanager}",
    ].join("\n"),
    [east],
  );
  assert.deepEqual(await fetched(list, [east]), [
    "listed-first=one@v1 from us-east-1",
    "_sel_a=A@3 from us-east-1",
    "_sel_b=B@3 from us-east-1",
    "listed-last=three@v1 from us-east-1",
  ]);
});

Deno.test("namePrefix and tags become Secrets Manager filters; only names with the prefix are kept", async () => {
  const east = region("us-east-1");
  east.secretsManager.tagged.set("prod/a", { value: "A", tags: { team: "payments" } });
  east.secretsManager.tagged.set("prod/b", { value: "B", tags: { team: "search" } });
  east.secretsManager.tagged.set("dev/c", { value: "C", tags: { team: "payments" } });
  assert.deepEqual(
    await fetched(objects("- {namePrefix: prod/, tags: {team: payments}}", [east]), [east]),
    ["prod_a=A@ver-prod/a from us-east-1"],
  );
  assert.deepEqual(east.secretsManager.filtersSeen.at(-1), [
    { key: "name", values: ["prod/"] },
    { key: "tag-key", values: ["team"] },
    { key: "tag-value", values: ["payments"] },
  ]);
  assert.deepEqual(
    secretsFilters({
      store: "secretsmanager",
      namePrefix: "",
      tags: [["env", ""]],
      translation: "_",
    }),
    [{ key: "tag-key", values: ["env"] }],
  );
});

Deno.test("failover per selector: the primary's set wins; the failover set only when the primary may fail over", async () => {
  const [east, west] = [region("us-east-1"), region("us-west-2")];
  east.ssm.parameters.set("/app/a", "east-a");
  west.ssm.parameters.set("/app/a", "west-a");
  west.ssm.parameters.set("/app/b", "west-b");
  const list = objects("- {path: /app}", [east, west]);
  assert.deepEqual(await fetched(list, [east, west]), ["_app_a=east-a@3 from us-east-1"]);
  east.ssm.pathFailure = awsFailure("ThrottlingException", {
    status: 400,
    message: "Rate exceeded",
  });
  assert.deepEqual(await fetched(list, [east, west]), [
    "_app_a=west-a@3 from us-west-2",
    "_app_b=west-b@3 from us-west-2",
  ]);
  east.ssm.pathFailure = awsFailure("InvalidKeyId", { fatal: true });
  assert.match(
    await failure(list, [east, west]),
    /^FetchError: us-east-1: Failed fetching parameters selected by path \/app: .*InvalidKeyId/,
  );
  east.ssm.pathFailure = awsFailure("InternalServerError");
  west.ssm.pathFailure = awsFailure("ThrottlingException", {
    status: 400,
    message: "Rate exceeded",
  });
  assert.equal(
    await failure(list, [east, west]),
    "FetchError: Failed to fetch parameters selected by path /app from all regions. (us-east-1: InternalServerError: InternalServerError injected; us-west-2: ThrottlingException: Rate exceeded)",
  );
});

Deno.test("a selector that matches nothing in the chosen region fails; an empty failover region does not", async () => {
  const [east, west] = [region("us-east-1"), region("us-west-2")];
  east.secretsManager.tagged.set("prod/a", { value: "A", tags: {} });
  const list = objects("- {namePrefix: prod/}", [east, west]);
  assert.deepEqual(await fetched(list, [east, west]), ["prod_a=A@ver-prod/a from us-east-1"]);
  east.secretsManager.tagged.clear();
  west.secretsManager.tagged.set("prod/a", { value: "A", tags: {} });
  assert.equal(
    await failure(list, [east, west]),
    "FetchError: the selector namePrefix prod/ matched no secrets in us-east-1 (a selector must match at least one)",
  );
});

Deno.test("a matched secret that cannot be read fails the selector in that region", async () => {
  const [east, west] = [region("us-east-1"), region("us-west-2")];
  for (const r of [east, west]) {
    r.secretsManager.tagged.set("prod/a", { value: "A", tags: {} });
    r.secretsManager.tagged.set("prod/locked", { value: "L", tags: {} });
  }
  east.secretsManager.unreadable.add("prod/locked");
  assert.deepEqual(await fetched(objects("- {namePrefix: prod/}", [east, west]), [east, west]), [
    "prod_a=A@ver-prod/a from us-west-2",
    "prod_locked=L@ver-prod/locked from us-west-2",
  ]);
  west.secretsManager.unreadable.add("prod/locked");
  assert.match(
    await failure(objects("- {namePrefix: prod/}", [east, west]), [east, west]),
    /^FetchError: Failed to fetch secrets selected by namePrefix prod\/ from all regions\. \(us-east-1: AccessDeniedException: /,
  );
});

Deno.test("matches and pages are held to their limits, which stop the mount", async () => {
  const east = region("us-east-1");
  for (let i = 0; i < 30; i++) east.ssm.parameters.set(`/big/p${i}`, "x");
  const list = objects("- {path: /big}", [east]);
  assert.equal(
    await failure(list, [east], { limits: mountLimits({ selectorMatches: 25 }) }),
    "LimitError: the selector path /big matches more than 25 objects in us-east-1; the limit is 25 objects (provider flag --max-selector-matches)",
  );
  east.ssm.pageSize = 1;
  assert.equal(
    await failure(list, [east], { limits: mountLimits({ selectorPages: 10 }) }),
    "LimitError: the selector path /big needs more than 10 pages of results in us-east-1; the limit is 10 pages (provider flag --max-selector-pages)",
  );
  assert.equal((await fetched(list, [east])).length, 30);
});

Deno.test("matched values count against the region's byte budget", async () => {
  const east = region("us-east-1");
  for (let i = 0; i < 5; i++) east.ssm.parameters.set(`/b/p${i}`, "y".repeat(400));
  const error = await failure(objects("- {path: /b}", [east]), [east], {
    limits: mountLimits({ mountBytes: 1000 }),
  });
  assert.match(
    error,
    /^LimitError: the values this mount fetched from us-east-1 come to more than 1000 bytes/,
  );
});

Deno.test("values are decoded as objectEncoding says, for objects, jmesPath entries and matches", async () => {
  const east = region("us-east-1");
  east.secretsManager.put("keystore", { AWSCURRENT: "v1" }, btoa("\x00\x01binary\xff"));
  east.secretsManager.put(
    "json",
    { AWSCURRENT: "v2" },
    JSON.stringify({ key: "6b6579", raw: "plain" }),
  );
  east.ssm.parameters.set("/enc/a", "aGk=");
  const list = objects(
    [
      "- {objectName: keystore, objectType: secretsmanager, objectEncoding: base64}",
      "- objectName: json",
      "  objectType: secretsmanager",
      "  jmesPath: [{path: key, objectAlias: key, objectEncoding: hex}, {path: raw, objectAlias: raw}]",
      "- {path: /enc, objectEncoding: base64}",
    ].join("\n"),
    [east],
  );
  const result = await fetchObjects(list, [east], { concurrency: 4, batch: batchPermission() });
  assert.deepEqual(result[0].bytes, new Uint8Array([0, 1, ...encoder.encode("binary"), 0xff]));
  assert.equal(decoder.decode(result[1].bytes), JSON.stringify({ key: "6b6579", raw: "plain" }));
  assert.deepEqual(result[1].jmesValues.map((v) => decoder.decode(v)), ["key", "plain"]);
  assert.equal(decoder.decode(result[2].bytes), "hi");
});

Deno.test("a value that does not decode fails the mount naming the object and encoding, not the value", async () => {
  const [east, west] = [region("us-east-1"), region("us-west-2")];
  east.secretsManager.put("ks", { AWSCURRENT: "v1" }, "N0t~base64!");
  west.secretsManager.put("ks", { AWSCURRENT: "v1" }, btoa("fine"));
  const error = await fetchObjects(
    objects("- {objectName: ks, objectType: secretsmanager, objectEncoding: base64}", [east, west]),
    [east, west],
    { concurrency: 4, batch: batchPermission() },
  ).then(() => undefined, (error) => error);
  assert.ok(error instanceof ValueEncodingError);
  assert.equal(
    error.message,
    "the value of object ks is not valid base64 (objectEncoding base64): a character outside the standard base64 alphabet",
  );
  east.ssm.parameters.set("/h/x", "zz");
  assert.equal(
    await failure(objects("- {path: /h, objectEncoding: hex}", [east]), [east]),
    "ValueEncodingError: the value of parameter /h/x selected by path /h is not valid hex (objectEncoding hex): a character that is not a hex digit",
  );
});

Deno.test("a store without the selector calls fails the selector instead of the process", async () => {
  const plain = {
    name: "us-east-1",
    secretsManager: new FakeSecretsManager("us-east-1"),
    ssm: new FakeSsm("us-east-1"),
  };
  const error = await fetchObjects(
    parseMountObjects("- {path: /x}", { regions: ["us-east-1"], pathTranslation: "" }),
    [plain],
    { concurrency: 1, batch: batchPermission() },
  ).then(() => undefined, (error) => error);
  assert.ok(error instanceof FetchError);
  assert.match(error.message, /SSM: GetParametersByPath is not available for this store/);
  assert.ok(!(error instanceof LimitError));
});

Deno.test("one value listed many times is decoded once; all decoded bytes are held to the mount's limit", async () => {
  const east = region("us-east-1");
  east.secretsManager.put("big", { AWSCURRENT: "v1" }, btoa("x".repeat(300)));
  const aliases = (name: string, type: string, n: number) =>
    Array.from(
      { length: n },
      (_, i) =>
        `- {objectName: ${name}, objectType: ${type}, objectAlias: a${i}, objectEncoding: base64}`,
    ).join("\n");
  const limits = mountLimits({ mountBytes: 1000 });
  const result = await fetchObjects(objects(aliases("big", "secretsmanager", 20), [east]), [east], {
    concurrency: 4,
    batch: batchPermission(),
    limits,
  });
  assert.equal(result.length, 20);
  assert.ok(result.every((item) => item.bytes === result[0].bytes), "one decoding shared");
  // SSM answers each object with bytes of its own: every decoding counts.
  east.ssm.put("/p", [btoa("y".repeat(120))]);
  assert.equal(
    await failure(objects(aliases("/p", "ssmparameter", 10), [east]), [east], { limits }),
    "LimitError: the values this mount decoded come to more than 1000 bytes; the limit is 1000 bytes (provider flag --max-mount-bytes)",
  );
});
