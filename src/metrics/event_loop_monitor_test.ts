import assert from "node:assert/strict";
import process from "node:process";
import { startEventLoopMonitor } from "./event_loop_monitor.ts";

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Computes until the process has used `ms` of CPU (however long a busy machine makes that). */
function compute(ms: number): void {
  const until = cpuMicros() + ms * 1000;
  while (cpuMicros() < until) { /* hold the event loop */ }
}

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

/** Samples (ms) of a monitor around `block`, run 30 ms after the activation. */
async function samplesAround(
  block: () => void,
  clock?: () => number,
): Promise<{ delay: number; held: number }[]> {
  const samples: { delay: number; held: number }[] = [];
  const monitor = startEventLoopMonitor({
    observe: (delay, held) => samples.push({ delay: delay * 1000, held: held * 1000 }),
    cpuMicros: clock,
  });
  try {
    monitor.activate();
    await new Promise((resolve) => setTimeout(resolve, 30));
    block();
    await new Promise((resolve) => setTimeout(resolve, 30));
    return samples;
  } finally {
    monitor.stop();
  }
}

Deno.test("a block that computes is held as long as it computed", async () => {
  const samples = await samplesAround(() => compute(80), cpuMicros);
  const longest = samples.reduce((a, b) => (b.held > a.held ? b : a));
  assert.ok(longest.held >= 70 && longest.held <= longest.delay, JSON.stringify(longest));
});

Deno.test("a delay the process spent without CPU time is not held", async () => {
  // The clock stands still: as if the process had waited for a core all along.
  const samples = await samplesAround(() => busy(80), () => 42_000);
  assert.ok(Math.max(...samples.map((sample) => sample.delay)) >= 60);
  assert.deepEqual(samples.filter((sample) => sample.held !== 0), []);
});

Deno.test("without a CPU clock every delay counts as held", async () => {
  const samples = await samplesAround(() => busy(40));
  assert.ok(samples.length > 0);
  assert.ok(samples.every((sample) => sample.delay === sample.held));
});
