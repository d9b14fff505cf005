/**
 * The soak: many mounts through the real provider process (moto in two
 * regions behind the fault proxy, the local Kubernetes API), a few dozen at
 * a time, while the primary region's faults change every phase. Every object
 * exists in both regions and the failover region never fails, so every mount
 * must succeed with complete, correct files — except one that an injected
 * fatal error (`FATAL_FAULT_CODES`) answered, which must fail with that error
 * as a gRPC status. A mount that hangs until its deadline is a failure of the
 * soak, never a clean one. The provider's memory and open descriptors must
 * stay flat after warm-up.
 * Used by `bench/soak.ts` (20,000 mounts) and `test/soak/soak_test.ts` (short).
 *
 * @module
 */

import {
  FAILOVER_REGION,
  type MountOutcome,
  PRIMARY_REGION,
  startStack,
} from "../../devstack/mod.ts";
import { type ProcessSample, sampleProcess } from "./process_sample.ts";
import {
  type CatalogEntry,
  checkMountFiles,
  pickEntries,
  random,
  readFiles,
  seedCatalog,
} from "./soak_catalog.ts";
import { FATAL_FAULT_CODES, isFatalFault, nextPhase } from "./soak_faults.ts";

/** Options of {@linkcode runSoak}. */
export interface SoakOptions {
  /** Mounts in all. */
  mounts: number;
  /** Mounts in flight at once. */
  concurrency: number;
  /** Take a resource sample after every this many mounts (in flight ones finish first). */
  sampleEvery: number;
  /** Mounts before the baseline sample. */
  warmupMounts: number;
  /** Mounts per fault phase. */
  phaseMounts: number;
  /** gRPC deadline of each mount, ms. */
  timeoutMs: number;
  /** Seed of the workload and the fault schedule. */
  seed: number;
  /** Largest allowed RSS growth after warm-up, MiB. */
  maxRssGrowthMiB: number;
  /** Largest allowed change of non-socket descriptors after warm-up. */
  maxFdDrift: number;
  /** Called after every sample. */
  onSample?: (sample: SoakSample) => void;
}

/** A resource sample at a point of the run. */
export interface SoakSample extends ProcessSample {
  /** Mounts done. */
  mounts: number;
  /** Seconds since the first mount. */
  elapsedS: number;
}

/** One pass/fail verdict of the run. */
export interface SoakCheck {
  /** What was checked. */
  name: string;
  /** Whether it held. */
  ok: boolean;
  /** Numbers behind the verdict. */
  detail: string;
}

/** What a soak run found. */
export interface SoakReport {
  /** The options (without callbacks). */
  options: Omit<SoakOptions, "onSample">;
  /** Load average (1, 5, 15 min) of the machine when the mounts started and ended: a busy machine slows every mount. */
  loadAverage: { start: number[]; end: number[] };
  /** Wall time of the mounts, s. */
  durationS: number;
  /** Mounts per second. */
  mountsPerSecond: number;
  /** Outcome counts. */
  outcomes: {
    /** Complete, correct files. */
    ok: number;
    /** Answered with an injected fatal error (allowed). */
    failedClean: number;
    /** Answered with an error no fatal fault explains: the failover region held every object. */
    failedUnexplained: number;
    /** A hang (DEADLINE_EXCEEDED), another status code, or an internal error. */
    failedUnclean: number;
    /** Wrong, missing or half-written files. */
    wrongFiles: number;
    /** Failed mounts whose files appeared after their deadline (complete and correct). */
    completedAfterDeadline: number;
  };
  /**
   * The success floor: each request answered with an injected fatal error
   * may fail one mount; every other mount must succeed.
   */
  successFloor: { fatalFaultsAnswered: number; floor: number };
  /** Objects mounted in all, and those served by the failover region. */
  objects: { mounted: number; fromFailover: number };
  /** Latency of successful mounts, ms. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Failure messages (first 100 characters) with their counts. */
  errors: Record<string, number>;
  /** gRPC status codes of failures with their counts. */
  codes: Record<string, number>;
  /** Fault phases by description, with their counts. */
  phases: Record<string, number>;
  /** Requests the fault proxy answered with a fault, by kind. */
  faultedRequests: Record<string, number>;
  /** Up to 10 problems found (wrong files, unclean errors). */
  problems: string[];
  /** Resource samples. */
  samples: SoakSample[];
  /** Verdicts. */
  checks: SoakCheck[];
  /** Provider exit code after SIGTERM. */
  exitCode: number;
}

/**
 * The gRPC code a failed mount may end with: UNKNOWN, the provider's answer.
 * DEADLINE_EXCEEDED means it did not answer in time — a hang, never clean.
 */
const ANSWERED_CODE = 2;
const TEMP_FILE = /(^|\/)\.[^/]*\.tmp-/;

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

function count(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
}

/** Runs the soak and returns its report (it does not throw on failed checks). */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  await using stack = await startStack();
  const { provider, proxy } = stack;
  const regions: [string, string] = [PRIMARY_REGION, FAILOVER_REGION];
  const catalog = await seedCatalog(stack.seeder, regions, {
    secrets: 12,
    jsonSecrets: 3,
    parameters: 8,
    seed: options.seed,
  });
  const next = random(options.seed + 1);
  const { onSample: _, ...plainOptions } = options;
  const report: SoakReport = {
    options: plainOptions,
    loadAverage: { start: [], end: [] },
    durationS: 0,
    mountsPerSecond: 0,
    outcomes: {
      ok: 0,
      failedClean: 0,
      failedUnexplained: 0,
      failedUnclean: 0,
      wrongFiles: 0,
      completedAfterDeadline: 0,
    },
    successFloor: { fatalFaultsAnswered: 0, floor: options.mounts },
    objects: { mounted: 0, fromFailover: 0 },
    latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
    errors: {},
    codes: {},
    phases: {},
    faultedRequests: {},
    problems: [],
    samples: [],
    checks: [],
    exitCode: -1,
  };
  const latencies: number[] = [];
  const failedMounts: { dir: string; entries: CatalogEntry[] }[] = [];
  const problem = (text: string) => {
    if (report.problems.length < 10) report.problems.push(text);
  };

  const mountOnce = async (index: number) => {
    if (index % options.phaseMounts === 0) {
      const phase = index / options.phaseMounts;
      count(report.phases, nextPhase(proxy, PRIMARY_REGION, { next, phase }));
    }
    const entries = pickEntries(catalog, next);
    const dir = await provider.newTargetPath();
    const started = performance.now();
    const outcome: MountOutcome = await provider.driver.mount({
      targetPath: dir,
      timeoutMs: options.timeoutMs,
      parameters: {
        region: PRIMARY_REGION,
        failoverRegion: FAILOVER_REGION,
        objects: entries.map((entry) => entry.yaml).join("\n"),
      },
    });
    const files = await readFiles(dir);
    const temporary = [...files.keys()].find((path) => TEMP_FILE.test(path));
    if (outcome.ok) {
      latencies.push(performance.now() - started);
      const check = checkMountFiles(entries, files, outcome);
      if (check.problem !== undefined || temporary !== undefined) {
        report.outcomes.wrongFiles++;
        problem(`mount ${index}: ${check.problem ?? `temporary file ${temporary}`}`);
      } else {
        report.outcomes.ok++;
        report.objects.mounted += entries.length;
        report.objects.fromFailover += check.failovers;
      }
      await Deno.remove(dir, { recursive: true });
      return;
    }
    count(report.codes, String(outcome.code));
    count(report.errors, outcome.message.slice(0, 100));
    const answered = outcome.code === ANSWERED_CODE && outcome.message !== "" &&
      !outcome.message.startsWith("internal error");
    if (!answered) {
      report.outcomes.failedUnclean++;
      problem(`mount ${index}: unclean failure ${outcome.code}: ${outcome.message.slice(0, 200)}`);
    } else if (FATAL_FAULT_CODES.some((code) => outcome.message.includes(code))) {
      report.outcomes.failedClean++;
    } else {
      report.outcomes.failedUnexplained++;
      problem(
        `mount ${index}: failed although the failover region holds every object: ${
          outcome.message.slice(0, 200)
        }`,
      );
    }
    // Checked at the end: the provider may still finish a mount whose deadline passed.
    failedMounts.push({ dir, entries });
  };

  const sample = async (done: number, startedAt: number) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const taken: SoakSample = {
      ...await sampleProcess(provider.process.pid),
      mounts: done,
      elapsedS: (performance.now() - startedAt) / 1000,
    };
    report.samples.push(taken);
    options.onSample?.(taken);
  };

  const startedAt = performance.now();
  report.loadAverage.start = Deno.loadavg();
  await sample(0, startedAt);
  let done = 0;
  while (done < options.mounts) {
    const chunkEnd = Math.min(options.mounts, done + options.sampleEvery);
    let cursor = done;
    const worker = async () => {
      while (cursor < chunkEnd) await mountOnce(cursor++);
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    done = chunkEnd;
    await sample(done, startedAt);
  }
  report.durationS = (performance.now() - startedAt) / 1000;
  report.loadAverage.end = Deno.loadavg();
  report.mountsPerSecond = options.mounts / report.durationS;
  proxy.clearFaults();

  // Failed mounts: empty, or (finished after the deadline) complete and correct.
  await new Promise((resolve) => setTimeout(resolve, options.timeoutMs));
  for (const { dir, entries } of failedMounts) {
    const files = await readFiles(dir);
    if (files.size === 0) continue;
    const check = checkMountFiles(entries, files);
    const temporary = [...files.keys()].find((path) => TEMP_FILE.test(path));
    if (check.problem !== undefined || temporary !== undefined) {
      report.outcomes.wrongFiles++;
      problem(`failed mount in ${dir}: ${check.problem ?? `temporary file ${temporary}`}`);
    } else report.outcomes.completedAfterDeadline++;
  }
  for (const call of proxy.calls()) {
    if (call.fault) count(report.faultedRequests, call.fault);
    if (isFatalFault(call)) report.successFloor.fatalFaultsAnswered++;
  }
  report.successFloor.floor = Math.max(
    0,
    options.mounts - report.successFloor.fatalFaultsAnswered,
  );
  const sorted = latencies.sort((a, b) => a - b);
  report.latencyMs = {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? 0,
  };
  let leakProblem = "none";
  try {
    report.exitCode = await provider.stop();
  } catch (error) {
    leakProblem = (error as Error).message;
    report.exitCode = await provider.process.exited;
  }
  await Deno.remove(provider.process.mountRoot, { recursive: true });
  report.checks = verdicts(report, options, leakProblem);
  return report;
}

function verdicts(report: SoakReport, options: SoakOptions, leakProblem: string): SoakCheck[] {
  const { outcomes } = report;
  const afterWarmup = report.samples.filter((sample) => sample.mounts >= options.warmupMounts);
  const quarter = Math.max(1, Math.floor(afterWarmup.length / 4));
  const baseline = afterWarmup.slice(0, quarter);
  const end = afterWarmup.slice(-quarter);
  const rssGrowth = mean(end.map((s) => s.rssMiB)) - mean(baseline.map((s) => s.rssMiB));
  const fdBaseline = afterWarmup[0]?.otherFds ?? 0;
  const fdDrift = Math.max(0, ...afterWarmup.map((s) => Math.abs(s.otherFds - fdBaseline)));
  const socketMax = Math.max(0, ...afterWarmup.map((s) => s.sockets));
  const socketBound = (afterWarmup[0]?.sockets ?? 0) + 2 * options.concurrency + 10;
  const total = outcomes.ok + outcomes.failedClean + outcomes.failedUnexplained +
    outcomes.failedUnclean + outcomes.wrongFiles;
  const { fatalFaultsAnswered, floor } = report.successFloor;
  return [
    {
      name: "every mount was answered in time: complete, correct files or a gRPC error, no hang",
      ok: total === options.mounts && outcomes.failedUnclean === 0 && outcomes.wrongFiles === 0,
      detail: `${outcomes.ok} ok, ${
        outcomes.failedClean + outcomes.failedUnexplained
      } answered errors, ${outcomes.failedUnclean} hung or unclean, ${outcomes.wrongFiles} wrong or half-written, of ${options.mounts}`,
    },
    {
      name:
        "every mount succeeded that no injected fatal error answered (the failover region holds every object)",
      ok: outcomes.ok >= floor && outcomes.failedUnexplained === 0,
      detail: `${outcomes.ok} of ${options.mounts} succeeded, floor ${floor} (${
        plural(fatalFaultsAnswered, "request")
      } answered with ${
        FATAL_FAULT_CODES.join(", ")
      }); ${outcomes.failedClean} failed with it, ${outcomes.failedUnexplained} failed otherwise`,
    },
    {
      name: `RSS growth after warm-up below ${options.maxRssGrowthMiB} MiB`,
      ok: afterWarmup.length > 0 && rssGrowth < options.maxRssGrowthMiB,
      detail: `${
        rssGrowth.toFixed(1)
      } MiB (mean of the last ${quarter} samples minus the first ${quarter} after ${options.warmupMounts} mounts)`,
    },
    {
      name: `open descriptors (not sockets) stable within ±${options.maxFdDrift}`,
      ok: afterWarmup.length > 0 && fdDrift <= options.maxFdDrift,
      detail: `baseline ${fdBaseline}, largest drift ${fdDrift}`,
    },
    {
      name: "sockets bounded (idle keep-alive connections only)",
      ok: socketMax <= socketBound,
      detail: `at most ${socketMax} (bound ${socketBound})`,
    },
    {
      name: "no seeded value or token in a log line or error",
      ok: leakProblem === "none",
      detail: leakProblem,
    },
    {
      name: "the provider stopped cleanly on SIGTERM",
      ok: report.exitCode === 0,
      detail: `exit code ${report.exitCode}`,
    },
  ];
}
