import assert from "node:assert/strict";
import { countTurns } from "./turn_counter.ts";

Deno.test("countTurns counts the turns a yielding loop gives, and none of a blocking one", async () => {
  const yielding = countTurns();
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 2));
  yielding.stop();
  assert.ok(yielding.turns >= 4, `${yielding.turns} turns`);

  const blocking = countTurns();
  const until = performance.now() + 30;
  while (performance.now() < until) { /* hold the event loop */ }
  const counted = blocking.turns;
  blocking.stop();
  assert.equal(counted, 0);
  // Stopped: later turns are not counted.
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(blocking.turns, 0);
});
