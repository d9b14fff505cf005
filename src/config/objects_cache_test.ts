import assert from "node:assert/strict";
import { ObjectsCache } from "./objects_cache.ts";

const OPTIONS = { regions: ["us-east-1"], pathTranslation: "" };

Deno.test("the same objects text is parsed once and the same list is returned", () => {
  const cache = new ObjectsCache();
  const text = "- {objectName: cached-a, objectType: secretsmanager}";
  const first = cache.parse(text, OPTIONS);
  const second = cache.parse(text, OPTIONS);
  assert.equal(second, first);
  assert.deepEqual(cache.stats, { hits: 1, misses: 1 });
  assert.equal(first[0].fileName, "cached-a");
});

Deno.test("regions and pathTranslation are part of the key", () => {
  const cache = new ObjectsCache();
  const text = "- {objectName: cached/b, objectType: secretsmanager}";
  const underscore = cache.parse(text, OPTIONS);
  const dash = cache.parse(text, { ...OPTIONS, pathTranslation: "-" });
  const twoRegions = cache.parse(text, { ...OPTIONS, regions: ["us-east-1", "us-west-2"] });
  assert.equal(underscore[0].fileName, "cached_b");
  assert.equal(dash[0].fileName, "cached-b");
  assert.equal(twoRegions[0].regions.length, 2);
  assert.equal(cache.stats.misses, 3);
});

Deno.test("an invalid text fails the same way every time, the second time from the cache", () => {
  const cache = new ObjectsCache();
  const text = "- {objectName: cached-c}";
  for (let i = 0; i < 2; i++) {
    assert.throws(() => cache.parse(text, OPTIONS), {
      name: "ObjectsError",
      message: "Must use objectType when a full ARN is not specified: cached-c",
    });
  }
  assert.deepEqual(cache.stats, { hits: 1, misses: 1 });
});

Deno.test("a text longer than the whole budget is parsed every time (not kept in memory)", () => {
  const cache = new ObjectsCache({ maxTextLength: 64 * 1024 });
  const text = "- {objectName: cached-d, objectType: secretsmanager}\n" + "#".repeat(70 * 1024);
  const first = cache.parse(text, OPTIONS);
  assert.notEqual(cache.parse(text, OPTIONS), first);
  assert.deepEqual(cache.stats, { hits: 0, misses: 2 });
  assert.equal(cache.size, 0);
});

Deno.test("distinct classes beyond the bounds push out the least recently used", () => {
  const cache = new ObjectsCache({ maxEntries: 4, maxTextLength: 1024 * 1024 });
  const text = (i: number) => `- {objectName: s${i}, objectType: secretsmanager}`;
  for (let i = 0; i < 100; i++) cache.parse(text(i), OPTIONS);
  assert.equal(cache.size, 4);
  cache.parse(text(99), OPTIONS);
  assert.equal(cache.stats.hits, 1);
  cache.parse(text(0), OPTIONS);
  assert.equal(cache.stats.hits, 1, "the first class was dropped long ago");
});

Deno.test("the text budget bounds the memory of many large classes", () => {
  const cache = new ObjectsCache({ maxEntries: 1_000, maxTextLength: 100 * 1024 });
  for (let i = 0; i < 50; i++) {
    cache.parse(
      `- {objectName: s${i}, objectType: secretsmanager}\n#${"x".repeat(10_000)}`,
      OPTIONS,
    );
  }
  assert.ok(cache.size <= 10, `kept ${cache.size} classes of ~10 KB in a 100 KB budget`);
});

Deno.test("a text over a YAML limit fails with its LimitError, the second time from the cache", () => {
  const cache = new ObjectsCache();
  const limits = {
    nodes: { max: 10, unit: "nodes", flag: "max-objects-nodes" },
    depth: { max: 32, unit: "levels", flag: "max-objects-depth" },
    aliases: { max: 10, unit: "aliases", flag: "max-objects-aliases" },
  };
  const text = `- [${Array(50).fill("a").join(", ")}]`;
  const errors = [0, 1].map(() => {
    try {
      cache.parse(text, { ...OPTIONS, limits });
    } catch (error) {
      return error;
    }
  });
  assert.equal((errors[0] as Error).name, "LimitError");
  assert.equal(errors[1], errors[0]);
  assert.deepEqual(cache.stats, { hits: 1, misses: 1 });
});
