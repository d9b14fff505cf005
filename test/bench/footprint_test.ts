/**
 * Issue 15's targets in the bench report: which stored numbers they read,
 * their verdicts, and their ratio to the last run.
 */

import assert from "node:assert/strict";
import {
  checkFootprint,
  FOOTPRINT_TARGETS,
  footprintRows,
  footprintValues,
  ratioText,
} from "../../bench/_footprint.ts";

/** A result file with only what the footprint reads. */
function results(overrides: { ready?: number; storm?: boolean } = {}) {
  return {
    process: {
      readyMs: { p50: overrides.ready ?? 120, runs: [110, 120, 130] },
      firstMountMs: 95,
      idleRssMiB: 72.5,
      fresh: { runs: [{}, {}, {}], rssAfterFirstMountMiB: 77 },
      footprintStorm: overrides.storm === false
        ? null
        : { runs: [{}, {}, {}], peakRssMiB: 110, idleRssAfterMiB: 91 },
    },
    scenarios: [
      { name: "sm-20-warm", cpuMsPerMount: 6.2, overheadMs: { p50: 6.9 } },
      { name: "ssm-20-warm", cpuMsPerMount: 6.6, overheadMs: { p50: 5.8 } },
    ],
  };
}

Deno.test("every target reads its number, with how many runs it is the median of", () => {
  const values = footprintValues(results());
  assert.deepEqual(values, {
    "ready": { value: 120, runs: 3 },
    "first-mount": { value: 95, runs: 3 },
    "idle-rss": { value: 72.5, runs: 3 },
    "rss-after-first-mount": { value: 77, runs: 3 },
    "storm-peak-rss": { value: 110, runs: 3 },
    "storm-idle-rss": { value: 91, runs: 3 },
    "cpu-sm-20-warm": { value: 6.2, runs: 1 },
    "cpu-ssm-20-warm": { value: 6.6, runs: 1 },
    "overhead-sm-20-warm": { value: 6.9, runs: 1 },
  });
  assert.equal(FOOTPRINT_TARGETS.length, Object.keys(values).length);
});

Deno.test("CPU and overhead are the medians of the scenarios' recorded runs", () => {
  const stored = results();
  const values = footprintValues({
    ...stored,
    process: {
      ...stored.process,
      footprintScenarioRuns: [
        { scenario: "sm-20-warm", client: "grpc-js", cpuMsPerMount: 6.2, overheadMsP50: 6.9 },
        { scenario: "ssm-20-warm", client: "grpc-js", cpuMsPerMount: 6.6, overheadMsP50: 5.8 },
        { scenario: "sm-20-warm", client: "grpc-js", cpuMsPerMount: 5.1, overheadMsP50: 4.2 },
        { scenario: "ssm-20-warm", client: "grpc-js", cpuMsPerMount: 7.9, overheadMsP50: 5.0 },
        { scenario: "sm-20-warm", client: "grpc-js", cpuMsPerMount: 5.5, overheadMsP50: null },
        { scenario: "ssm-20-warm", client: "grpc-js", cpuMsPerMount: 6.1, overheadMsP50: 5.1 },
      ],
    },
  });
  assert.deepEqual(values["cpu-sm-20-warm"], { value: 5.5, runs: 3 });
  assert.deepEqual(values["cpu-ssm-20-warm"], { value: 6.6, runs: 3 });
  // A run without an overhead (it overlapped) is not counted.
  assert.deepEqual(values["overhead-sm-20-warm"], { value: 5.55, runs: 2 });
});

Deno.test("the overhead is the driver's own client's runs when there are any", () => {
  const stored = results();
  const run = (client: string, cpu: number, overhead: number) => ({
    scenario: "sm-20-warm",
    client,
    cpuMsPerMount: cpu,
    overheadMsP50: overhead,
  });
  const values = footprintValues({
    ...stored,
    process: {
      ...stored.process,
      footprintScenarioRuns: [
        run("grpc-js", 6.0, 6.9),
        run("driver", 5.0, 4.1),
        run("driver", 5.2, 4.5),
        run("driver", 5.4, 4.3),
      ],
    },
  });
  assert.deepEqual(values["overhead-sm-20-warm"], {
    value: 4.3,
    runs: 3,
    by: "the driver's Go client",
  });
  const row = footprintRows(checkFootprint(values)).find((cells) =>
    cells[0].startsWith("mount overhead")
  );
  assert.equal(row?.[3], "4.3 ms (median of 3, the driver's Go client)");
  // CPU from the grpc-js runs only (the client the Go provider was measured with).
  assert.deepEqual(values["cpu-sm-20-warm"], { value: 6.0, runs: 1 });
});

Deno.test("a value at most its limit passes; over it misses; an unmeasured one is neither", () => {
  const checks = checkFootprint(footprintValues(results({ storm: false })));
  const verdicts = Object.fromEntries(
    footprintRows(checks).map((row, i) => [checks[i].id, row[5]]),
  );
  assert.deepEqual(verdicts, {
    "ready": "PASS",
    "first-mount": "PASS",
    "idle-rss": "PASS",
    "rss-after-first-mount": "PASS",
    "storm-peak-rss": "not measured",
    "storm-idle-rss": "not measured",
    "cpu-sm-20-warm": "PASS",
    "cpu-ssm-20-warm": "MISS",
    "overhead-sm-20-warm": "MISS",
  });
  assert.equal(checks.find((c) => c.id === "storm-peak-rss")?.pass, false);
});

Deno.test("the ratio to the last run is this run's value over the last one's", () => {
  const last = footprintValues(results({ ready: 240 }));
  const checks = checkFootprint(footprintValues(results()), last);
  const ready = checks.find((check) => check.id === "ready")!;
  assert.equal(ready.ratio, 0.5);
  assert.equal(ratioText(ready), "0.50× (was 240 ms)");
  const fresh = checkFootprint(footprintValues(results()));
  assert.equal(ratioText(fresh[0]), "-", "no last run, no ratio");
});

Deno.test("a result file of an older schema gives what it has", async () => {
  const stored = JSON.parse(
    await Deno.readTextFile(new URL("../../bench/results/latest.json", import.meta.url)),
  );
  const values = footprintValues(stored);
  assert.ok(values.ready !== undefined && values["idle-rss"] !== undefined);
  assert.ok(values["cpu-sm-20-warm"] !== undefined);
});
