import assert from "node:assert/strict";
import { mapLimit } from "./map_limit.ts";

function tick(ms = 1): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("mapLimit keeps the order of the items whatever order calls finish in", async () => {
  const delays = [30, 1, 15, 5, 0];
  const result = await mapLimit(delays, 3, async (delay, index) => {
    await tick(delay);
    return `${index}:${delay}`;
  });
  assert.deepEqual(result, ["0:30", "1:1", "2:15", "3:5", "4:0"]);
});

Deno.test("mapLimit never runs more than `limit` calls at once, and reaches the limit", async () => {
  let running = 0;
  let most = 0;
  await mapLimit(Array.from({ length: 20 }, (_, i) => i), 4, async () => {
    running++;
    most = Math.max(most, running);
    await tick();
    running--;
  });
  assert.equal(most, 4);
});

Deno.test("mapLimit treats a limit below 1 as 1", async () => {
  for (const limit of [0, -3]) {
    let running = 0;
    let most = 0;
    const result = await mapLimit([1, 2, 3], limit, async (item) => {
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
      return item * 2;
    });
    assert.deepEqual(result, [2, 4, 6]);
    assert.equal(most, 1);
  }
});

Deno.test("mapLimit of no items resolves to no results without calling", async () => {
  let calls = 0;
  assert.deepEqual(await mapLimit([], 5, () => Promise.resolve(calls++)), []);
  assert.equal(calls, 0);
});

Deno.test("mapLimit rejects with the error of a failing call", async () => {
  await assert.rejects(
    mapLimit([1, 2, 3], 2, async (item) => {
      await tick();
      if (item === 2) throw new Error("item 2 failed");
      return item;
    }),
    { message: "item 2 failed" },
  );
});
