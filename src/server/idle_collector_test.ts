import assert from "node:assert/strict";
import { startIdleCollector } from "./idle_collector.ts";

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("after activity and a quiet period the collector runs once", async () => {
  let collections = 0;
  const collector = startIdleCollector({ inFlight: () => 0, idleMs: 100, gc: () => collections++ });
  try {
    collector.touch();
    await wait(2_300);
    assert.equal(collections, 1);
  } finally {
    collector.stop();
  }
});

Deno.test("without activity, or while mounts are in flight, nothing is collected", async () => {
  let collections = 0;
  let inFlight = 1;
  const collector = startIdleCollector({
    inFlight: () => inFlight,
    idleMs: 100,
    gc: () => collections++,
  });
  try {
    await wait(1_200);
    assert.equal(collections, 0, "no activity yet");
    collector.touch();
    await wait(1_200);
    assert.equal(collections, 0, "a mount is still in flight");
    inFlight = 0;
    await wait(1_200);
    assert.equal(collections, 1);
  } finally {
    collector.stop();
  }
});

Deno.test("collect() collects at once, but not while mounts are in flight", () => {
  let collections = 0;
  let inFlight = 1;
  const collector = startIdleCollector({
    inFlight: () => inFlight,
    idleMs: 100,
    gc: () => collections++,
  });
  try {
    collector.collect();
    assert.equal(collections, 0);
    inFlight = 0;
    collector.collect();
    assert.equal(collections, 1);
  } finally {
    collector.stop();
  }
});
