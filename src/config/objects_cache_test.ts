import assert from "node:assert/strict";
import { objectsCacheStats, parseMountObjectsCached } from "./objects_cache.ts";

const OPTIONS = { regions: ["us-east-1"], pathTranslation: "" };

Deno.test("the same objects text is parsed once and the same list is returned", () => {
  const text = "- {objectName: cached-a, objectType: secretsmanager}";
  const before = { ...objectsCacheStats };
  const first = parseMountObjectsCached(text, OPTIONS);
  const second = parseMountObjectsCached(text, OPTIONS);
  assert.equal(second, first);
  assert.equal(objectsCacheStats.misses - before.misses, 1);
  assert.equal(objectsCacheStats.hits - before.hits, 1);
  assert.equal(first[0].fileName, "cached-a");
});

Deno.test("regions and pathTranslation are part of the key", () => {
  const text = "- {objectName: cached/b, objectType: secretsmanager}";
  const underscore = parseMountObjectsCached(text, OPTIONS);
  const dash = parseMountObjectsCached(text, { ...OPTIONS, pathTranslation: "-" });
  const twoRegions = parseMountObjectsCached(text, {
    ...OPTIONS,
    regions: ["us-east-1", "us-west-2"],
  });
  assert.equal(underscore[0].fileName, "cached_b");
  assert.equal(dash[0].fileName, "cached-b");
  assert.equal(twoRegions[0].regions.length, 2);
});

Deno.test("an invalid text fails the same way every time", () => {
  const text = "- {objectName: cached-c}";
  for (let i = 0; i < 2; i++) {
    assert.throws(() => parseMountObjectsCached(text, OPTIONS), {
      name: "ObjectsError",
      message: "Must use objectType when a full ARN is not specified: cached-c",
    });
  }
});

Deno.test("a very long text is parsed every time (not kept in memory)", () => {
  const text = "- {objectName: cached-d, objectType: secretsmanager}\n" + "#".repeat(70 * 1024);
  const before = objectsCacheStats.misses;
  const first = parseMountObjectsCached(text, OPTIONS);
  assert.notEqual(parseMountObjectsCached(text, OPTIONS), first);
  assert.equal(objectsCacheStats.misses, before);
});
