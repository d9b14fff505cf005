/**
 * Unit tests of the benchmark's statistics, profile summary and the fault
 * proxy's per-call timings.
 */

import assert from "node:assert/strict";
import { percentile, summarize, unionWithin } from "../../bench/_stats.ts";
import { type CpuProfile, describeLocation, summarizeProfile } from "../../bench/_profile.ts";
import { startFaultProxy } from "../../devstack/mod.ts";

Deno.test("percentile interpolates between the closest ranks", () => {
  const samples = [10, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  assert.equal(percentile(samples, 50), 5.5);
  assert.equal(percentile(samples, 0), 1);
  assert.equal(percentile(samples, 100), 10);
  assert.ok(Math.abs(percentile(samples, 90) - 9.1) < 1e-9);
  assert.ok(Number.isNaN(percentile([], 50)));
  const summary = summarize([3, 1, 2]);
  assert.deepEqual([summary.p50, summary.min, summary.max, summary.mean], [2, 1, 3, 2]);
});

Deno.test("unionWithin counts overlapping intervals once and clips to the window", () => {
  const window = { start: 100, end: 200 };
  assert.equal(unionWithin([], window), 0);
  assert.equal(unionWithin([{ start: 110, end: 130 }, { start: 120, end: 140 }], window), 30);
  assert.equal(unionWithin([{ start: 110, end: 120 }, { start: 150, end: 160 }], window), 20);
  assert.equal(unionWithin([{ start: 50, end: 110 }, { start: 190, end: 300 }], window), 20);
  assert.equal(unionWithin([{ start: 0, end: 90 }, { start: 210, end: 300 }], window), 0);
  assert.equal(unionWithin([{ start: 110, end: 190 }, { start: 120, end: 130 }], window), 80);
});

Deno.test("summarizeProfile attributes self time, skips idle and walks callers", () => {
  const root = "/repo";
  const frame = (functionName: string, url: string, lineNumber = 0) => ({
    functionName,
    url,
    lineNumber,
    columnNumber: 0,
  });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), children: [2, 3] },
      { id: 2, callFrame: frame("(idle)", "") },
      {
        id: 3,
        callFrame: frame("runMount", `file://${root}/src/mount/mount_pipeline.ts`, 30),
        children: [4],
      },
      {
        id: 4,
        callFrame: frame(
          "parse",
          "file:///deno/npm/registry.npmjs.org/yaml/2.9.1/dist/parse/parser.js",
          9,
        ),
      },
    ],
    startTime: 0,
    endTime: 1000,
    // First delta (before the first sample) is not counted.
    samples: [2, 3, 4, 4, 2],
    timeDeltas: [500, 100, 100, 100, 100],
  };
  const summary = summarizeProfile(profile, { mounts: 2, repoRoot: root, samplingIntervalUs: 100 });
  assert.equal(summary.samples, 5);
  assert.equal(summary.durationMs, 0.5);
  assert.equal(summary.idleMs, 0.2);
  assert.equal(summary.busyMs, 0.3);
  assert.deepEqual(summary.topSelf.map((e) => [e.function, e.location, e.selfMs]), [
    ["parse", "npm:yaml/dist/parse/parser.js:10", 0.2],
    ["runMount", "src/mount/mount_pipeline.ts:31", 0.1],
  ]);
  assert.deepEqual(summary.topSelf[0].callers, [
    { stack: "runMount (src/mount/mount_pipeline.ts:31)", selfMs: 0.2 },
  ]);
  assert.deepEqual(summary.byModule.map((e) => e.module), [
    "npm:yaml",
    "src/mount/mount_pipeline.ts",
  ]);
  assert.deepEqual(summary.topInclusive.map((e) => [e.function, e.totalMs, e.totalMsPerMount]), [
    ["runMount", 0.3, 0.15],
  ]);
  assert.equal(describeLocation({ url: "", lineNumber: -1 }, root), "(native)");
});

Deno.test({
  name: "the fault proxy records when each call started and ended",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const upstream = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response("{}", { headers: { "content-type": "application/x-amz-json-1.1" } }),
    );
    await using proxy = await startFaultProxy(`http://127.0.0.1:${upstream.addr.port}`, {
      latencyMs: 30,
    });
    try {
      const before = performance.now();
      const response = await fetch(proxy.url, {
        method: "POST",
        headers: {
          "x-amz-target": "secretsmanager.GetSecretValue",
          authorization:
            "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/secretsmanager/aws4_request",
        },
        body: "{}",
      });
      await response.body?.cancel();
      const after = performance.now();
      const [timing] = proxy.timings();
      assert.equal(timing.api, "GetSecretValue");
      assert.equal(timing.status, 200);
      assert.ok(timing.startedAt >= before && timing.startedAt <= after);
      assert.ok(timing.endedAt !== undefined && timing.endedAt <= after);
      assert.ok(timing.endedAt - timing.startedAt >= 29, "injected latency counts");
      // calls() keeps its shape: no timestamps there.
      const [call] = proxy.calls();
      assert.equal(call.api, "GetSecretValue");
      assert.ok(!("startedAt" in call) && !("endedAt" in call));
      proxy.resetCalls();
      assert.deepEqual(proxy.timings(), []);
    } finally {
      await upstream.shutdown();
    }
  },
});
