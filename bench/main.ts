/**
 * `deno task bench`: the provider's benchmark (issue 6).
 *
 * Starts moto (two regions) behind the fault proxy with a fixed latency per
 * AWS call, the local Kubernetes API server and the provider with its
 * production command line; plays the CSI driver over the socket through a
 * list of scenarios; prints a table per scenario and the targets
 * (PASS/MISS); writes `bench/results/latest.json` and `latest.md`.
 *
 * ```sh
 * deno task bench                      # full run (a few minutes)
 * deno task bench --short              # CI-sized run → latest-short.json
 * deno task bench --profile            # also profile warm sm-20 → *.cpuprofile
 * deno task bench --only=sm-20 --latency-ms=5 --provider-arg=--qps=50
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
  checkTargets,
  formatMarkdown,
  formatText,
  type StartupTimes,
} from "./_report.ts";
import {
  FULL_PLAN,
  objectsYaml,
  runSequential,
  runStorm,
  scenarioList,
  type ScenarioPlan,
  type ScenarioResult,
  seedCounts,
  SHORT_PLAN,
} from "./_scenarios.ts";
import { startBenchStack } from "./_stack.ts";
import { percentile, round } from "./_stats.ts";
import { PRIMARY_REGION } from "../test/support/local_stack.ts";

const REPO_ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

/** Settings from the command line. */
export interface BenchOptions {
  /** CI-sized run. */
  short: boolean;
  /** Latency per AWS call, ms. */
  latencyMs: number;
  /** Measured mounts per warm scenario. */
  iterations: number;
  /** Measured mounts per cold scenario. */
  coldIterations: number;
  /** Unmeasured mounts before each scenario. */
  warmup: number;
  /** Concurrent storm mounts. */
  stormMounts: number;
  /** Secrets per storm mount. */
  stormSecrets: number;
  /** Deadline of a storm mount, ms. */
  stormTimeoutMs: number;
  /** Dedicated start-up measurements. */
  startupRuns: number;
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
  /** Base name of the output files. */
  outName: string;
}

const USAGE = `Usage: deno task bench [options]

  --short               CI-sized run: 5 mounts per scenario, storm of 20 (writes latest-short.*)
  --latency-ms=N        latency the proxy adds to every AWS call (default 20)
  --iterations=N        measured mounts per warm scenario (default 100, short 5)
  --cold-iterations=N   measured mounts per cold scenario (default: --iterations)
  --warmup=N            unmeasured mounts before each scenario (default 10, short 2)
  --storm=N             concurrent mounts of the storm (default 500, short 20; 0 = no storm)
  --storm-secrets=N     secrets per storm mount (default 5)
  --storm-timeout-ms=N  deadline of each storm mount (default 120000, the kubelet's)
  --startup-runs=N      extra provider starts to time (default 5, short 1)
  --profile             CPU-profile the provider during warm sm-20 (writes *.cpuprofile)
  --only=a,b            only scenarios whose name contains one of these (writes latest-custom.*)
  --provider-arg=FLAG   extra provider flag, repeatable (writes latest-custom.*)
  --mount-dir=DIR       where pod volumes are created (default: the temp directory). The
                        driver mounts a tmpfs there in production; on a disk every file's
                        fsync costs time (not /dev/shm: Deno wants --allow-all under /dev)
  --out-dir=DIR         where results go (default bench/results)
  --out-name=NAME       base name of the result files
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
      "storm-timeout-ms": { type: "string" },
      "startup-runs": { type: "string" },
      profile: { type: "boolean", default: false },
      only: { type: "string" },
      "provider-arg": { type: "string", multiple: true },
      "out-dir": { type: "string" },
      "mount-dir": { type: "string" },
      "out-name": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
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
  const custom = only.length > 0 || providerArgs.length > 0 || values["mount-dir"] !== undefined;
  return {
    short,
    latencyMs: int("latency-ms", values["latency-ms"], 20),
    iterations,
    coldIterations: int("cold-iterations", values["cold-iterations"], iterations, 1),
    warmup: int("warmup", values.warmup, short ? 2 : 10),
    stormMounts: int("storm", values.storm, short ? SHORT_PLAN.stormMounts : FULL_PLAN.stormMounts),
    stormSecrets: int("storm-secrets", values["storm-secrets"], FULL_PLAN.stormSecrets, 1),
    stormTimeoutMs: int("storm-timeout-ms", values["storm-timeout-ms"], 120_000, 1),
    startupRuns: int("startup-runs", values["startup-runs"], short ? 1 : 5),
    profile: values.profile ?? false,
    only,
    providerArgs,
    outDir: values["out-dir"] ?? `${REPO_ROOT}/bench/results`,
    mountDir: values["mount-dir"],
    outName: values["out-name"] ?? (custom ? "latest-custom" : short ? "latest-short" : "latest"),
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the benchmark; returns the results (also written to `options.outDir`). */
export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const date = new Date().toISOString();
  const plan: ScenarioPlan = {
    ...(options.short ? SHORT_PLAN : FULL_PLAN),
    stormMounts: options.stormMounts,
    stormSecrets: options.stormSecrets,
  };
  const selected = (name: string) =>
    options.only.length === 0 || options.only.some((part) => name.includes(part));
  const specs = scenarioList(plan).filter((spec) =>
    selected(spec.name) && (spec.mode !== "storm" || plan.stormMounts > 0)
  );
  const settleMs = options.short ? 500 : 2_000;
  const stormSettleMs = options.short ? 1_000 : 5_000;

  log(`starting moto, fault proxy (${options.latencyMs} ms per call) and Kubernetes API; seeding`);
  const counts = seedCounts(plan);
  const mountDir = options.mountDir ?? Deno.env.get("TMPDIR") ?? "/tmp";
  const stack = await startBenchStack(options.latencyMs, counts);
  const running = new Set<BenchProvider>();
  const stopAll = async () => {
    await Promise.all([...running].map((provider) => provider.stop()));
    await stack.stop();
  };
  const onSignal = () => {
    log("interrupted; stopping");
    stopAll().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  const launch = async (inspect = false) => {
    const provider = await launchProvider({
      awsEndpoint: stack.aws.proxy.url,
      kubeconfig: stack.kubeconfig,
      args: options.providerArgs,
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

  try {
    const machine = await machineInfo(stack.motoVersion);
    const readyRuns: number[] = [];
    const socketRuns: number[] = [];
    const record = (provider: BenchProvider) => {
      readyRuns.push(provider.startupMs);
      socketRuns.push(provider.socketMs);
    };

    log("start-up: one unmeasured start (fills Deno's caches), then timed starts");
    await stop(await launch());
    for (let i = 0; i < options.startupRuns; i++) {
      const provider = await launch();
      record(provider);
      await stop(provider);
    }

    const main = await launch();
    record(main);
    const command = main.command;
    await sleep(settleMs);
    const idleRssMiB = round((await readMemory(main.pid)).rss / 1024, 1);
    const firstTarget = await main.newTargetPath("first-mount");
    const firstStart = performance.now();
    const first = await main.driver.mount({
      parameters: { region: PRIMARY_REGION, objects: objectsYaml("secretsmanager", 1) },
      pod: stack.pod("bench-first-mount"),
      targetPath: firstTarget,
    });
    const firstMountMs = round(performance.now() - firstStart, 1);
    if (!first.ok) throw new Error(`the first mount failed: ${first.message}`);

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
    const rssAfterScenariosMiB = round((await readMemory(main.pid)).rss / 1024, 1);
    await stop(main);

    let storm: BenchResults["process"]["storm"] = null;
    const stormSpec = specs.find((s) => s.mode === "storm");
    if (stormSpec !== undefined) {
      const provider = await launch();
      record(provider);
      await sleep(settleMs);
      const idleRssBeforeMiB = round((await readMemory(provider.pid)).rss / 1024, 1);
      log(`${stormSpec.name}: ${plan.stormMounts} concurrent mounts on a fresh provider`);
      const result = await runStorm({ stack, provider }, stormSpec, {
        mounts: plan.stormMounts,
        timeoutMs: options.stormTimeoutMs,
        pool: counts.secrets,
      });
      log(
        `${stormSpec.name}: p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
          `${result.failed} failed, peak RSS ${result.memory?.peakRssMiB} MiB`,
      );
      scenarios.push(result);
      await sleep(stormSettleMs);
      const idleRssAfterMiB = round((await readMemory(provider.pid)).rss / 1024, 1);
      storm = {
        idleRssBeforeMiB,
        peakRssMiB: result.memory!.peakRssMiB,
        peakReset: result.memory!.peakReset,
        sampledPeakRssMiB: result.memory!.sampledPeakRssMiB,
        idleRssAfterMiB,
        settleMs: stormSettleMs,
      };
      await stop(provider);
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
        stormTimeoutMs: options.stormTimeoutMs,
        startupRuns: options.startupRuns,
        providerArgs: options.providerArgs,
        only: options.only,
        profile: options.profile,
        mountDir,
        mountFs: await fileSystemType(mountDir),
      },
      machine,
      provider: { command },
      process: {
        readyMs: startupTimes(readyRuns),
        socketMs: startupTimes(socketRuns),
        idleRssMiB,
        firstMountMs,
        rssAfterScenariosMiB,
        storm,
      },
      scenarios,
      profile,
    };
    const results: BenchResults = { ...partial, targets: checkTargets(partial) };
    await Deno.writeTextFile(
      `${options.outDir}/${options.outName}.json`,
      JSON.stringify(results, null, 2) + "\n",
    );
    await Deno.writeTextFile(`${options.outDir}/${options.outName}.md`, formatMarkdown(results));
    return results;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
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
  const results = await runBench(options);
  console.log(formatText(results));
  log(`wrote ${options.outDir}/${options.outName}.json and .md`);
  Deno.exit(0);
}
