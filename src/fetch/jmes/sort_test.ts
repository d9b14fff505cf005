import assert from "node:assert/strict";
import { goStableSort } from "./sort.ts";

/** Sorts `keys` (with their indexes) by `<` through goStableSort; the indexes in their new order. */
function sortedIndexes(keys: number[]): number[] {
  const items = keys.map((key, index) => ({ key, index }));
  goStableSort(items.length, {
    less: (i, j) => items[i].key < items[j].key,
    swap: (i, j) => [items[i], items[j]] = [items[j], items[i]],
  });
  return items.map((item) => item.index);
}

Deno.test("goStableSort sorts stably, as any stable sort does for a strict weak order", () => {
  for (const length of [0, 1, 2, 19, 20, 21, 40, 41, 100, 333]) {
    const keys = Array.from({ length }, (_, i) => (i * 7919) % 13);
    const expected = keys.map((key, index) => ({ key, index }))
      .sort((a, b) => a.key - b.key)
      .map((item) => item.index);
    assert.deepEqual(sortedIndexes(keys), expected, `length ${length}`);
  }
});

Deno.test("with NaN keys (neither less nor greater than anything) it orders exactly as Go's sort.Stable", () => {
  // The keys of `sort_by(@, &(k || avg(\`[]\`)))` on 25 items; Go's order, from the oracle.
  const pattern = [NaN, 3, 3, NaN, 1, 1, 2, NaN, 2, 1];
  const keys = Array.from({ length: 25 }, (_, i) => i % 7 ? pattern[i % 10] : NaN);
  assert.deepEqual(
    sortedIndexes(keys),
    [0, 1, 2, 3, 4, 5, 6, 7, 9, 8, 10, 11, 12, 13, 14, 15, 16, 17, 19, 18, 20, 21, 22, 23, 24],
  );
});
