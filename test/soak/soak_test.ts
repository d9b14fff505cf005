/**
 * A short soak for CI: 300 mounts through the real provider process with
 * changing faults in the primary region, the same checks as `deno task soak`
 * (20,000 mounts) with looser resource bounds: every mount answered in time,
 * every mount succeeded but those an injected fatal error answered (the
 * failover region holds every object), nothing wrong on disk, no leak.
 */

import assert from "node:assert/strict";
import { runSoak } from "./soak_run.ts";

Deno.test({
  name:
    "a short soak: no hang, every mount succeeds unless an injected fatal error answered it, memory and descriptors flat",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const report = await runSoak({
      mounts: 300,
      concurrency: 20,
      sampleEvery: 50,
      warmupMounts: 100,
      phaseMounts: 30,
      timeoutMs: 8_000,
      seed: 7,
      // Loose: V8 is still sizing its heap this early; `deno task soak` holds 30 MiB.
      maxRssGrowthMiB: 150,
      maxFdDrift: 10,
    });
    // The verdicts and their numbers, in the test output.
    for (const check of report.checks) {
      console.log(`${check.ok ? "PASS" : "FAIL"} ${check.name}: ${check.detail}`);
    }
    const failed = report.checks.filter((check) => !check.ok);
    assert.deepEqual(
      failed,
      [],
      `${JSON.stringify(failed, null, 2)}\nproblems: ${report.problems.join("\n")}`,
    );
    assert.ok(report.objects.fromFailover > 0, "the faults never made the failover region answer");
  },
});
