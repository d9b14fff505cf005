import assert from "node:assert/strict";
import { ExpiringCache } from "./expiring_cache.ts";

/** A cache whose values live `ttl` ms on a clock the test moves. */
function cache(ttl: number | undefined, options: { maxEntries?: number } = {}) {
  const clock = { now: 1_000_000 };
  const instance = new ExpiringCache<string>({
    expiresAt: (_value, now) => ttl === undefined ? undefined : now + ttl,
    now: () => clock.now,
    ...options,
  });
  return { cache: instance, clock };
}

function loader(values: string[]) {
  const load = () => {
    load.calls++;
    return Promise.resolve(values[load.calls - 1]);
  };
  load.calls = 0;
  return load;
}

Deno.test("a loaded value is served from the cache until it expires", async () => {
  const { cache: c, clock } = cache(1_000);
  const load = loader(["first", "second"]);
  assert.equal(await c.get("k", load), "first");
  clock.now += 999;
  assert.equal(await c.get("k", load), "first");
  clock.now += 1;
  assert.equal(await c.get("k", load), "second");
  assert.equal(load.calls, 2);
  assert.deepEqual(c.stats, { hits: 1, misses: 2 });
});

Deno.test("keys are cached separately", async () => {
  const { cache: c } = cache(1_000);
  assert.equal(await c.get("a", () => Promise.resolve("A")), "A");
  assert.equal(await c.get("b", () => Promise.resolve("B")), "B");
  assert.equal(await c.get("a", () => Promise.resolve("not used")), "A");
});

Deno.test("concurrent gets of a missing key share one load", async () => {
  const { cache: c } = cache(1_000);
  let release!: (value: string) => void;
  let calls = 0;
  const load = () => {
    calls++;
    return new Promise<string>((resolve) => release = resolve);
  };
  const all = Promise.all(Array.from({ length: 100 }, () => c.get("k", load)));
  release("shared");
  assert.deepEqual(new Set(await all), new Set(["shared"]));
  assert.equal(calls, 1);
  assert.deepEqual(c.stats, { hits: 99, misses: 1 });
});

Deno.test("a failed load is not cached and the next get loads again", async () => {
  const { cache: c } = cache(1_000);
  await assert.rejects(c.get("k", () => Promise.reject(new Error("api down"))), {
    message: "api down",
  });
  assert.equal(await c.get("k", () => Promise.resolve("ok")), "ok");
  assert.equal(c.size, 1);
});

Deno.test("concurrent gets of a failing load all see its error", async () => {
  const { cache: c } = cache(1_000);
  let calls = 0;
  const load = () => {
    calls++;
    return Promise.reject(new Error("nope"));
  };
  const results = await Promise.allSettled([c.get("k", load), c.get("k", load)]);
  assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  assert.equal(calls, 1);
});

Deno.test("a value whose expiry rule says undefined is returned but not cached", async () => {
  const { cache: c } = cache(undefined);
  const load = loader(["one", "two"]);
  assert.equal(await c.get("k", load), "one");
  assert.equal(await c.get("k", load), "two");
  assert.equal(c.size, 0);
});

Deno.test("a value that is already expired when loaded is not cached", async () => {
  const { cache: c } = cache(0);
  const load = loader(["one", "two"]);
  await c.get("k", load);
  await c.get("k", load);
  assert.equal(load.calls, 2);
});

Deno.test("peek returns only unexpired values and never loads", () => {
  const { cache: c, clock } = cache(10);
  assert.equal(c.peek("k"), undefined);
  c.set("k", "v");
  assert.equal(c.peek("k"), "v");
  clock.now += 10;
  assert.equal(c.peek("k"), undefined);
});

Deno.test("delete drops one key", async () => {
  const { cache: c } = cache(1_000);
  c.set("a", "A");
  c.set("b", "B");
  c.delete("a");
  assert.equal(c.peek("a"), undefined);
  assert.equal(c.peek("b"), "B");
  assert.equal(await c.get("a", () => Promise.resolve("reloaded")), "reloaded");
});

Deno.test("when full, expired entries are dropped first, then the oldest", () => {
  const { cache: c, clock } = cache(100, { maxEntries: 3 });
  c.set("old", "1");
  clock.now += 50;
  c.set("b", "2");
  c.set("c", "3");
  clock.now += 50; // "old" has expired, "b" and "c" have not
  c.set("d", "4");
  assert.deepEqual(["old", "b", "c", "d"].map((k) => c.peek(k)), [undefined, "2", "3", "4"]);
  assert.equal(c.size, 3);
  c.set("e", "5"); // nothing expired: the oldest ("b") goes
  assert.deepEqual(["b", "c", "d", "e"].map((k) => c.peek(k)), [undefined, "3", "4", "5"]);
  assert.equal(c.size, 3);
});

Deno.test("setting an existing key replaces it without evicting another", () => {
  const { cache: c } = cache(100, { maxEntries: 2 });
  c.set("a", "1");
  c.set("b", "2");
  c.set("a", "3");
  assert.deepEqual([c.peek("a"), c.peek("b")], ["3", "2"]);
});

Deno.test("without a clock option the cache uses the real time", async () => {
  const c = new ExpiringCache<string>({ expiresAt: (_v, now) => now + 60_000 });
  await c.get("k", () => Promise.resolve("v"));
  assert.equal(c.peek("k"), "v");
});

Deno.test("a hit makes an entry recent: when full, the least recently used goes", async () => {
  const { cache: c } = cache(100, { maxEntries: 2 });
  c.set("a", "1");
  c.set("b", "2");
  assert.equal(await c.get("a", () => Promise.reject(new Error("not loaded"))), "1");
  c.set("c", "3");
  assert.deepEqual([c.peek("a"), c.peek("b"), c.peek("c")], ["1", undefined, "3"]);
});

Deno.test("by default at most 1,024 entries are kept", () => {
  const { cache: c } = cache(100);
  for (let i = 0; i < 5_000; i++) c.set(`key-${i}`, "v");
  assert.equal(c.size, 1_024);
});
