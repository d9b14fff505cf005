import assert from "node:assert/strict";
import { LruMap } from "./lru_map.ts";

Deno.test("beyond maxEntries the least recently used entry goes", () => {
  const map = new LruMap<string, number>({ maxEntries: 2 });
  map.set("a", 1);
  map.set("b", 2);
  assert.equal(map.get("a"), 1); // a is now the most recent
  map.set("c", 3);
  assert.deepEqual([...map.entries()], [["a", 1], ["c", 3]]);
  assert.equal(map.peek("b"), undefined);
});

Deno.test("peek does not make an entry recent", () => {
  const map = new LruMap<string, number>({ maxEntries: 2 });
  map.set("a", 1);
  map.set("b", 2);
  assert.equal(map.peek("a"), 1);
  map.set("c", 3);
  assert.equal(map.peek("a"), undefined);
});

Deno.test("the weight bound evicts oldest first; an entry heavier than the bound is not kept", () => {
  const map = new LruMap<string, string>({
    maxEntries: 100,
    maxWeight: 10,
    weigh: (_key, value) => value.length,
  });
  map.set("a", "xxxx");
  map.set("b", "xxxx");
  map.set("c", "xxxx");
  assert.deepEqual([...map.entries()].map(([key]) => key), ["b", "c"]);
  assert.equal(map.weight, 8);
  map.set("huge", "x".repeat(11));
  assert.equal(map.peek("huge"), undefined);
  assert.equal(map.size, 2);
});

Deno.test("replacing and deleting keep the weight exact", () => {
  const map = new LruMap<string, string>({ maxEntries: 10, weigh: (_k, v) => v.length });
  map.set("a", "xxx");
  map.set("a", "x");
  assert.equal(map.weight, 1);
  assert.equal(map.delete("a"), true);
  assert.equal(map.delete("a"), false);
  assert.equal(map.weight, 0);
});

Deno.test("a stream of distinct keys never holds more than maxEntries", () => {
  const map = new LruMap<number, number>({ maxEntries: 64 });
  for (let i = 0; i < 10_000; i++) map.set(i, i);
  assert.equal(map.size, 64);
  assert.equal(map.peek(9_999), 9_999);
  assert.equal(map.peek(9_935), undefined);
});
