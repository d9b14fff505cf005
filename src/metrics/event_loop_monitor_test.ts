import assert from "node:assert/strict";
import { startEventLoopMonitor } from "./event_loop_monitor.ts";

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* hold the event loop */ }
}

Deno.test("a synchronous block shows up as a delay of about its length", async () => {
  const delays: number[] = [];
  const monitor = startEventLoopMonitor({ observe: (seconds) => delays.push(seconds * 1000) });
  try {
    monitor.activate();
    await new Promise((resolve) => setTimeout(resolve, 30));
    busy(80);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const longest = Math.max(...delays);
    assert.ok(longest >= 60 && longest < 400, `longest delay ${longest} ms`);
  } finally {
    monitor.stop();
  }
});

Deno.test("without activation nothing is sampled; sampling ends after the linger time", async () => {
  let samples = 0;
  // 150 ms of linger at one sample per 10 ms: a stall of a busy machine right
  // after the activation still leaves several samples.
  const monitor = startEventLoopMonitor({ observe: () => samples++, lingerMs: 150 });
  try {
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(samples, 0);
    monitor.activate();
    await new Promise((resolve) => setTimeout(resolve, 350));
    const after = samples;
    assert.ok(after >= 2 && after <= 25, `${after} samples in 150 ms of linger`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(samples, after, "stopped sampling");
  } finally {
    monitor.stop();
  }
});
