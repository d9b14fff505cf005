/**
 * The benchmark's short mode (as CI runs it): it must run end to end and
 * write every field of its JSON. No timing assertions: CI machines are slow
 * and noisy; only shape and correctness (every mount succeeds) are checked.
 */

import assert from "node:assert/strict";
import type { BenchResults } from "../../bench/_report.ts";
import type { ScenarioResult } from "../../bench/_scenarios.ts";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;

const PERCENTILES = ["p50", "p90", "p99", "min", "max", "mean"];

function assertNumber(value: unknown, path: string): void {
  assert.equal(typeof value, "number", `${path} should be a number, is ${JSON.stringify(value)}`);
  assert.ok(Number.isFinite(value), `${path} should be finite`);
}

function assertPercentiles(value: unknown, path: string): void {
  assert.ok(value !== null && typeof value === "object", `${path} should be an object`);
  for (const key of PERCENTILES) {
    assertNumber((value as Record<string, unknown>)[key], `${path}.${key}`);
  }
}

function assertCounts(value: unknown, path: string): void {
  assert.ok(value !== null && typeof value === "object", `${path} should be an object`);
  for (const [key, count] of Object.entries(value as Record<string, unknown>)) {
    assertNumber(count, `${path}.${key}`);
  }
}

function assertScenario(s: ScenarioResult): void {
  const at = `scenario ${s.name}`;
  for (const key of ["name", "description", "store", "mode"] as const) {
    assert.equal(typeof s[key], "string", `${at}.${key}`);
  }
  assert.equal(typeof s.failover, "boolean", `${at}.failover`);
  for (
    const key of [
      "objects",
      "filesPerMount",
      "warmupMounts",
      "mounts",
      "succeeded",
      "failed",
      "concurrency",
      "mountsPerSecond",
      "wallMs",
      "awsCallsPerMountTotal",
      "stsCallsPerMount",
      "kubeCallsPerMount",
      "cpuMsPerMount",
      "cpuUserMsPerMount",
      "cpuSystemMsPerMount",
    ] as const
  ) {
    assertNumber(s[key], `${at}.${key}`);
  }
  assert.ok(Array.isArray(s.errors), `${at}.errors`);
  assert.equal(s.failed, 0, `${at}: every mount succeeds (errors: ${s.errors.join("; ")})`);
  assert.ok(s.mounts > 0, `${at}.mounts`);
  assertPercentiles(s.latencyMs, `${at}.latencyMs`);
  assertCounts(s.awsCallsPerMount, `${at}.awsCallsPerMount`);
  assertCounts(s.awsCallsPerMountByApi, `${at}.awsCallsPerMountByApi`);
  assertCounts(s.kubeCallsPerMountByResource, `${at}.kubeCallsPerMountByResource`);
  assert.ok(Object.keys(s.awsCallsPerMount).length > 0, `${at}: AWS calls were counted`);
  assertPercentiles(s.awsCallMs, `${at}.awsCallMs`);
  if (s.mode === "storm") {
    assert.equal(s.overheadMs, null);
    assert.equal(s.awsWaitMs, null);
    assert.ok(s.memory, `${at}.memory`);
    for (const key of ["rssBeforeMiB", "peakRssMiB", "sampledPeakRssMiB"] as const) {
      assertNumber(s.memory[key], `${at}.memory.${key}`);
    }
    assert.equal(typeof s.memory.peakReset, "boolean");
    assert.ok(s.memory.idleAfter && s.memory.idleAfter.length === 2, `${at}.memory.idleAfter`);
    for (const sample of s.memory.idleAfter) {
      assertNumber(sample.afterMs, `${at}.memory.idleAfter.afterMs`);
      assertNumber(sample.rssMiB, `${at}.memory.idleAfter.rssMiB`);
    }
    assert.ok(s.storm, `${at}.storm`);
    for (
      const key of [
        "serviceAccounts",
        "podsPerServiceAccount",
        "qps",
        "burst",
        "kubeCalls",
        "kubeRateLimitFloorMs",
      ] as const
    ) {
      assertNumber(s.storm[key], `${at}.storm.${key}`);
    }
    assert.ok(Array.isArray(s.storm.providerArgs));
    assert.equal(typeof s.storm.headline, "boolean");
  } else {
    for (
      const key of [
        "awsWaitMs",
        "overheadMs",
        "providerMs",
        "pipelineOverheadMs",
        "transportMs",
      ] as const
    ) {
      assertPercentiles(s[key], `${at}.${key}`);
    }
  }
}

Deno.test({
  name: "deno task bench --short runs end to end and writes every field",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const outDir = await Deno.makeTempDir({ prefix: "bench-short-" });
    try {
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          "bench/main.ts",
          "--short",
          "--profile",
          `--out-dir=${outDir}`,
        ],
        cwd: REPO_ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(output.stdout);
      const stderr = new TextDecoder().decode(output.stderr);
      assert.ok(output.success, `bench failed:\n${stdout}\n${stderr}`);
      assert.match(stdout, /Targets \(issue 6\)/);
      assert.match(stdout, /(PASS|MISS) {2}warm mount of 20 Secrets Manager objects/);

      const results = JSON.parse(
        await Deno.readTextFile(`${outDir}/latest-short.json`),
      ) as BenchResults;
      assert.equal(results.schemaVersion, 1);
      assert.equal(results.mode, "short");
      assert.ok(!Number.isNaN(Date.parse(results.date)));
      for (
        const key of [
          "latencyMs",
          "iterations",
          "coldIterations",
          "warmup",
          "stormMounts",
          "stormSecrets",
          "stormPodsPerServiceAccount",
          "stormTimeoutMs",
          "startupRuns",
        ] as const
      ) {
        assertNumber(results.settings[key], `settings.${key}`);
      }
      assert.equal(results.settings.latencyMs, 20);
      assert.equal(results.settings.profile, true);
      assert.equal(typeof results.settings.mountDir, "string");
      assert.equal(typeof results.settings.mountFs, "string");
      assert.equal(results.settings.mountTmpfs.mode, "auto");
      assert.equal(typeof results.settings.mountTmpfs.mounted, "boolean");
      if (results.settings.mountTmpfs.mounted) assert.equal(results.settings.mountFs, "tmpfs");
      else assert.equal(typeof results.settings.mountTmpfs.reason, "string");
      assert.match(results.settings.emulator, /one moto per region/);

      const m = results.machine;
      for (const key of ["cpuModel", "os", "motoVersion"] as const) {
        assert.equal(typeof m[key], "string", `machine.${key}`);
      }
      assertNumber(m.cores, "machine.cores");
      assertNumber(m.memoryMiB, "machine.memoryMiB");
      assert.equal(m.deno.deno, Deno.version.deno);
      assert.equal(m.loadAverage.length, 3);

      assert.ok(results.provider.command.includes("--no-prompt"), "production permission flags");

      const p = results.process;
      for (const times of [p.readyMs, p.socketMs]) {
        assertNumber(times.p50, "process startup p50");
        assertNumber(times.max, "process startup max");
        assert.ok(times.runs.length >= 2);
      }
      for (const key of ["idleRssMiB", "firstMountMs", "rssAfterScenariosMiB"] as const) {
        assertNumber(p[key], `process.${key}`);
      }
      assert.ok(p.storm, "process.storm");
      for (
        const key of [
          "idleRssBeforeMiB",
          "peakRssMiB",
          "sampledPeakRssMiB",
          "idleRssAfterMiB",
          "settleMs",
        ] as const
      ) {
        assertNumber(p.storm[key], `process.storm.${key}`);
      }
      assert.equal(p.storm.scenario, "storm-20x5", "the headline storm's numbers");
      assert.equal(p.storm.idleRssAfter.length, 2);
      assert.equal(p.storm.idleRssAfter.at(-1)!.afterMs, p.storm.settleMs);

      // Issue 15: one fresh provider (--short), the footprint storm once, every target judged.
      assert.ok(p.fresh, "process.fresh");
      assert.equal(p.fresh.runs.length, 1);
      for (const key of ["readyMs", "warmUpMs", "idleRssMiB", "firstMountMs"] as const) {
        assertNumber(p.fresh.runs[0][key], `process.fresh.runs[0].${key}`);
      }
      assert.equal(p.firstMountMs, p.fresh.runs[0].firstMountMs);
      assertNumber(p.fresh.rssAfterFirstMountMiB, "process.fresh.rssAfterFirstMountMiB");
      assert.ok(p.footprintStorm, "process.footprintStorm");
      assert.equal(p.footprintStorm.scenario, "storm-20x5-footprint");
      assert.equal(p.footprintStorm.runs.length, 1);
      assertNumber(p.footprintStorm.peakRssMiB, "process.footprintStorm.peakRssMiB");
      assertNumber(p.footprintStorm.idleRssAfterMiB, "process.footprintStorm.idleRssAfterMiB");
      assert.equal(results.footprint?.length, 9);
      assert.ok(results.footprint.every((check) => check.value !== undefined), "all measured");
      assert.match(stdout, /Targets \(issue 15: footprint/);

      const names = results.scenarios.map((s) => s.name);
      for (const size of [1, 5, 20, 100]) {
        for (const store of ["sm", "ssm"]) {
          for (const mode of ["warm", "cold"]) {
            assert.ok(names.includes(`${store}-${size}-${mode}`));
          }
        }
      }
      for (
        const name of [
          "mixed-jmes-20-warm",
          "mixed-jmes-20-cold",
          "sm-20-failover-warm",
          "ssm-20-failover-warm",
          "mixed-jmes-20-failover-warm",
          "storm-20x5",
          "storm-20x5-distinct-sa",
          "storm-20x5-distinct-sa-qps50",
          "storm-20x5-footprint",
        ]
      ) {
        assert.ok(names.includes(name), `scenario ${name}`);
      }
      results.scenarios.forEach(assertScenario);
      const byName = new Map(results.scenarios.map((s) => [s.name, s]));
      assert.equal(byName.get("storm-20x5")!.storm!.serviceAccounts, 1);
      assert.equal(byName.get("storm-20x5-distinct-sa")!.storm!.serviceAccounts, 20);
      assert.deepEqual(
        [5, 10, 50, 100],
        [
          byName.get("storm-20x5-distinct-sa")!.storm!.qps,
          byName.get("storm-20x5-distinct-sa")!.storm!.burst,
          byName.get("storm-20x5-distinct-sa-qps50")!.storm!.qps,
          byName.get("storm-20x5-distinct-sa-qps50")!.storm!.burst,
        ],
      );
      // Each region's calls reached the proxy signed for that region (routed to its own moto).
      const failover = byName.get("sm-20-failover-warm")!;
      assert.ok(failover.awsCallsPerMount["secretsmanager.BatchGetSecretValue.us-west-2"] > 0);
      const warm = results.scenarios.find((s) => s.name === "sm-20-warm")!;
      assert.ok(warm.awsCallsPerMount["secretsmanager.BatchGetSecretValue.us-east-1"] > 0);

      assert.ok(results.targets.length >= 10);
      for (const check of results.targets) {
        assert.equal(typeof check.target, "string");
        assert.equal(typeof check.value, "string");
        assert.equal(typeof check.pass, "boolean");
      }

      const profile = results.profile;
      assert.ok(profile, "profile");
      assert.ok(profile.samples > 0);
      assertNumber(profile.busyMsPerMount, "profile.busyMsPerMount");
      assert.ok(profile.topSelf.length > 0 && profile.byModule.length > 0);
      assert.ok(profile.byArea.some((e) => e.area.startsWith("writing files")));
      for (const e of profile.byArea) assertNumber(e.selfMsPerMount, `profile.byArea ${e.area}`);
      assert.ok(profile.topInclusive.some((e) => e.function === "runMount"));
      const cpuProfile = JSON.parse(
        await Deno.readTextFile(`${outDir}/latest-short-sm-20-warm.cpuprofile`),
      );
      assert.ok(Array.isArray(cpuProfile.nodes) && Array.isArray(cpuProfile.samples));

      const markdown = await Deno.readTextFile(`${outDir}/latest-short.md`);
      assert.match(markdown, /\| scenario +\|/);
      assert.match(markdown, /\| Target \(issue 6\) +\|/);
      assert.match(markdown, /\| storm +\| +ok \|/);
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  },
});
