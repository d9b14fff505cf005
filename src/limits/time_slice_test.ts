import assert from "node:assert/strict";
import { TimeSlice } from "./time_slice.ts";

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* work */ }
}

Deno.test("pause lets a timer run once the slice is over, and not before", async () => {
  let fired = false;
  setTimeout(() => fired = true, 0);
  const slice = new TimeSlice(20);
  await slice.pause();
  assert.equal(fired, false, "within the slice nothing else runs");
  busy(25);
  await slice.pause();
  assert.equal(fired, true, "after the slice the event loop had a turn");
});

Deno.test("a long loop with pauses gives the event loop a turn after every slice", async () => {
  let turns = 0;
  let running = true;
  const tick = () => {
    turns++;
    if (running) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const slice = new TimeSlice(10);
  const started = performance.now();
  while (performance.now() - started < 100) {
    busy(2);
    await slice.pause();
  }
  running = false;
  // 100 ms of work in slices of 10 ms: about ten turns (at least one per slice that ended).
  assert.ok(turns >= 5, `${turns} turns of the event loop in 100 ms of sliced work`);
});
