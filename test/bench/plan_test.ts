/**
 * Unit tests of the benchmark's plan: the storms it runs, the client-side
 * rate limit it reads from the provider's flags and the command line.
 */

import assert from "node:assert/strict";
import { parseBenchArgs } from "../../bench/main.ts";
import {
  FULL_PLAN,
  LOOSE_RATE_LIMIT_ARGS,
  rateLimitFloorMs,
  rateLimitOf,
  scenarioList,
  SHORT_PLAN,
} from "../../bench/_scenarios.ts";

Deno.test("the full plan's storms: 25 Deployments of 20 pods, then distinct service accounts, then issue 15's", () => {
  const storms = scenarioList(FULL_PLAN).filter((s) => s.mode === "storm");
  assert.deepEqual(storms.map((s) => [s.name, s.storm]), [
    ["storm-500x5", { mounts: 500, serviceAccounts: 25, providerArgs: [], headline: true }],
    ["storm-500x5-distinct-sa", {
      mounts: 500,
      serviceAccounts: 500,
      providerArgs: [],
      headline: false,
    }],
    ["storm-500x5-distinct-sa-qps50", {
      mounts: 500,
      serviceAccounts: 500,
      providerArgs: LOOSE_RATE_LIMIT_ARGS,
      headline: false,
    }],
    ["storm-200x5-footprint", {
      mounts: 200,
      serviceAccounts: 10,
      providerArgs: [],
      headline: false,
      footprint: true,
    }],
  ]);
  assert.ok(storms.every((s) => s.objects === 5 && s.store === "secretsmanager"));
  const short = scenarioList(SHORT_PLAN).filter((s) => s.mode === "storm");
  assert.deepEqual(short.map((s) => [s.name, s.storm?.mounts, s.storm?.serviceAccounts]), [
    ["storm-20x5", 20, 1],
    ["storm-20x5-distinct-sa", 20, 20],
    ["storm-20x5-distinct-sa-qps50", 20, 20],
    ["storm-20x5-footprint", 20, 1],
  ]);
  const none = scenarioList({ ...FULL_PLAN, footprintStormMounts: 0 });
  assert.ok(none.every((s) => !s.storm?.footprint), "--footprint-storm=0 runs no footprint storm");
});

Deno.test("rateLimitOf reads --qps and --burst like Go's flag package", () => {
  assert.deepEqual(rateLimitOf([]), { qps: 5, burst: 10 });
  assert.deepEqual(rateLimitOf(["--qps=50", "--burst=100"]), { qps: 50, burst: 100 });
  assert.deepEqual(rateLimitOf(["-qps", "7", "-burst", "3"]), { qps: 7, burst: 3 });
  assert.deepEqual(rateLimitOf(["--qps=7", "--qps=9"]), { qps: 9, burst: 10 }, "last wins");
  assert.deepEqual(rateLimitOf(["--qps=0", "--burst=0"]), { qps: 5, burst: 10 }, "0: defaults");
  assert.deepEqual(rateLimitOf(["--qps=-1"]), { qps: -1, burst: 10 });
  assert.deepEqual(rateLimitOf(["--qpsx=3", "--kubeconfig=/q"]), { qps: 5, burst: 10 });
});

Deno.test("rateLimitFloorMs: when a token bucket lets the last of n calls start", () => {
  assert.equal(rateLimitFloorMs(500, 5, 10), 98_000);
  assert.equal(rateLimitFloorMs(25, 5, 10), 3_000);
  assert.equal(rateLimitFloorMs(500, 50, 100), 8_000);
  assert.equal(rateLimitFloorMs(10, 5, 10), 0);
  assert.equal(rateLimitFloorMs(500, -1, 10), 0);
});

Deno.test("parseBenchArgs: --mount-tmpfs, --no-mount-tmpfs and --storm-pods-per-sa", () => {
  const parse = (args: string[]) => {
    const options = parseBenchArgs(args);
    assert.notEqual(options, "help");
    return options as Exclude<typeof options, "help">;
  };
  const defaults = parse([]);
  assert.equal(defaults.mountTmpfs, "auto");
  assert.equal(defaults.stormPodsPerServiceAccount, 20);
  assert.equal(defaults.outName, "latest");
  assert.equal(parse(["--mount-tmpfs"]).mountTmpfs, "on");
  const off = parse(["--no-mount-tmpfs"]);
  assert.equal(off.mountTmpfs, "off");
  assert.equal(off.outName, "latest-custom", "results on a disk are not the reference run");
  assert.equal(parse(["--storm-pods-per-sa=1"]).stormPodsPerServiceAccount, 1);
  assert.throws(() => parse(["--storm-pods-per-sa=0"]), /storm-pods-per-sa/);
});

Deno.test("parseBenchArgs: fresh providers, the footprint storm and its runs", () => {
  const parse = (args: string[]) => {
    const options = parseBenchArgs(args);
    assert.notEqual(options, "help");
    return options as Exclude<typeof options, "help">;
  };
  const full = parse([]);
  assert.deepEqual([full.startupRuns, full.footprintStormMounts, full.stormRuns], [5, 200, 3]);
  const short = parse(["--short"]);
  assert.deepEqual([short.startupRuns, short.footprintStormMounts, short.stormRuns], [1, 20, 1]);
  const set = parse(["--startup-runs=7", "--footprint-storm=0", "--storm-runs=2"]);
  assert.deepEqual([set.startupRuns, set.footprintStormMounts, set.stormRuns], [7, 0, 2]);
  assert.throws(() => parse(["--startup-runs=0"]), /startup-runs/);
  assert.throws(() => parse(["--storm-runs=0"]), /storm-runs/);
  assert.deepEqual([full.cpuRuns, short.cpuRuns, parse(["--cpu-runs=2"]).cpuRuns], [5, 1, 2]);
  assert.throws(() => parse(["--cpu-runs=0"]), /cpu-runs/);
  assert.deepEqual([full.driverRuns, short.driverRuns, parse(["--driver-runs=0"]).driverRuns], [
    5,
    0,
    0,
  ]);
});
