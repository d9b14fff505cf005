/**
 * `deno task bench`: the provider's benchmark (issue 6).
 *
 * Starts one moto per region (and one for STS) behind the fault proxy, which
 * routes each call by its SigV4 region and adds a fixed latency per AWS call,
 * the local Kubernetes API server and the provider with its production
 * command line; mounts a tmpfs for the pod volumes when it can (root on
 * Linux); plays the CSI driver over the socket through a list of scenarios;
 * prints a table per scenario and the issue's targets (PASS/MISS); writes
 * `bench/results/latest.json` and `latest.md`.
 *
 * ```sh
 * deno task bench                      # full run (a few minutes)
 * deno task bench --short              # CI-sized run → latest-short.json
 * deno task bench --profile            # also profile warm sm-20 → *.cpuprofile
 * deno task bench --only=sm-20 --latency-ms=5 --provider-arg=--qps=50
 * deno task bench --only=storm --no-mount-tmpfs
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { machineInfo, readMemory } from "./_proc.ts";
import { type BenchProvider, launchProvider } from "./_provider.ts";
import { startProfiling, summarizeProfile } from "./_profile.ts";
import {
  type BenchResults,
  type BenchSizes,
  checkFootprintTargets,
  checkTargets,
  type FootprintScenarioRun,
  type FootprintStormResults,
  formatMarkdown,
  formatText,
  type FreshRun,
  type StartupTimes,
} from "./_report.ts";
import { FOOTPRINT_SCENARIOS, footprintValues } from "./_footprint.ts";
import {
  FULL_PLAN,
  newTokens,
  objectsYaml,
  runSequential,
  runStorm,
  scenarioList,
  type ScenarioPlan,
  type ScenarioResult,
  seedCounts,
  SHORT_PLAN,
} from "./_scenarios.ts";
import { REGIONS, startBenchStack } from "./_stack.ts";
import { percentile, round } from "./_stats.ts";
import {
  preparePodVolumes,
  PRIMARY_REGION,
  startDriverHarness,
  TMPFS_SIZE,
  type TmpfsMode,
} from "../devstack/mod.ts";
import { goDriverClient } from "./_clients.ts";

const REPO_ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

/** Settings from the command line. */
export interface BenchOptions extends BenchSizes {
  /** CI-sized run. */
  short: boolean;
  /** Profile warm sm-20. */
  profile: boolean;
  /** Scenario name filters (substrings); empty = all. */
  only: string[];
  /** Extra provider flags. */
  providerArgs: string[];
  /** Output directory. */
  outDir: string;
  /** Where pod volumes are created (default: the system temporary directory). */
  mountDir: string | undefined;
  /** Whether to mount a tmpfs for the pod volumes (`auto`: if root on Linux). */
  mountTmpfs: TmpfsMode;
  /** Base name of the output files. */
  outName: string;
  /** Re-check the targets of these stored results and rewrite their report; run nothing. */
  reportFrom: string | undefined;
}

const USAGE = `Usage: deno task bench [options]

  --short               CI-sized run: 5 mounts per scenario, storm of 20 (writes latest-short.*)
  --latency-ms=N        latency the proxy adds to every AWS call (default 20)
  --iterations=N        measured mounts per warm scenario (default 100, short 5)
  --cold-iterations=N   measured mounts per cold scenario (default: --iterations)
  --warmup=N            unmeasured mounts before each scenario (default 10, short 2)
  --storm=N             concurrent mounts of each storm (default 500, short 20; 0 = no storm)
  --storm-secrets=N     secrets per storm mount (default 5)
  --storm-pods-per-sa=N pods per service account (Deployment) in the headline storm (default 20:
                        500 pods of 25 Deployments); the -distinct-sa storms give every pod its own
  --storm-timeout-ms=N  deadline of each storm mount (default 120000, the kubelet's)
  --startup-runs=N      fresh providers to measure: start-up, idle RSS once warmed up, first
                        mount (1 secret, new identity), RSS after it (default 5, short 1)
  --footprint-storm=N   concurrent mounts of issue 15's storm, 20 pods per service account
                        (default 200, short 20; 0 = none)
  --storm-runs=N        runs of that storm, each on a fresh provider (default 3, short 1)
  --cpu-runs=N          runs of sm-20-warm and ssm-20-warm, interleaved, whose medians issue
                        15's CPU and overhead targets take (default 5, short 1)
  --driver-runs=N       runs of sm-20-warm driven by the CSI driver's own Go client
                        (e2e/driver_harness, built with Go when needed); issue 15's overhead
                        target takes their median when there are any (default 5, short 0;
                        skipped with a note when the harness cannot be built)
  --profile             CPU-profile the provider during warm sm-20 (writes *.cpuprofile)
  --only=a,b            only scenarios whose name contains one of these (writes latest-custom.*)
  --provider-arg=FLAG   extra provider flag, repeatable (writes latest-custom.*)
  --mount-dir=DIR       where pod volumes are created (default: the temp directory)
  --[no-]mount-tmpfs    mount a tmpfs (size=${TMPFS_SIZE}) for the pod volumes, as the driver
                        does per volume, and unmount it at the end. Default: on when root on
                        Linux, else the plain directory (the report says which)
  --out-dir=DIR         where results go (default bench/results)
  --out-name=NAME       base name of the result files
  --report=FILE.json    run nothing: re-check the targets of stored results with the current
                        rules, print the report and rewrite FILE.md next to it
`;

/** Parses the command line. */
export function parseBenchArgs(args: string[]): BenchOptions | "help" {
  const { values } = parseArgs({
    args,
    options: {
      short: { type: "boolean", default: false },
      "latency-ms": { type: "string" },
      iterations: { type: "string" },
      "cold-iterations": { type: "string" },
      warmup: { type: "string" },
      storm: { type: "string" },
      "storm-secrets": { type: "string" },
      "storm-pods-per-sa": { type: "string" },
      "storm-timeout-ms": { type: "string" },
      "startup-runs": { type: "string" },
      "footprint-storm": { type: "string" },
      "storm-runs": { type: "string" },
      "cpu-runs": { type: "string" },
      "driver-runs": { type: "string" },
      profile: { type: "boolean", default: false },
      only: { type: "string" },
      "provider-arg": { type: "string", multiple: true },
      "out-dir": { type: "string" },
      "mount-dir": { type: "string" },
      "mount-tmpfs": { type: "boolean" },
      "out-name": { type: "string" },
      report: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
    allowNegative: true,
  });
  if (values.help) return "help";
  const short = values.short ?? false;
  const int = (name: string, value: string | undefined, fallback: number, min = 0) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return n;
  };
  const iterations = int("iterations", values.iterations, short ? 5 : 100, 1);
  const only = (values.only ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const providerArgs = values["provider-arg"] ?? [];
  const mountTmpfs: TmpfsMode = values["mount-tmpfs"] === undefined
    ? "auto"
    : values["mount-tmpfs"]
    ? "on"
    : "off";
  const custom = only.length > 0 || providerArgs.length > 0 || values["mount-dir"] !== undefined ||
    mountTmpfs === "off";
  return {
    short,
    latencyMs: int("latency-ms", values["latency-ms"], 20),
    iterations,
    coldIterations: int("cold-iterations", values["cold-iterations"], iterations, 1),
    warmup: int("warmup", values.warmup, short ? 2 : 10),
    stormMounts: int("storm", values.storm, short ? SHORT_PLAN.stormMounts : FULL_PLAN.stormMounts),
    stormSecrets: int("storm-secrets", values["storm-secrets"], FULL_PLAN.stormSecrets, 1),
    stormPodsPerServiceAccount: int(
      "storm-pods-per-sa",
      values["storm-pods-per-sa"],
      FULL_PLAN.stormPodsPerServiceAccount,
      1,
    ),
    stormTimeoutMs: int("storm-timeout-ms", values["storm-timeout-ms"], 120_000, 1),
    startupRuns: int("startup-runs", values["startup-runs"], short ? 1 : 5, 1),
    footprintStormMounts: int(
      "footprint-storm",
      values["footprint-storm"],
      short ? SHORT_PLAN.footprintStormMounts : FULL_PLAN.footprintStormMounts,
    ),
    stormRuns: int("storm-runs", values["storm-runs"], short ? 1 : 3, 1),
    cpuRuns: int("cpu-runs", values["cpu-runs"], short ? 1 : 5, 1),
    driverRuns: int("driver-runs", values["driver-runs"], short ? 0 : 5),
    profile: values.profile ?? false,
    only,
    providerArgs,
    outDir: values["out-dir"] ?? `${REPO_ROOT}/bench/results`,
    mountDir: values["mount-dir"],
    mountTmpfs,
    outName: values["out-name"] ?? (custom ? "latest-custom" : short ? "latest-short" : "latest"),
    reportFrom: values.report,
  };
}

function log(message: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function startupTimes(runs: number[]): StartupTimes {
  return {
    runs: runs.map((ms) => round(ms, 1)),
    p50: round(percentile(runs, 50), 1),
    max: round(Math.max(...runs), 1),
  };
}

/** The file system type of `path` (`tmpfs`, `ext4`, ...) from `df`, or "unknown". */
async function fileSystemType(path: string): Promise<string> {
  try {
    const output = await new Deno.Command("df", {
      args: ["--output=fstype", path],
      stdout: "piped",
    })
      .output();
    return new TextDecoder().decode(output.stdout).trim().split("\n").pop()?.trim() || "unknown";
  } catch {
    return "unknown";
  }
}

/** `deno fmt` on a written report, so that the repository's `deno fmt --check` stays clean. */
async function formatFile(path: string): Promise<void> {
  try {
    const { success } = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--quiet", path],
      cwd: REPO_ROOT,
      stdout: "null",
      stderr: "null",
    }).output();
    if (!success) log(`deno fmt ${path} failed; the report is unformatted`);
  } catch {
    // no deno binary to run: leave it unformatted
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function footprintScenarioRun(
  result: ScenarioResult,
  client: FootprintScenarioRun["client"] = "grpc-js",
): FootprintScenarioRun {
  return {
    scenario: result.name,
    client,
    cpuMsPerMount: result.cpuMsPerMount,
    overheadMsP50: result.overheadMs?.p50 ?? null,
  };
}

/** The median, rounded to 0.1. */
function median(values: number[]): number {
  return round(percentile(values, 50), 1);
}

/**
 * The values of the run the new results replace (same output file), for
 * each target's ratio to its last run; `null` when there is none.
 */
async function readLastRun(file: string): Promise<BenchResults["lastRun"]> {
  try {
    const stored = JSON.parse(await Deno.readTextFile(file));
    return { date: String(stored.date), values: footprintValues(stored) };
  } catch {
    return null;
  }
}

/**
 * Re-checks the targets of stored results (`latest.json`) with the current
 * rules and rewrites the markdown report next to them; the measurements are
 * left as they are.
 */
export async function rereport(jsonFile: string): Promise<BenchResults> {
  const stored = JSON.parse(await Deno.readTextFile(jsonFile)) as BenchResults;
  const { targets: _, footprint: __, ...measured } = stored;
  const results: BenchResults = {
    ...measured,
    targets: checkTargets(measured),
    footprint: checkFootprintTargets(measured),
  };
  await Deno.writeTextFile(jsonFile, JSON.stringify(results, null, 2) + "\n");
  const markdown = jsonFile.replace(/\.json$/, ".md");
  await Deno.writeTextFile(markdown, formatMarkdown(results));
  await formatFile(markdown);
  return results;
}

/** Runs the benchmark; returns the results (also written to `options.outDir`). */
export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const date = new Date().toISOString();
  const plan: ScenarioPlan = {
    ...(options.short ? SHORT_PLAN : FULL_PLAN),
    stormMounts: options.stormMounts,
    stormSecrets: options.stormSecrets,
    stormPodsPerServiceAccount: options.stormPodsPerServiceAccount,
    footprintStormMounts: options.footprintStormMounts ?? FULL_PLAN.footprintStormMounts,
  };
  const selected = (name: string) =>
    options.only.length === 0 || options.only.some((part) => name.includes(part));
  const specs = scenarioList(plan).filter((spec) =>
    selected(spec.name) && (spec.mode !== "storm" || (spec.storm?.mounts ?? 0) > 0)
  );
  const lastRun = await readLastRun(`${options.outDir}/${options.outName}.json`);
  const settleMs = options.short ? 500 : 2_000;
  // Idle RSS after a storm is read at each of these (ms after it ended): the
  // provider collects garbage once idle, give it time; the last one counts.
  const stormIdleMs = options.short ? [1_000, 2_000] : [5_000, 10_000];

  const counts = seedCounts(plan);
  const volumes = await preparePodVolumes(
    options.mountTmpfs,
    options.mountDir ?? Deno.env.get("TMPDIR") ?? "/tmp",
    { prefix: "bench-pod-volumes-", offReason: "--no-mount-tmpfs" },
  );
  const mountDir = volumes.dir;
  log(
    volumes.tmpfsMounted
      ? `pod volumes on a tmpfs mounted at ${mountDir}`
      : `pod volumes in ${mountDir}, no tmpfs: ${volumes.reason}`,
  );
  log(
    `starting one moto per region (${REGIONS.join(", ")}) and one for STS, the fault proxy ` +
      `(${options.latencyMs} ms per call) and the Kubernetes API; seeding`,
  );
  const stack = await startBenchStack({ latencyMs: options.latencyMs, counts }).catch(
    async (error) => {
      await volumes.release();
      throw error;
    },
  );
  const running = new Set<BenchProvider>();
  const stopAll = async () => {
    await Promise.all([...running].map((provider) => provider.stop()));
    await stack.stop();
    await volumes.release();
  };
  const onSignal = () => {
    log("interrupted; stopping");
    stopAll().finally(() => Deno.exit(130));
  };
  // Stop the processes and unmount the tmpfs on Ctrl-C or a kill.
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const launch = async (inspect = false, extraArgs: string[] = []) => {
    const provider = await launchProvider({
      awsEndpoint: stack.proxy.url,
      kubeconfig: stack.kubeconfig,
      args: [...options.providerArgs, ...extraArgs],
      inspect,
      mountDir,
    });
    running.add(provider);
    return provider;
  };
  const stop = async (provider: BenchProvider) => {
    const code = await provider.stop();
    running.delete(provider);
    if (code !== 0) log(`provider exited with ${code}:\n${provider.lines().slice(-20).join("\n")}`);
  };

  /** Waits for a provider's warm-up, then lets it settle. */
  const warmedUp = async (provider: BenchProvider): Promise<number> => {
    const timeout = sleep(60_000).then(() => {
      throw new Error(`the provider did not warm up:\n${provider.lines().slice(-20).join("\n")}`);
    });
    const warmUpMs = await Promise.race([provider.warmedUp, timeout]);
    await sleep(settleMs);
    return warmUpMs;
  };
  /**
   * A fresh provider's footprint: idle RSS once warmed up, its first mount
   * (1 secret, a new pod and token of the IRSA service account: one
   * service account read, one STS call, one secret call) and RSS after it.
   */
  const measureFresh = async (provider: BenchProvider, index: number): Promise<FreshRun> => {
    const warmUpMs = await warmedUp(provider);
    const idleRssMiB = round((await readMemory(provider.pid)).rss / 1024, 1);
    const pod = stack.pod(`bench-first-mount-${index}`);
    const targetPath = await provider.newTargetPath(pod);
    const started = performance.now();
    const first = await provider.driver.mount({
      parameters: { region: PRIMARY_REGION, objects: objectsYaml("secretsmanager", 1) },
      pod,
      tokens: newTokens(),
      targetPath,
    });
    const firstMountMs = round(performance.now() - started, 1);
    if (!first.ok) throw new Error(`the first mount failed: ${first.message}`);
    await sleep(settleMs);
    return {
      readyMs: round(provider.startupMs, 1),
      warmUpMs,
      idleRssMiB,
      firstMountMs,
      rssAfterFirstMountMiB: round((await readMemory(provider.pid)).rss / 1024, 1),
    };
  };

  try {
    const machine = await machineInfo(stack.motoVersion);
    const readyRuns: number[] = [];
    const socketRuns: number[] = [];
    const record = (provider: BenchProvider) => {
      readyRuns.push(provider.startupMs);
      socketRuns.push(provider.socketMs);
    };

    log(
      `start-up: one unmeasured start and mount (fills Deno's caches, and moto's: its first ` +
        `STS and Secrets Manager calls are slow), then ${options.startupRuns} fresh providers: ` +
        "start-up, idle RSS once warmed up, first mount (new identity), RSS after it",
    );
    const unmeasured = await launch();
    await measureFresh(unmeasured, -1);
    await stop(unmeasured);
    const fresh: FreshRun[] = [];
    for (let i = 0; i < options.startupRuns; i++) {
      const provider = await launch();
      record(provider);
      const run = await measureFresh(provider, i);
      fresh.push(run);
      log(
        `fresh provider ${i + 1}: ready ${round(run.readyMs, 0)} ms, warm-up ${run.warmUpMs} ms, ` +
          `idle ${run.idleRssMiB} MiB, first mount ${run.firstMountMs} ms, then ` +
          `${run.rssAfterFirstMountMiB} MiB`,
      );
      await stop(provider);
    }

    const main = await launch();
    record(main);
    const command = main.command;
    await warmedUp(main);

    const scenarios: ScenarioResult[] = [];
    const context = { stack, provider: main };
    for (const spec of specs.filter((s) => s.mode !== "storm")) {
      const iterations = spec.mode === "cold" ? options.coldIterations : options.iterations;
      log(`${spec.name}: ${options.warmup} warm-up + ${iterations} mounts`);
      const result = await runSequential(context, spec, { iterations, warmup: options.warmup });
      log(
        `${spec.name}: p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
          `${result.failed} failed`,
      );
      scenarios.push(result);
    }
    // Issue 15's CPU and overhead targets: more runs of their scenarios,
    // interleaved, so that their medians are not one run's noise.
    const footprintScenarioRuns: FootprintScenarioRun[] = scenarios
      .filter((result) => FOOTPRINT_SCENARIOS.includes(result.name))
      .map((result) => footprintScenarioRun(result));
    const repeated = specs.filter((spec) => FOOTPRINT_SCENARIOS.includes(spec.name));
    for (let run = 2; run <= (options.cpuRuns ?? 1); run++) {
      for (const spec of repeated) {
        const result = await runSequential(context, spec, {
          iterations: options.iterations,
          warmup: options.warmup,
        });
        const summary = footprintScenarioRun(result);
        log(
          `${spec.name} (${run}/${options.cpuRuns}): CPU ${summary.cpuMsPerMount} ms/mount, ` +
            `overhead p50 ${summary.overheadMsP50} ms, ${result.failed} failed`,
        );
        footprintScenarioRuns.push(summary);
      }
    }
    const driverSpec = repeated.find((spec) => spec.name === "sm-20-warm");
    if ((options.driverRuns ?? 0) > 0 && driverSpec !== undefined) {
      const harness = await startDriverHarness("v1.6", {
        providerDir: main.providerVolume,
      }).catch((error) => {
        log(
          `no runs with the driver's Go client: ${error instanceof Error ? error.message : error}`,
        );
        return undefined;
      });
      try {
        for (let run = 1; harness !== undefined && run <= options.driverRuns!; run++) {
          const result = await runSequential(context, driverSpec, {
            iterations: options.iterations,
            warmup: options.warmup,
            client: goDriverClient(harness),
          });
          const summary = footprintScenarioRun(result, "driver");
          log(
            `${driverSpec.name} with the driver's Go client (${run}/${options.driverRuns}): ` +
              `p50 ${result.latencyMs.p50} ms, overhead p50 ${summary.overheadMsP50} ms, ` +
              `${result.failed} failed`,
          );
          footprintScenarioRuns.push(summary);
        }
      } finally {
        await harness?.close();
      }
    }
    const rssAfterScenariosMiB = round((await readMemory(main.pid)).rss / 1024, 1);
    await stop(main);

    let storm: BenchResults["process"]["storm"] = null;
    let footprintStorm: FootprintStormResults | null = null;
    for (const stormSpec of specs.filter((s) => s.mode === "storm")) {
      const shape = stormSpec.storm!;
      const runs = shape.footprint ? options.stormRuns ?? 1 : 1;
      for (let run = 1; run <= runs; run++) {
        const extraArgs = shape.providerArgs;
        const provider = await launch(false, extraArgs);
        record(provider);
        await warmedUp(provider);
        const idleRssBeforeMiB = round((await readMemory(provider.pid)).rss / 1024, 1);
        const name = runs > 1 ? `${stormSpec.name} (${run}/${runs})` : stormSpec.name;
        log(
          `${name}: ${shape.mounts} concurrent mounts on a fresh provider` +
            (extraArgs.length > 0 ? ` (${extraArgs.join(" ")})` : ""),
        );
        const result = await runStorm({ stack, provider }, stormSpec, {
          mounts: shape.mounts,
          timeoutMs: options.stormTimeoutMs,
          pool: counts.secrets,
          providerArgs: [...options.providerArgs, ...extraArgs],
        });
        result.name = name;
        log(
          `${name}: p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
            `${result.failed} failed, peak RSS ${result.memory?.peakRssMiB} MiB`,
        );
        scenarios.push(result);
        const stormEnded = performance.now();
        const idleAfter: { afterMs: number; rssMiB: number }[] = [];
        for (const afterMs of stormIdleMs) {
          await sleep(afterMs - (performance.now() - stormEnded));
          idleAfter.push({
            afterMs,
            rssMiB: round((await readMemory(provider.pid)).rss / 1024, 1),
          });
        }
        result.memory!.idleAfter = idleAfter;
        log(
          `${name}: idle RSS after ${
            idleAfter.map((sample) => `${sample.afterMs / 1000} s ${sample.rssMiB} MiB`).join(", ")
          }`,
        );
        const last = idleAfter[idleAfter.length - 1];
        if (shape.footprint) {
          footprintStorm ??= {
            scenario: stormSpec.name,
            runs: [],
            peakRssMiB: NaN,
            idleRssAfterMiB: NaN,
            settleMs: last.afterMs,
          };
          footprintStorm.runs.push({
            rssBeforeMiB: idleRssBeforeMiB,
            peakRssMiB: result.memory!.peakRssMiB,
            idleRssAfterMiB: last.rssMiB,
          });
          footprintStorm.peakRssMiB = median(footprintStorm.runs.map((r) => r.peakRssMiB));
          footprintStorm.idleRssAfterMiB = median(
            footprintStorm.runs.map((r) => r.idleRssAfterMiB),
          );
        } else if (storm === null || shape.headline) {
          // The process numbers (and issue 6's memory targets) are the headline storm's.
          storm = {
            scenario: stormSpec.name,
            idleRssBeforeMiB,
            peakRssMiB: result.memory!.peakRssMiB,
            peakReset: result.memory!.peakReset,
            sampledPeakRssMiB: result.memory!.sampledPeakRssMiB,
            idleRssAfterMiB: last.rssMiB,
            settleMs: last.afterMs,
            idleRssAfter: idleAfter,
          };
        }
        await stop(provider);
      }
    }

    await Deno.mkdir(options.outDir, { recursive: true });
    let profile: BenchResults["profile"] = null;
    if (options.profile) {
      const spec = scenarioList(plan).find((s) => s.name === "sm-20-warm")!;
      log(`profiling ${spec.name} on a provider started with --inspect`);
      const provider = await launch(true);
      const samplingIntervalUs = 100;
      let profiling: Awaited<ReturnType<typeof startProfiling>> | undefined;
      let cpuProfile;
      const result = await runSequential({ stack, provider }, spec, {
        iterations: options.iterations,
        warmup: options.warmup,
        beforeMeasure: async () => {
          profiling = await startProfiling(provider.inspectorUrl!, samplingIntervalUs);
        },
        afterMeasure: async () => {
          cpuProfile = await profiling!.stop();
          await profiling!.close();
        },
      });
      await stop(provider);
      const file = `${options.outDir}/${options.outName}-${spec.name}.cpuprofile`;
      await Deno.writeTextFile(file, JSON.stringify(cpuProfile));
      profile = {
        file: file.startsWith(`${REPO_ROOT}/`) ? file.slice(REPO_ROOT.length + 1) : file,
        scenario: result,
        ...summarizeProfile(cpuProfile!, {
          mounts: result.mounts,
          repoRoot: REPO_ROOT,
          samplingIntervalUs,
        }),
      };
    }

    machine.loadAverageAtEnd = Deno.loadavg();
    const partial: Omit<BenchResults, "targets"> = {
      schemaVersion: 1,
      date,
      mode: options.short ? "short" : "full",
      settings: {
        latencyMs: options.latencyMs,
        iterations: options.iterations,
        coldIterations: options.coldIterations,
        warmup: options.warmup,
        stormMounts: plan.stormMounts,
        stormSecrets: plan.stormSecrets,
        stormPodsPerServiceAccount: plan.stormPodsPerServiceAccount,
        stormTimeoutMs: options.stormTimeoutMs,
        startupRuns: options.startupRuns,
        footprintStormMounts: plan.footprintStormMounts,
        stormRuns: options.stormRuns,
        cpuRuns: options.cpuRuns,
        driverRuns: options.driverRuns,
        providerArgs: options.providerArgs,
        only: options.only,
        profile: options.profile,
        mountDir,
        mountFs: await fileSystemType(mountDir),
        mountTmpfs: {
          mode: options.mountTmpfs,
          mounted: volumes.tmpfsMounted,
          ...(volumes.reason === undefined ? {} : { reason: volumes.reason }),
        },
        emulator: `one moto per region (${
          REGIONS.join(", ")
        }) and one for STS and unsigned calls, behind one fault proxy routing by SigV4 region`,
      },
      machine,
      provider: { command },
      process: {
        readyMs: startupTimes(readyRuns),
        socketMs: startupTimes(socketRuns),
        idleRssMiB: median(fresh.map((run) => run.idleRssMiB)),
        firstMountMs: median(fresh.map((run) => run.firstMountMs)),
        fresh: {
          runs: fresh,
          rssAfterFirstMountMiB: median(fresh.map((run) => run.rssAfterFirstMountMiB)),
          warmUpMs: median(fresh.map((run) => run.warmUpMs)),
        },
        rssAfterScenariosMiB,
        storm,
        footprintStorm,
        footprintScenarioRuns,
      },
      scenarios,
      profile,
      lastRun,
    };
    const results: BenchResults = {
      ...partial,
      targets: checkTargets(partial),
      footprint: checkFootprintTargets(partial),
    };
    await Deno.writeTextFile(
      `${options.outDir}/${options.outName}.json`,
      JSON.stringify(results, null, 2) + "\n",
    );
    const markdown = `${options.outDir}/${options.outName}.md`;
    await Deno.writeTextFile(markdown, formatMarkdown(results));
    await formatFile(markdown);
    return results;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    await stopAll();
  }
}

if (import.meta.main) {
  let options;
  try {
    options = parseBenchArgs(Deno.args);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    Deno.exit(2);
  }
  if (options === "help") {
    console.log(USAGE);
    Deno.exit(0);
  }
  if (options.reportFrom !== undefined) {
    console.log(formatText(await rereport(options.reportFrom)));
    Deno.exit(0);
  }
  const results = await runBench(options);
  console.log(formatText(results));
  log(`wrote ${options.outDir}/${options.outName}.json and .md`);
  Deno.exit(0);
}
