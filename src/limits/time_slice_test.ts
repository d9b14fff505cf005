import assert from "node:assert/strict";
import { countTurns } from "../../test/fakes/mod.ts";
import { runSteps, runStepsInSlices, TimeSlice } from "./time_slice.ts";

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
  const counter = countTurns();
  const slice = new TimeSlice(10);
  const started = performance.now();
  while (performance.now() - started < 100) {
    busy(2);
    await slice.pause();
  }
  counter.stop();
  // 100 ms of work in slices of 10 ms: about ten turns (at least one per slice that ended).
  assert.ok(
    counter.turns >= 5,
    `${counter.turns} turns of the event loop in 100 ms of sliced work`,
  );
});

Deno.test("steps run to the same end at once or in slices; only the slices let timers in", async () => {
  function* work(): Generator<void, number, void> {
    let total = 0;
    for (let i = 0; i < 30; i++) {
      busy(1);
      total += i;
      yield;
    }
    return total;
  }
  let fired = 0;
  const timer = setInterval(() => fired++, 0);
  assert.equal(runSteps(work()), 435);
  const atOnce = fired;
  assert.equal(await runStepsInSlices(work(), new TimeSlice(5)), 435);
  clearInterval(timer);
  assert.equal(atOnce, 0, "nothing else ran while the steps ran at once");
  assert.ok(fired >= 2, `${fired} timer turns while the steps ran in slices`);
});

Deno.test("yield gives the event loop a turn at once and starts a new slice", async () => {
  let fired = false;
  setTimeout(() => fired = true, 0);
  const slice = new TimeSlice(20);
  await slice.yield();
  assert.equal(fired, true, "a timer due now ran during the yield");
  fired = false;
  setTimeout(() => fired = true, 0);
  await slice.pause();
  assert.equal(fired, false, "the slice started again after the yield");
});
