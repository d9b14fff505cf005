/**
 * The benchmark's results: their JSON shape, the issue's targets checked
 * against them (PASS/MISS), and the tables printed to stdout and written as
 * markdown for the README.
 *
 * @module
 */

import {
  checkFootprint,
  FOOTPRINT_HEADERS,
  type FootprintCheck,
  footprintRows,
  type FootprintValues,
  footprintValues,
} from "./_footprint.ts";
import type { MachineInfo } from "./_proc.ts";
import type { ProfileSummary } from "./_profile.ts";
import type { ScenarioResult } from "./_scenarios.ts";

/** Samples of a start-up time, ms. */
export interface StartupTimes {
  /** Every measured start, ms. */
  runs: number[];
  /** Median. */
  p50: number;
  /** Slowest. */
  max: number;
}

/** One fresh provider: its start, its warm-up, its first mount and its memory around it. */
export interface FreshRun {
  /** Spawn to the first answered `Version`, ms. */
  readyMs: number;
  /** The warm-up's own duration (its log line), ms. */
  warmUpMs: number;
  /** RSS once warmed up and idle, MiB. */
  idleRssMiB: number;
  /** Latency of its first mount (1 Secrets Manager object, new pod and token: IRSA), ms. */
  firstMountMs: number;
  /** RSS after that mount, idle again, MiB. */
  rssAfterFirstMountMiB: number;
}

/** The footprint storm's runs (issue 15), each on a fresh provider, and their medians. */
export interface FootprintStormResults {
  /** Which storm. */
  scenario: string;
  /** Each run's memory, MiB. */
  runs: { rssBeforeMiB: number; peakRssMiB: number; idleRssAfterMiB: number }[];
  /** Median peak RSS (`VmHWM`, reset before each storm), MiB. */
  peakRssMiB: number;
  /** Median RSS after `settleMs` idle, MiB. */
  idleRssAfterMiB: number;
  /** Idle time before the idle RSS was read, ms. */
  settleMs: number;
}

/** Process-level measurements. */
export interface ProcessResults {
  /** Spawn to the first answered `Version` on the socket. */
  readyMs: StartupTimes;
  /** Spawn to the socket accepting connections. */
  socketMs: StartupTimes;
  /** RSS of a fresh provider, warmed up, idle, before any mount, MiB (median of the fresh runs). */
  idleRssMiB: number;
  /**
   * Latency of the first mount of a fresh process (1 Secrets Manager object,
   * new identity), ms (median of the fresh runs).
   */
  firstMountMs: number;
  /** The fresh providers these medians are of. */
  fresh?: { runs: FreshRun[]; rssAfterFirstMountMiB: number; warmUpMs: number };
  /** The footprint storm (issue 15), when run. */
  footprintStorm?: FootprintStormResults | null;
  /** Every run of the scenarios of issue 15's CPU and overhead targets, in the order run. */
  footprintScenarioRuns?: FootprintScenarioRun[];
  /** RSS of the provider after all sequential scenarios, MiB. */
  rssAfterScenariosMiB: number;
  /** The headline storm's provider (a fresh process; every storm's memory is in its scenario). */
  storm: {
    /** Which storm these numbers are from. */
    scenario: string;
    /** RSS after start, before the storm, MiB. */
    idleRssBeforeMiB: number;
    /** Peak RSS during the storm (`VmHWM`), MiB. */
    peakRssMiB: number;
    /** Whether `VmHWM` was reset before the storm. */
    peakReset: boolean;
    /** Largest sampled `VmRSS` during the storm, MiB. */
    sampledPeakRssMiB: number;
    /** RSS idle after the storm, after `settleMs` of idleness (the last of `idleRssAfter`), MiB. */
    idleRssAfterMiB: number;
    /** How long it was left idle before `idleRssAfterMiB` was read, ms. */
    settleMs: number;
    /** RSS read at several points of the idle time after the storm. */
    idleRssAfter: { afterMs: number; rssMiB: number }[];
  } | null;
}

/**
 * Slack a verdict grants beyond the target's own words (noise, an expected
 * refresh), printed next to the verdict so that a pass it made is visible.
 */
export interface Allowance {
  /** What is allowed and the limit it sets, e.g. `+10% + 1 ms of noise: up to 35.1 ms`. */
  text: string;
  /** The target passes only thanks to the allowance (the strict reading misses). */
  used: boolean;
}

/** One target of issue 6 and whether it is met. */
export interface TargetCheck {
  /** The target, in the issue's words. */
  target: string;
  /** The measured value. */
  value: string;
  /** Met (within the allowance, if any)? */
  pass: boolean;
  /** The allowance the verdict grants, if any. */
  allowance?: Allowance;
  /** How it was judged, if not obvious. */
  note?: string;
}

/** `PASS`, `PASS within allowance` (only the allowance made it pass) or `MISS`. */
export function verdict(check: TargetCheck): string {
  if (!check.pass) return "MISS";
  return check.allowance?.used ? "PASS within allowance" : "PASS";
}

/** How big a run is: set on the command line, recorded in the results. */
export interface BenchSizes {
  /** Latency added by the proxy to every AWS call, ms. */
  latencyMs: number;
  /** Measured mounts per warm scenario. */
  iterations: number;
  /** Measured mounts per cold scenario. */
  coldIterations: number;
  /** Unmeasured mounts before each sequential scenario. */
  warmup: number;
  /** Concurrent mounts of the storm. */
  stormMounts: number;
  /** Secrets per storm mount. */
  stormSecrets: number;
  /** Pods per service account in the headline storm. */
  stormPodsPerServiceAccount: number;
  /** Deadline of each storm mount, ms. */
  stormTimeoutMs: number;
  /**
   * Fresh providers measured (start-up, idle RSS once warmed up, first mount
   * and RSS after it); their medians are reported.
   */
  startupRuns: number;
  /** Concurrent mounts of the footprint storm (issue 15; 0 = none). */
  footprintStormMounts?: number;
  /** Runs of the footprint storm, each on a fresh provider. */
  stormRuns?: number;
  /**
   * Runs of the scenarios issue 15's CPU and overhead targets are read from
   * (`sm-20-warm`, `ssm-20-warm`), the first being the scenario's own; their
   * medians are reported.
   */
  cpuRuns?: number;
  /** Runs of `sm-20-warm` driven by the CSI driver's own Go client (0: none). */
  driverRuns?: number;
}

/** One run of a scenario issue 15's CPU and overhead targets are read from. */
export interface FootprintScenarioRun {
  /** Which scenario. */
  scenario: string;
  /**
   * What played the driver: the dev stack's grpc-js client, or the CSI
   * driver's own Go client (`e2e/driver_harness`, as in production).
   */
  client: "grpc-js" | "driver";
  /** Provider CPU per mount, ms. */
  cpuMsPerMount: number;
  /** Overhead p50 over the AWS wait, ms (null when not measured). */
  overheadMsP50: number | null;
}

/** Everything written to `latest.json`. */
export interface BenchResults {
  /** Shape version of this file. */
  schemaVersion: 1;
  /** When the run started (ISO 8601). */
  date: string;
  /** `full` or `short`. */
  mode: "full" | "short";
  /** Settings of the run. */
  settings: BenchSizes & {
    /** Extra provider flags (none = production defaults). */
    providerArgs: string[];
    /** Scenario name filter, if any. */
    only: string[];
    /** Whether a profile was taken. */
    profile: boolean;
    /** Where pod volumes were created. */
    mountDir: string;
    /** Its file system (`tmpfs` as under the driver, or a disk). */
    mountFs: string;
    /** Whether the benchmark mounted a tmpfs there, and if not, why. */
    mountTmpfs: { mode: "auto" | "on" | "off"; mounted: boolean; reason?: string };
    /** How AWS was emulated. */
    emulator: string;
  };
  /** The machine. */
  machine: MachineInfo;
  /** How the provider was run. */
  provider: {
    /** Its command line (temporary paths vary per run). */
    command: string[];
  };
  /** Process-level numbers. */
  process: ProcessResults;
  /** One entry per scenario. */
  scenarios: ScenarioResult[];
  /** The issue's targets. */
  targets: TargetCheck[];
  /** The warm 20-object profile, when `--profile`. */
  profile: (ProfileSummary & { file: string; scenario: ScenarioResult }) | null;
  /** The values of the run this one replaced (its result file), for the ratios. */
  lastRun?: { date: string; values: FootprintValues } | null;
  /** Issue 15's targets. */
  footprint?: FootprintCheck[];
}

/** Issue 15's verdicts for `results`, next to their last run's values. */
export function checkFootprintTargets(results: Omit<BenchResults, "targets">): FootprintCheck[] {
  return checkFootprint(footprintValues(results), results.lastRun?.values ?? {});
}

const MIB_PEAK = 200;
/** The provider's default `--k8s-cache-ttl`. */
const K8S_CACHE_TTL_MS = 30_000;
const MIB_IDLE = 80;

/** Checks the issue's targets against the results (only those the run measured). */
export function checkTargets(results: Omit<BenchResults, "targets">): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const latency = results.settings.latencyMs;
  const byName = new Map(results.scenarios.map((s) => [s.name, s]));
  const p50Limit = 2 * latency + 10;
  for (const [name, label] of [["sm-20-warm", "Secrets Manager"], ["ssm-20-warm", "SSM"]]) {
    const s = byName.get(name);
    if (s === undefined) continue;
    checks.push({
      target: `warm mount of 20 ${label} objects: p50 < 2 round trips + 10 ms (${p50Limit} ms)`,
      value: `p50 ${fmt(s.latencyMs.p50)} ms`,
      pass: s.failed === 0 && s.latencyMs.p50 < p50Limit,
    });
  }
  for (const store of ["sm", "ssm", "mixed-jmes"]) {
    for (const mode of ["warm", "cold"]) {
      const single = byName.get(`${store}-20-${mode}`);
      const failover = byName.get(`${store}-20-failover-${mode}`);
      if (single === undefined || failover === undefined) continue;
      const limit = single.latencyMs.p50 * 1.1 + 1;
      const difference = failover.latencyMs.p50 - single.latencyMs.p50;
      const pass = failover.failed === 0 && failover.latencyMs.p50 <= limit;
      checks.push({
        target: `${store}-20 ${mode} with a failover region: no slower than without`,
        value: `p50 ${fmt(failover.latencyMs.p50)} ms vs ${fmt(single.latencyMs.p50)} ms (${
          difference > 0 ? "+" : ""
        }${fmt(difference)} ms)`,
        pass,
        allowance: {
          text: `+10% + 1 ms of noise: up to ${fmt(limit)} ms`,
          used: pass && difference > 0,
        },
      });
    }
  }
  const warmSm = results.scenarios.filter((s) => s.mode === "warm" && s.store === "secretsmanager");
  for (const s of warmSm) {
    const expected = Math.ceil(s.objects / 20);
    const regions = s.failover ? ["us-east-1", "us-west-2"] : ["us-east-1"];
    const perRegion = regions.map((region) =>
      Object.entries(s.awsCallsPerMount)
        .filter(([key]) => key.endsWith(`.${region}`) && !key.startsWith("sts."))
        .reduce((sum, [, count]) => sum + count, 0)
    );
    checks.push({
      target:
        `AWS calls per warm mount of ${s.objects} unpinned secrets (${s.name}): ceil(n/20) = ${expected} per region`,
      value: regions.map((region, i) => `${region} ${fmt(perRegion[i], 3)}`).join(", "),
      pass: perRegion.every((count) => count === expected),
    });
  }
  const warm = results.scenarios.filter((s) => s.mode === "warm");
  if (warm.length > 0) {
    const sts = Math.max(...warm.map((s) => s.stsCallsPerMount));
    checks.push({
      target: "STS calls per warm mount: 0 while the pod's credentials are valid",
      value: `max ${fmt(sts, 3)} over ${warm.length} warm scenarios`,
      pass: sts === 0,
    });
    // One refresh per service account per TTL is expected: a warm mount may
    // be the one that finds the cached role expired.
    const excess = warm.map((s) => {
      const calls = Math.round(s.kubeCallsPerMount * s.mounts);
      const allowed = Math.ceil(s.wallMs / K8S_CACHE_TTL_MS);
      return { s, calls, allowed };
    });
    const worst = excess.reduce((a, b) => (b.calls - b.allowed > a.calls - a.allowed ? b : a));
    const total = excess.reduce((sum, e) => sum + e.calls, 0);
    const pass = excess.every((e) => e.calls <= e.allowed);
    checks.push({
      target: "Kubernetes calls per warm mount: 0 while cached",
      value: `${total} call${total === 1 ? "" : "s"} in ${
        excess.reduce((sum, e) => sum + e.s.mounts, 0)
      } warm mounts; worst ${worst.s.name}: ${worst.calls} in ${fmt(worst.s.wallMs / 1000, 1)} s`,
      pass,
      allowance: {
        text: `one refresh per scenario per 30 s (--k8s-cache-ttl default) of measuring: up to ${
          excess.reduce((sum, e) => sum + e.allowed, 0)
        } in all, ${worst.allowed} in ${worst.s.name}`,
        used: pass && total > 0,
      },
    });
  }
  const storm = headlineStorm(results.scenarios);
  if (storm !== undefined) {
    const who = storm.storm
      ? ` (${storm.name}: ${plural(storm.storm.serviceAccounts, "service account")})`
      : ` (${storm.name})`;
    checks.push({
      target: `storm: all ${storm.mounts} mounts succeed${who}`,
      value: `${storm.succeeded}/${storm.mounts}`,
      pass: storm.failed === 0,
    });
    const floor = storm.storm?.kubeRateLimitFloorMs ?? 0;
    checks.push({
      target: `storm: p99 < 3 s${who}`,
      value: `p99 ${fmt(storm.latencyMs.p99)} ms`,
      pass: storm.failed === 0 && storm.latencyMs.p99 < 3000,
      ...(floor > 0
        ? {
          note: `client-side Kubernetes rate limit (--qps ${storm.storm!.qps} --burst ${
            storm.storm!.burst
          }, ${storm.storm!.kubeCalls} calls) lets the last call start after ${
            fmt(floor / 1000, 2)
          } s`,
        }
        : {}),
    });
  }
  const stormProcess = results.process.storm;
  if (stormProcess !== null) {
    checks.push({
      target: `storm: peak RSS < ${MIB_PEAK} MiB`,
      value: `${fmt(stormProcess.peakRssMiB, 1)} MiB`,
      pass: stormProcess.peakRssMiB < MIB_PEAK,
      note: stormProcess.peakReset ? "VmHWM reset before the storm" : "VmHWM of the whole process",
    });
    checks.push({
      target: `idle RSS < ${MIB_IDLE} MiB (after the storm)`,
      value: `${fmt(stormProcess.idleRssAfterMiB, 1)} MiB`,
      pass: stormProcess.idleRssAfterMiB < MIB_IDLE,
      note: `${stormProcess.settleMs / 1000} s idle after ${stormProcess.scenario}`,
    });
  }
  checks.push({
    target: `idle RSS < ${MIB_IDLE} MiB (fresh process, before any mount)`,
    value: `${fmt(results.process.idleRssMiB, 1)} MiB`,
    pass: results.process.idleRssMiB < MIB_IDLE,
  });
  checks.push({
    target: "ready socket < 1 s after start (spawn → Version answered)",
    value: `max ${fmt(results.process.readyMs.max, 0)} ms, p50 ${
      fmt(results.process.readyMs.p50, 0)
    } ms over ${results.process.readyMs.runs.length} starts`,
    pass: results.process.readyMs.max < 1000,
  });
  for (const name of ["sm-20-warm", "ssm-20-warm", "mixed-jmes-20-warm"]) {
    const s = byName.get(name);
    if (s?.overheadMs == null) continue;
    checks.push({
      target: `provider overhead p50 < 3 ms for 20 objects (${name})`,
      value: `p50 ${fmt(s.overheadMs.p50)} ms`,
      pass: s.overheadMs.p50 < 3,
      note: "mount latency minus the union of AWS call intervals (proxy latency included)",
    });
  }
  return checks;
}

/** The storm the targets are checked on: the headline one, else the first. */
export function headlineStorm(scenarios: ScenarioResult[]): ScenarioResult | undefined {
  // Issue 15's storm has targets of its own.
  const storms = scenarios.filter((s) => s.mode === "storm" && !s.storm?.footprint);
  return storms.find((s) => s.storm?.headline) ?? storms[0];
}

/** Where the pod volumes were, for the report header. */
function volumesLine(results: BenchResults): string {
  const { mountFs, mountDir, mountTmpfs } = results.settings;
  if (mountTmpfs?.mounted) return `pod volumes on a tmpfs the bench mounted (as the driver does)`;
  return `pod volumes on ${mountFs} in ${mountDir} (no tmpfs: ${
    mountTmpfs?.reason ?? "not requested"
  }; the driver mounts a tmpfs per volume, where fsync is free)`;
}

/** The storms' table: who mounted, the rate limit, its floor, latency and memory. */
function stormTable(results: BenchResults, style: "text" | "markdown"): string | undefined {
  const storms = results.scenarios.filter((s) => s.mode === "storm" && s.storm !== undefined);
  if (storms.length === 0) return undefined;
  const idleLabel = (s: ScenarioResult) => {
    const last = s.memory?.idleAfter?.at(-1);
    return last ? `${fmt(last.rssMiB, 1)} (${last.afterMs / 1000} s)` : "-";
  };
  return table(
    [
      "storm",
      "ok",
      "service accounts × pods",
      "qps/burst",
      "kube calls",
      "rate-limit floor s",
      "wall s",
      "p50 ms",
      "p99 ms",
      "AWS call p99 ms",
      "peak RSS MiB",
      "idle RSS MiB",
    ],
    storms.map((s) => {
      const b = s.storm!;
      return [
        s.name,
        `${s.succeeded}/${s.mounts}`,
        `${b.serviceAccounts} × ${b.podsPerServiceAccount}`,
        b.qps < 0 ? "unlimited" : `${b.qps}/${b.burst}`,
        String(b.kubeCalls),
        fmt(b.kubeRateLimitFloorMs / 1000, 2),
        fmt(s.wallMs / 1000, 2),
        fmt(s.latencyMs.p50),
        fmt(s.latencyMs.p99),
        s.awsCallMs ? fmt(s.awsCallMs.p99) : "-",
        s.memory ? fmt(s.memory.peakRssMiB, 1) : "-",
        idleLabel(s),
      ];
    }),
    style,
  );
}

/** The stdout report. */
export function formatText(results: BenchResults): string {
  const out: string[] = [];
  const m = results.machine;
  out.push(
    `Benchmark ${results.date} (${results.mode}): ${m.cpuModel}, ${m.cores} cores, ${m.memoryMiB} MiB, ` +
      `Deno ${m.deno.deno} (V8 ${m.deno.v8}), ${m.os}, moto ${m.motoVersion}, ` +
      `${results.settings.latencyMs} ms per AWS call; ${results.settings.emulator}; ${
        volumesLine(results)
      }; load average ${m.loadAverage.map((x) => x.toFixed(2)).join(" ")} at start, ${
        (m.loadAverageAtEnd ?? []).map((x) => x.toFixed(2)).join(" ")
      } at end`,
    "",
  );
  for (const s of results.scenarios) {
    out.push(`== ${s.name}: ${s.description}`);
    out.push(
      `   mounts ${s.mounts} (${s.succeeded} ok, ${s.failed} failed; warm-up ${s.warmupMounts}; ` +
        `concurrency ${s.concurrency}; ${s.filesPerMount} files each)`,
    );
    out.push(
      `   latency ms      p50 ${fmt(s.latencyMs.p50)}  p90 ${fmt(s.latencyMs.p90)}  p99 ${
        fmt(s.latencyMs.p99)
      }  (min ${fmt(s.latencyMs.min)}, max ${fmt(s.latencyMs.max)})`,
    );
    out.push(`   throughput      ${fmt(s.mountsPerSecond, 1)} mounts/s`);
    out.push(
      `   AWS calls/mount ${fmt(s.awsCallsPerMountTotal, 3)}: ${
        Object.entries(s.awsCallsPerMount).map(([k, v]) => `${k} ${fmt(v, 3)}`).join(", ") || "none"
      }`,
    );
    out.push(
      `   STS/mount ${fmt(s.stsCallsPerMount, 3)}   Kubernetes/mount ${
        fmt(s.kubeCallsPerMount, 3)
      }${
        Object.keys(s.kubeCallsPerMountByResource).length
          ? ` (${
            Object.entries(s.kubeCallsPerMountByResource).map(([k, v]) => `${k} ${fmt(v, 3)}`)
              .join(", ")
          })`
          : ""
      }`,
    );
    out.push(
      `   provider CPU    ${fmt(s.cpuMsPerMount)} ms/mount (user ${
        fmt(s.cpuUserMsPerMount)
      }, system ${fmt(s.cpuSystemMsPerMount)})`,
    );
    if (s.overheadMs !== null && s.awsWaitMs !== null) {
      out.push(
        `   overhead ms     p50 ${fmt(s.overheadMs.p50)}  p90 ${fmt(s.overheadMs.p90)}  p99 ${
          fmt(s.overheadMs.p99)
        }   (AWS wait p50 ${fmt(s.awsWaitMs.p50)})`,
      );
    }
    if (s.providerMs && s.pipelineOverheadMs && s.transportMs) {
      out.push(
        `   split p50       provider ${fmt(s.providerMs.p50)} ms = AWS wait + pipeline ${
          fmt(s.pipelineOverheadMs.p50)
        } ms; gRPC + socket ${fmt(s.transportMs.p50)} ms`,
      );
    }
    if (s.awsCallMs) {
      out.push(
        `   AWS call ms     p50 ${fmt(s.awsCallMs.p50)}  p90 ${fmt(s.awsCallMs.p90)}  p99 ${
          fmt(s.awsCallMs.p99)
        }  max ${fmt(s.awsCallMs.max)}   (${results.settings.latencyMs} ms injected + emulator)`,
      );
    }
    if (s.storm) {
      const b = s.storm;
      out.push(
        `   who             ${plural(b.serviceAccounts, "service account")} × ${
          plural(b.podsPerServiceAccount, "pod")
        }; ` +
          `--qps ${b.qps} --burst ${b.burst}${
            b.providerArgs.length ? ` (${b.providerArgs.join(" ")})` : ""
          }; ${b.kubeCalls} Kubernetes calls → rate-limit floor ${
            fmt(b.kubeRateLimitFloorMs / 1000, 2)
          } s (wall ${fmt(s.wallMs / 1000, 2)} s)`,
      );
    }
    if (s.memory) {
      out.push(
        `   memory          RSS before ${fmt(s.memory.rssBeforeMiB, 1)} MiB, peak ${
          fmt(s.memory.peakRssMiB, 1)
        } MiB (sampled ${fmt(s.memory.sampledPeakRssMiB, 1)} MiB)${
          (s.memory.idleAfter ?? []).map((x) =>
            `, idle after ${x.afterMs / 1000} s ${fmt(x.rssMiB, 1)} MiB`
          ).join("")
        }`,
      );
    }
    for (const error of s.errors) out.push(`   error: ${error}`);
    out.push("");
  }
  out.push("Summary", summaryTable(results, "text"), "");
  const storms = stormTable(results, "text");
  if (storms) {
    out.push(
      "Storms (the rate-limit floor: when the provider's token bucket lets its last Kubernetes call start)",
      storms,
      "",
    );
  }
  out.push("Process", processTable(results, "text"), "");
  if (results.profile) out.push(profileText(results.profile), "");
  out.push("Targets (issue 6)");
  for (const check of results.targets) {
    out.push(
      `  ${verdict(check)}  ${check.target}: ${check.value}${
        check.allowance ? `  [allowance: ${check.allowance.text}]` : ""
      }${check.note ? `  [${check.note}]` : ""}`,
    );
  }
  out.push(`  ${verdictCounts(results.targets)}`);
  const footprint = results.footprint ?? [];
  if (footprint.length > 0) {
    out.push(
      "",
      `Targets (issue 15: footprint; medians; vs the last run${
        results.lastRun ? ` of ${results.lastRun.date.slice(0, 10)}` : ", none found"
      })`,
      table(FOOTPRINT_HEADERS, footprintRows(footprint), "text"),
      `  ${footprintCounts(footprint)}`,
    );
  }
  return out.join("\n");
}

/** `7 PASS, 2 MISS (1 not measured)`. */
function footprintCounts(checks: readonly FootprintCheck[]): string {
  const measured = checks.filter((check) => check.value !== undefined);
  const passed = measured.filter((check) => check.pass).length;
  const missing = checks.length - measured.length;
  return `${passed} PASS, ${measured.length - passed} MISS${
    missing > 0 ? ` (${missing} not measured)` : ""
  }`;
}

/** The markdown report for the README. */
export function formatMarkdown(results: BenchResults): string {
  const m = results.machine;
  const out: string[] = [];
  out.push(
    `Benchmark of ${results.date.slice(0, 10)} (\`deno task bench${
      results.mode === "short" ? " --short" : ""
    }\`, ${results.settings.latencyMs} ms added to every AWS call, ${results.settings.emulator}, ${
      volumesLine(results)
    }): ` +
      `${m.cpuModel}, ${m.cores} cores, ${m.memoryMiB} MiB RAM, Deno ${m.deno.deno}, moto ${m.motoVersion}. ` +
      `Warm scenarios: ${results.settings.iterations} measured mounts, cold: ${results.settings.coldIterations}, ` +
      `after ${results.settings.warmup} warm-up mounts.`,
    "",
    summaryTable(results, "markdown"),
    "",
    ...(stormTable(results, "markdown") ? [stormTable(results, "markdown")!, ""] : []),
    processTable(results, "markdown"),
    "",
    "| Target (issue 6) | Measured | Allowance | Verdict |",
    "|---|---|---|---|",
    ...results.targets.map((check) =>
      `| ${escape(check.target)} | ${escape(check.value)} | ${
        escape(check.allowance?.text ?? "none")
      } | ${check.pass ? verdict(check) : "**MISS**"} |`
    ),
    "",
    verdictCounts(results.targets) + ".",
  );
  const footprint = results.footprint ?? [];
  if (footprint.length > 0) {
    out.push(
      "",
      `Issue 15 (footprint), medians of several runs, each next to the last run${
        results.lastRun ? ` (${results.lastRun.date.slice(0, 10)})` : " (none found)"
      }:`,
      "",
      table(FOOTPRINT_HEADERS, footprintRows(footprint), "markdown"),
      "",
      footprintCounts(footprint) + ".",
    );
  }
  if (results.profile) {
    const p = results.profile;
    out.push(
      "",
      `Profile of ${p.mounts} warm 20-object Secrets Manager mounts: ${
        fmt(p.busyMsPerMount, 2)
      } ms ` +
        `of JavaScript-thread time per mount (GC ${fmt(p.gcMs)} ms, native ${
          fmt(p.programMs)
        } ms in total).`,
      "",
      "| Area | ms/mount | % |",
      "|---|---:|---:|",
      ...p.byArea.map((e) =>
        `| ${escape(e.area)} | ${fmt(e.selfMsPerMount, 3)} | ${fmt(e.selfPercent, 1)} |`
      ),
      "",
      "| Function | Location | Self ms/mount | Self % |",
      "|---|---|---:|---:|",
      ...p.topSelf.slice(0, 15).map((e) =>
        `| \`${escape(e.function)}\` | ${escape(e.location)} | ${fmt(e.selfMsPerMount, 3)} | ${
          fmt(e.selfPercent, 1)
        } |`
      ),
    );
  }
  return out.join("\n") + "\n";
}

/** `17 PASS (2 of them only within an allowance), 7 MISS`. */
function verdictCounts(targets: TargetCheck[]): string {
  const missed = targets.filter((check) => !check.pass).length;
  const allowed = targets.filter((check) => check.pass && check.allowance?.used).length;
  return `${
    targets.length - missed
  } PASS (${allowed} of them only within an allowance), ${missed} MISS`;
}

function summaryTable(results: BenchResults, style: "text" | "markdown"): string {
  const headers = [
    "scenario",
    "mounts",
    "ok",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "mounts/s",
    "AWS/mount",
    "STS/mount",
    "kube/mount",
    "CPU ms/mount",
    "overhead p50",
    "AWS call p99",
  ];
  const rows = results.scenarios.map((s) => [
    s.name,
    String(s.mounts),
    String(s.succeeded),
    fmt(s.latencyMs.p50),
    fmt(s.latencyMs.p90),
    fmt(s.latencyMs.p99),
    fmt(s.mountsPerSecond, 1),
    fmt(s.awsCallsPerMountTotal, 2),
    fmt(s.stsCallsPerMount, 2),
    fmt(s.kubeCallsPerMount, 2),
    fmt(s.cpuMsPerMount),
    s.overheadMs ? fmt(s.overheadMs.p50) : "-",
    s.awsCallMs ? fmt(s.awsCallMs.p99) : "-",
  ]);
  return table(headers, rows, style);
}

function processTable(results: BenchResults, style: "text" | "markdown"): string {
  const p = results.process;
  const rows: string[][] = [
    [
      "ready socket (spawn → Version)",
      `p50 ${fmt(p.readyMs.p50, 0)} ms, max ${
        fmt(p.readyMs.max, 0)
      } ms (${p.readyMs.runs.length} starts)`,
    ],
    ["socket accepting", `p50 ${fmt(p.socketMs.p50, 0)} ms, max ${fmt(p.socketMs.max, 0)} ms`],
    ["idle RSS after start (warmed up)", `${fmt(p.idleRssMiB, 1)} MiB`],
    ["first mount of a fresh process (1 secret, new identity)", `${fmt(p.firstMountMs)} ms`],
    ...(p.fresh
      ? [
        ["RSS after the first mount", `${fmt(p.fresh.rssAfterFirstMountMiB, 1)} MiB`],
        ["warm-up after start (its own time)", `${fmt(p.fresh.warmUpMs, 0)} ms`],
        [
          "fresh providers (ready ms / idle MiB / first mount ms / after MiB)",
          p.fresh.runs.map((run) =>
            `${fmt(run.readyMs, 0)}/${fmt(run.idleRssMiB, 1)}/${fmt(run.firstMountMs, 0)}/${
              fmt(run.rssAfterFirstMountMiB, 1)
            }`
          ).join(", "),
        ],
      ]
      : []),
    ["RSS after the sequential scenarios", `${fmt(p.rssAfterScenariosMiB, 1)} MiB`],
  ];
  if (p.storm) {
    const name = p.storm.scenario;
    rows.push(
      [`${name}: RSS before (fresh process)`, `${fmt(p.storm.idleRssBeforeMiB, 1)} MiB`],
      [
        `${name}: peak RSS (VmHWM)`,
        `${fmt(p.storm.peakRssMiB, 1)} MiB (sampled ${fmt(p.storm.sampledPeakRssMiB, 1)} MiB)`,
      ],
      ...(p.storm.idleRssAfter ?? [{ afterMs: p.storm.settleMs, rssMiB: p.storm.idleRssAfterMiB }])
        .map((x) => [`${name}: idle RSS ${x.afterMs / 1000} s after`, `${fmt(x.rssMiB, 1)} MiB`]),
    );
  }
  const f = p.footprintStorm;
  if (f) {
    rows.push(
      [`${f.scenario}: peak RSS (median of ${f.runs.length})`, `${fmt(f.peakRssMiB, 1)} MiB`],
      [
        `${f.scenario}: idle RSS ${f.settleMs / 1000} s after (median)`,
        `${fmt(f.idleRssAfterMiB, 1)} MiB`,
      ],
      [
        `${f.scenario}: runs (before / peak / idle after, MiB)`,
        f.runs.map((run) =>
          `${fmt(run.rssBeforeMiB, 1)}/${fmt(run.peakRssMiB, 1)}/${fmt(run.idleRssAfterMiB, 1)}`
        ).join(", "),
      ],
    );
  }
  return table(["process", "value"], rows, style);
}

function profileText(p: ProfileSummary & { file: string }): string {
  const lines = [
    `Profile (${p.file}): ${p.mounts} warm sm-20 mounts, ${p.samples} samples every ${p.samplingIntervalUs} µs; ` +
    `busy ${fmt(p.busyMs)} ms of ${fmt(p.durationMs)} ms (${
      fmt(p.busyMsPerMount, 3)
    } ms/mount; GC ${fmt(p.gcMs)} ms, native ${fmt(p.programMs)} ms)`,
    table(
      ["self ms/mount", "self %", "function", "location"],
      p.topSelf.map((e) => [
        fmt(e.selfMsPerMount, 3),
        fmt(e.selfPercent, 1),
        e.function,
        e.location,
      ]),
      "text",
    ),
    "By area (innermost matching frame decides):",
    table(
      ["ms/mount", "%", "area"],
      p.byArea.map((e) => [fmt(e.selfMsPerMount, 3), fmt(e.selfPercent, 1), e.area]),
      "text",
    ),
    "Callers of the top functions (innermost first):",
    ...p.topSelf.slice(0, 10).flatMap((e) => [
      `  ${e.function} (${e.location}):`,
      ...e.callers.map((c) => `    ${fmt(c.selfMs)} ms  < ${c.stack}`),
    ]),
    "By module:",
    table(
      ["self ms", "self %", "module"],
      p.byModule.slice(0, 15).map((e) => [fmt(e.selfMs), fmt(e.selfPercent, 1), e.module]),
      "text",
    ),
    "Provider functions by inclusive time:",
    table(
      ["total ms/mount", "function", "location"],
      p.topInclusive.slice(0, 15).map((e) => [fmt(e.totalMsPerMount, 3), e.function, e.location]),
      "text",
    ),
  ];
  return lines.join("\n");
}

function table(headers: string[], rows: string[][], style: "text" | "markdown"): string {
  if (style === "markdown") {
    return [
      `| ${headers.map(escape).join(" | ")} |`,
      `|${headers.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
      ...rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
    ].join("\n");
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    "  " + cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ");
  return [line(headers), "  " + widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)]
    .join("\n");
}

function escape(text: string): string {
  return text.replaceAll("|", "\\|");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** A number with `digits` decimals; `-` for NaN/undefined. */
export function fmt(value: number | undefined | null, digits = 1): string {
  if (value === undefined || value === null || Number.isNaN(value)) return "-";
  return value.toFixed(digits);
}
