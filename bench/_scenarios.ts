/**
 * The benchmark's scenarios and how each is run and measured: sequential
 * warm or cold mounts of one SecretProviderClass, and the storms of
 * concurrent mounts from distinct pods: the headline one of pods of a few
 * Deployments (one service account each), and one where every pod has its
 * own service account, which the provider's client-side Kubernetes rate
 * limit (`--qps`, `--burst`) bounds.
 *
 * @module
 */

import {
  type AwsCallTiming,
  FAILOVER_REGION,
  type KubeCall,
  type MountOutcome,
  PRIMARY_REGION,
  type TestPod,
} from "../devstack/mod.ts";
import { type BenchClient, grpcJsClient } from "./_clients.ts";
import { type CpuTime, readCpuTime, readMemory, resetPeakRss } from "./_proc.ts";
import type { BenchProvider } from "./_provider.ts";
import { jsonSecretName, parameterName, secretName } from "./_stack.ts";
import type { BenchStack } from "./_stack.ts";
import { type Percentiles, round, summarize, unionWithin } from "./_stats.ts";

/** What a scenario mounts from. */
export type ScenarioStore = "secretsmanager" | "ssm" | "mixed";

/**
 * How mounts follow each other: `warm` re-mounts the same pod with the same
 * token (a rotation re-mount), `cold` mounts a new pod with a new token each
 * time (same service account), `storm` starts many mounts of distinct pods
 * and tokens at once.
 */
export type ScenarioMode = "warm" | "cold" | "storm";

/** One scenario. */
export interface ScenarioSpec {
  /** Short name, e.g. `sm-20-warm`. */
  name: string;
  /** One line for humans. */
  description: string;
  /** Store. */
  store: ScenarioStore;
  /** Objects per mount (entries of `objects`). */
  objects: number;
  /** Whether the class names `failoverRegion`. */
  failover: boolean;
  /** Mode. */
  mode: ScenarioMode;
  /** Storms only: who mounts. */
  storm?: StormShape;
}

/** Who mounts in a storm, and with which provider flags. */
export interface StormShape {
  /** Concurrent mounts. */
  mounts: number;
  /** Distinct service accounts; pod `i` has service account `i mod serviceAccounts`. */
  serviceAccounts: number;
  /** Provider flags added for this storm (it runs on a fresh provider). */
  providerArgs: string[];
  /** The storm the issue's targets are checked on. */
  headline: boolean;
  /**
   * The footprint storm of issue 15 (its peak and idle memory are targets):
   * run several times, each on a fresh provider, and judged by the medians.
   */
  footprint?: boolean;
}

/** The client-side Kubernetes rate limit a storm ran under, and the floor it sets. */
export interface StormBound {
  /** Distinct service accounts. */
  serviceAccounts: number;
  /** Pods per service account (rounded up). */
  podsPerServiceAccount: number;
  /** Provider flags added for this storm. */
  providerArgs: string[];
  /** The storm the issue's targets are checked on. */
  headline: boolean;
  /** Issue 15's footprint storm. */
  footprint?: boolean;
  /** Effective `--qps` (negative: unlimited). */
  qps: number;
  /** Effective `--burst`. */
  burst: number;
  /** Kubernetes API calls the provider made during the storm. */
  kubeCalls: number;
  /**
   * Earliest the last Kubernetes call can start under the token bucket:
   * `max(0, kubeCalls − burst) / qps`, ms (0 when unlimited). Mounts waiting
   * on that call cannot be faster.
   */
  kubeRateLimitFloorMs: number;
}

/** Measured results of one scenario. */
export interface ScenarioResult {
  /** Short name. */
  name: string;
  /** One line for humans. */
  description: string;
  /** Store. */
  store: ScenarioStore;
  /** Objects per mount. */
  objects: number;
  /** Whether a failover region was set. */
  failover: boolean;
  /** Mode. */
  mode: ScenarioMode;
  /** Files (object versions) returned per successful mount. */
  filesPerMount: number;
  /** Unmeasured mounts before measuring. */
  warmupMounts: number;
  /** Measured mounts. */
  mounts: number;
  /** Measured mounts that succeeded. */
  succeeded: number;
  /** Measured mounts that failed. */
  failed: number;
  /** Up to five distinct error messages. */
  errors: string[];
  /** Mounts in flight at once. */
  concurrency: number;
  /** Latency of successful mounts as the driver sees it, ms. */
  latencyMs: Percentiles;
  /** What played the driver (sequential scenarios; absent: the grpc-js client). */
  client?: string;
  /** Measured mounts divided by the measuring wall time. */
  mountsPerSecond: number;
  /** Wall time of the measured mounts, ms. */
  wallMs: number;
  /** AWS calls per mount by `service.api.region` (from the fault proxy). */
  awsCallsPerMount: Record<string, number>;
  /** AWS calls per mount by `service.api`. */
  awsCallsPerMountByApi: Record<string, number>;
  /** All AWS calls per mount (STS included). */
  awsCallsPerMountTotal: number;
  /** STS calls per mount. */
  stsCallsPerMount: number;
  /** Kubernetes API calls per mount (from the local API server). */
  kubeCallsPerMount: number;
  /** Kubernetes API calls per mount by resource. */
  kubeCallsPerMountByResource: Record<string, number>;
  /** Provider CPU time (user + system) per mount, ms. */
  cpuMsPerMount: number;
  /** Provider user CPU time per mount, ms. */
  cpuUserMsPerMount: number;
  /** Provider system CPU time per mount, ms. */
  cpuSystemMsPerMount: number;
  /**
   * Per mount, the time covered by at least one AWS call (union of the
   * proxy's call intervals within the mount's window, injected latency
   * included), ms. `null` for the storm, whose windows overlap.
   */
  awsWaitMs: Percentiles | null;
  /** Per mount, latency minus AWS wait, ms. `null` for the storm. */
  overheadMs: Percentiles | null;
  /**
   * The provider's own duration of each successful mount (its log line's
   * `durationMs`: gRPC decoding, transport and encoding excluded), ms.
   */
  providerMs: Percentiles | null;
  /** Per mount, the provider's duration minus AWS wait: the pipeline's own time, ms. */
  pipelineOverheadMs: Percentiles | null;
  /** Per mount, latency minus the provider's duration: gRPC and the socket, both ends, ms. */
  transportMs: Percentiles | null;
  /**
   * Duration of each AWS call at the proxy (received → answer written), ms:
   * the injected latency plus the emulator's time, queueing included. Well
   * above the latency means the emulator, not the provider, was the bottleneck.
   * `null` when no call was made.
   */
  awsCallMs: Percentiles | null;
  /** Storm only: service accounts, rate limit and the floor it sets. */
  storm?: StormBound;
  /** Storm only: memory of the provider, MiB. */
  memory?: {
    /** RSS just before the storm. */
    rssBeforeMiB: number;
    /** `VmHWM` after the storm (reset just before it when `peakReset`). */
    peakRssMiB: number;
    /** Whether `VmHWM` could be reset before the storm (else it is the process's lifetime peak). */
    peakReset: boolean;
    /** Largest `VmRSS` sampled every 20 ms during the storm. */
    sampledPeakRssMiB: number;
    /** RSS after the storm, once idle for `afterMs` (filled in by the caller). */
    idleAfter?: { afterMs: number; rssMiB: number }[];
  };
}

/** Scenario list options. */
export interface ScenarioPlan {
  /** Object counts for the Secrets Manager and SSM scenarios. */
  sizes: number[];
  /** Objects of the mixed and failover scenarios. */
  mixedSize: number;
  /** Concurrent mounts of the storm. */
  stormMounts: number;
  /** Secrets per storm mount. */
  stormSecrets: number;
  /** Pods per service account (Deployment) in the headline storm. */
  stormPodsPerServiceAccount: number;
  /** Concurrent mounts of the footprint storm (issue 15; 20 pods per service account); 0 = none. */
  footprintStormMounts: number;
}

/** Provider flags of the distinct-service-account storm's second run: a looser rate limit. */
export const LOOSE_RATE_LIMIT_ARGS = ["--qps=50", "--burst=100"];

/** Default full plan. */
export const FULL_PLAN: ScenarioPlan = {
  sizes: [1, 5, 20, 100],
  mixedSize: 20,
  stormMounts: 500,
  stormSecrets: 5,
  stormPodsPerServiceAccount: 20,
  footprintStormMounts: 200,
};

/** `--short` plan (CI). */
export const SHORT_PLAN: ScenarioPlan = {
  sizes: [1, 5, 20, 100],
  mixedSize: 20,
  stormMounts: 20,
  stormSecrets: 5,
  stormPodsPerServiceAccount: 20,
  footprintStormMounts: 20,
};

const STORE_LABEL: Record<ScenarioStore, string> = {
  secretsmanager: "Secrets Manager objects",
  ssm: "SSM parameters",
  mixed: "mixed objects (half JSON secrets with 2 jmesPath files each, half SSM)",
};
const STORE_PREFIX: Record<ScenarioStore, string> = {
  secretsmanager: "sm",
  ssm: "ssm",
  mixed: "mixed-jmes",
};
const MODE_LABEL: Record<ScenarioMode, string> = {
  warm: "warm (rotation re-mount of the same pod and token)",
  cold: "cold (new pod and token each mount)",
  storm: "storm",
};

/** The scenarios of a plan, in run order (the storms last, the headline one first). */
export function scenarioList(plan: ScenarioPlan): ScenarioSpec[] {
  const specs: ScenarioSpec[] = [];
  const add = (store: ScenarioStore, objects: number, failover: boolean, mode: ScenarioMode) =>
    specs.push({
      name: `${STORE_PREFIX[store]}-${objects}${failover ? "-failover" : ""}-${mode}`,
      description: `${objects} ${STORE_LABEL[store]}${
        failover ? `, failover region ${FAILOVER_REGION}` : ""
      }, ${MODE_LABEL[mode]}`,
      store,
      objects,
      failover,
      mode,
    });
  for (const store of ["secretsmanager", "ssm"] as const) {
    for (const size of plan.sizes) {
      for (const mode of ["warm", "cold"] as const) add(store, size, false, mode);
    }
  }
  for (const mode of ["warm", "cold"] as const) add("mixed", plan.mixedSize, false, mode);
  for (const store of ["secretsmanager", "ssm", "mixed"] as const) {
    for (const mode of ["warm", "cold"] as const) add(store, plan.mixedSize, true, mode);
  }
  const n = plan.stormMounts;
  const base = `storm-${n}x${plan.stormSecrets}`;
  const what = `${n} concurrent mounts of ${plan.stormSecrets} Secrets Manager objects ` +
    `from distinct pods and tokens (one STS session each)`;
  const deployments = Math.max(1, Math.ceil(n / plan.stormPodsPerServiceAccount));
  const storm = (name: string, description: string, shape: StormShape) =>
    specs.push({
      name,
      description,
      store: "secretsmanager",
      objects: plan.stormSecrets,
      failover: false,
      mode: "storm",
      storm: shape,
    });
  storm(
    base,
    `${what} of ${deployments} Deployments (${deployments} service accounts, ` +
      `${plan.stormPodsPerServiceAccount} pods each)`,
    { mounts: n, serviceAccounts: deployments, providerArgs: [], headline: true },
  );
  storm(
    `${base}-distinct-sa`,
    `${what} with ${n} distinct service accounts: bounded by the client-side Kubernetes ` +
      `rate limit (one service account lookup each)`,
    { mounts: n, serviceAccounts: n, providerArgs: [], headline: false },
  );
  storm(
    `${base}-distinct-sa-qps50`,
    `the same with ${LOOSE_RATE_LIMIT_ARGS.join(" ")}`,
    { mounts: n, serviceAccounts: n, providerArgs: LOOSE_RATE_LIMIT_ARGS, headline: false },
  );
  const f = plan.footprintStormMounts;
  if (f > 0) {
    const accounts = Math.max(1, Math.ceil(f / 20));
    storm(
      `storm-${f}x${plan.stormSecrets}-footprint`,
      `${f} concurrent mounts of ${plan.stormSecrets} Secrets Manager objects from distinct ` +
        `pods and tokens, 20 pods per service account (${accounts} Deployments): issue 15's ` +
        `memory during and after a storm`,
      {
        mounts: f,
        serviceAccounts: accounts,
        providerArgs: [],
        headline: false,
        footprint: true,
      },
    );
  }
  return specs;
}

/** How many secrets, parameters and JSON secrets a plan mounts. */
export function seedCounts(plan: ScenarioPlan): {
  secrets: number;
  parameters: number;
  jsonSecrets: number;
} {
  const largest = Math.max(...plan.sizes, plan.mixedSize, plan.stormSecrets);
  return { secrets: largest, parameters: largest, jsonSecrets: Math.ceil(plan.mixedSize / 2) };
}

/** The `objects` parameter of a scenario; `offset` rotates which secrets are used. */
export function objectsYaml(store: ScenarioStore, count: number, offset = 0, pool = count): string {
  const lines: string[] = [];
  if (store === "mixed") {
    const json = Math.ceil(count / 2);
    for (let i = 0; i < json; i++) {
      const name = jsonSecretName(i);
      lines.push(
        `- objectName: ${name}`,
        `  objectType: secretsmanager`,
        `  jmesPath:`,
        `    - {path: username, objectAlias: json-${i}-username}`,
        `    - {path: password, objectAlias: json-${i}-password}`,
      );
    }
    for (let i = 0; i < count - json; i++) {
      lines.push(`- {objectName: ${parameterName(i)}, objectType: ssmparameter}`);
    }
    return lines.join("\n");
  }
  for (let i = 0; i < count; i++) {
    const index = (offset + i) % pool;
    lines.push(
      store === "secretsmanager"
        ? `- {objectName: ${secretName(index)}, objectType: secretsmanager}`
        : `- {objectName: ${parameterName(index)}, objectType: ssmparameter}`,
    );
  }
  return lines.join("\n");
}

/** What a scenario run needs. */
export interface RunContext {
  /** The stack. */
  stack: BenchStack;
  /** The provider. */
  provider: BenchProvider;
}

/** Options of a sequential run. */
export interface SequentialOptions {
  /** Measured mounts. */
  iterations: number;
  /** Unmeasured mounts first. */
  warmup: number;
  /** Runs right before the first measured mount (e.g. start the profiler). */
  beforeMeasure?: () => Promise<void>;
  /** Runs right after the last measured mount. */
  afterMeasure?: () => Promise<void>;
  /** What plays the driver. @default {the provider's grpc-js client} */
  client?: BenchClient;
}

interface Sample {
  start: number;
  end: number;
  /** The client's own time of the call, when it measures one (else `end - start`). */
  durationMs?: number;
  outcome: MountOutcome;
}

let podCounter = 0;

/** Tokens of a new pod (both audiences), unique to it. */
export function newTokens(): Record<string, string> {
  const id = crypto.randomUUID();
  return {
    "sts.amazonaws.com": `eyJhbGciOiJSUzI1NiJ9.bench-irsa-${id}.c2ln`,
    "pods.eks.amazonaws.com": `eyJhbGciOiJSUzI1NiJ9.bench-pod-identity-${id}.c2ln`,
  };
}

function parametersOf(spec: ScenarioSpec, objects: string): Record<string, string> {
  return {
    region: PRIMARY_REGION,
    ...(spec.failover ? { failoverRegion: FAILOVER_REGION } : {}),
    objects,
  };
}

/** Runs a warm or cold scenario: one mount at a time, like the driver does per pod. */
export async function runSequential(
  context: RunContext,
  spec: ScenarioSpec,
  options: SequentialOptions,
): Promise<ScenarioResult> {
  const { stack, provider } = context;
  const client = options.client ?? grpcJsClient(provider.driver);
  const parameters = parametersOf(spec, objectsYaml(spec.store, spec.objects));
  let pod: TestPod | undefined;
  let tokens: Record<string, string> = {};
  let targetPath = "";
  let versions: { id: string; version: string }[] | undefined;
  const mountOnce = async (): Promise<Sample> => {
    if (pod === undefined || spec.mode === "cold") {
      pod = stack.pod(`bench-${spec.name}-${podCounter++}`);
      tokens = newTokens();
      targetPath = await provider.newTargetPath(pod);
      versions = undefined;
    }
    const start = performance.now();
    const { outcome, durationMs } = await client.mount({
      parameters,
      pod,
      tokens,
      targetPath,
      currentObjectVersion: versions,
    });
    const end = performance.now();
    if (outcome.ok) {
      versions = Object.entries(outcome.versions).map(([id, version]) => ({ id, version }));
    }
    return { start, end, ...(durationMs === undefined ? {} : { durationMs }), outcome };
  };
  for (let i = 0; i < options.warmup; i++) await mountOnce();
  stack.proxy.resetCalls();
  stack.kube.resetCalls();
  await options.beforeMeasure?.();
  const cpuBefore = await readCpuTime(provider.pid);
  const loggedBefore = provider.mountDurations().length;
  const samples: Sample[] = [];
  const wallStart = performance.now();
  for (let i = 0; i < options.iterations; i++) samples.push(await mountOnce());
  const wallMs = performance.now() - wallStart;
  const cpuAfter = await readCpuTime(provider.pid);
  await options.afterMeasure?.();
  // Log lines arrive through a pipe: give the last ones time (up to 5 s; a
  // loaded machine took more than half a second once).
  const succeeded = samples.filter((sample) => sample.outcome.ok).length;
  for (let i = 0; i < 500 && provider.mountDurations().length < loggedBefore + succeeded; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // The last lines are the measured mounts' (a warm-up mount's line may come late).
  const logged = provider.mountDurations().slice(loggedBefore).slice(-succeeded);
  return measure(spec, {
    providerDurations: logged.length === succeeded ? logged : undefined,
    samples,
    warmup: options.warmup,
    concurrency: 1,
    wallMs,
    cpu: cpuDelta(cpuBefore, cpuAfter),
    calls: stack.proxy.timings(),
    kubeRequests: stack.kube.calls(),
    overlapping: false,
    client: client.name,
  });
}

/** Options of the storm. */
export interface StormOptions {
  /** Concurrent mounts. */
  mounts: number;
  /** Deadline of each mount, ms (the kubelet gives NodePublishVolume 2 minutes). */
  timeoutMs: number;
  /** Secrets seeded (the storm's mounts rotate through them). */
  pool: number;
  /** Every provider flag this storm's provider runs with (for the rate limit). */
  providerArgs: string[];
}

/**
 * Runs a storm: `mounts` distinct pods and tokens, all at once; pod `i` has
 * service account `i mod spec.storm.serviceAccounts`.
 */
export async function runStorm(
  context: RunContext,
  spec: ScenarioSpec,
  options: StormOptions,
): Promise<ScenarioResult> {
  const { stack, provider } = context;
  const prefix = `storm-sa-${podCounter++}`;
  const serviceAccounts = Math.max(
    1,
    Math.min(options.mounts, spec.storm?.serviceAccounts ?? options.mounts),
  );
  stack.addServiceAccounts(prefix, serviceAccounts);
  const mounts = await Promise.all(
    Array.from({ length: options.mounts }, async (_, i) => {
      const pod = {
        name: `storm-${i}`,
        namespace: "default",
        uid: crypto.randomUUID(),
        serviceAccount: `${prefix}-${i % serviceAccounts}`,
      };
      return {
        pod,
        tokens: newTokens(),
        targetPath: await provider.newTargetPath(pod),
        parameters: parametersOf(
          spec,
          objectsYaml(spec.store, spec.objects, i * spec.objects, options.pool),
        ),
      };
    }),
  );
  stack.proxy.resetCalls();
  stack.kube.resetCalls();
  const rssBefore = (await readMemory(provider.pid)).rss;
  const peakReset = await resetPeakRss(provider.pid);
  let sampledPeak = rssBefore;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      sampledPeak = Math.max(sampledPeak, (await readMemory(provider.pid)).rss);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const cpuBefore = await readCpuTime(provider.pid);
  const wallStart = performance.now();
  const samples = await Promise.all(mounts.map(async (mount) => {
    const start = performance.now();
    const outcome = await provider.driver.mount({ ...mount, timeoutMs: options.timeoutMs });
    return { start, end: performance.now(), outcome };
  }));
  const wallMs = performance.now() - wallStart;
  const cpuAfter = await readCpuTime(provider.pid);
  sampling = false;
  await sampler;
  const memory = await readMemory(provider.pid);
  const result = measure(spec, {
    samples,
    warmup: 0,
    concurrency: options.mounts,
    wallMs,
    cpu: cpuDelta(cpuBefore, cpuAfter),
    calls: stack.proxy.timings(),
    kubeRequests: stack.kube.calls(),
    overlapping: true,
    providerDurations: undefined,
  });
  result.memory = {
    rssBeforeMiB: round(rssBefore / 1024, 1),
    peakRssMiB: round(memory.hwm / 1024, 1),
    peakReset,
    sampledPeakRssMiB: round(Math.max(sampledPeak, memory.rss) / 1024, 1),
  };
  const { qps, burst } = rateLimitOf(options.providerArgs);
  const kubeCalls = stack.kube.calls().length;
  result.storm = {
    serviceAccounts,
    podsPerServiceAccount: Math.ceil(options.mounts / serviceAccounts),
    providerArgs: spec.storm?.providerArgs ?? [],
    headline: spec.storm?.headline ?? true,
    ...(spec.storm?.footprint ? { footprint: true } : {}),
    qps,
    burst,
    kubeCalls,
    kubeRateLimitFloorMs: round(rateLimitFloorMs(kubeCalls, qps, burst), 1),
  };
  return result;
}

/**
 * The provider's effective `--qps` and `--burst` from its flags (the last
 * occurrence wins, as with Go's flag package); client-go's 5 and 10 when
 * absent or 0.
 */
export function rateLimitOf(args: readonly string[]): { qps: number; burst: number } {
  const value = (name: string): number | undefined => {
    let found: number | undefined;
    for (let i = 0; i < args.length; i++) {
      const match = new RegExp(`^--?${name}(?:=(.*))?$`).exec(args[i]);
      if (match === null) continue;
      const text = match[1] ?? args[i + 1];
      if (text !== undefined && /^-?\d+$/.test(text)) found = Number(text);
    }
    return found;
  };
  const qps = value("qps") || 5;
  const burst = Math.max(1, value("burst") || 10);
  return { qps, burst };
}

/**
 * How long a token bucket of `burst` refilled at `qps` per second needs
 * before the last of `calls` simultaneous calls may start, ms (0 when
 * `qps` is negative, i.e. unlimited).
 */
export function rateLimitFloorMs(calls: number, qps: number, burst: number): number {
  if (qps < 0) return 0;
  return (Math.max(0, calls - burst) / qps) * 1000;
}

function cpuDelta(before: CpuTime, after: CpuTime): CpuTime {
  return {
    userMs: after.userMs - before.userMs,
    systemMs: after.systemMs - before.systemMs,
    totalMs: after.totalMs - before.totalMs,
  };
}

function measure(
  spec: ScenarioSpec,
  data: {
    samples: Sample[];
    warmup: number;
    concurrency: number;
    wallMs: number;
    cpu: CpuTime;
    calls: AwsCallTiming[];
    kubeRequests: KubeCall[];
    overlapping: boolean;
    /** Provider-side durations of the successful samples, in order; undefined if unknown. */
    providerDurations: number[] | undefined;
    /** What played the driver, when not the storm's grpc-js client. */
    client?: string;
  },
): ScenarioResult {
  const { samples, calls } = data;
  const n = samples.length;
  const ok = samples.filter((sample) => sample.outcome.ok);
  const errors = [
    ...new Set(
      samples.flatMap((sample) => sample.outcome.ok ? [] : [sample.outcome.message]),
    ),
  ].slice(0, 5);
  const perMount = (counts: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map((
        [key, count],
      ) => [key, round(count / n, 3)]),
    );
  const count = (key: (call: AwsCallTiming) => string) => {
    const counts: Record<string, number> = {};
    for (const call of calls) counts[key(call)] = (counts[key(call)] ?? 0) + 1;
    return counts;
  };
  const kubeCounts: Record<string, number> = {};
  for (const request of data.kubeRequests) {
    const key = request.resource ?? "other";
    kubeCounts[key] = (kubeCounts[key] ?? 0) + 1;
  }
  const latencyOf = (sample: Sample) => sample.durationMs ?? sample.end - sample.start;
  const latencies = ok.map(latencyOf);
  let awsWaitMs: Percentiles | null = null;
  let overheadMs: Percentiles | null = null;
  let providerMs: Percentiles | null = null;
  let pipelineOverheadMs: Percentiles | null = null;
  let transportMs: Percentiles | null = null;
  if (!data.overlapping) {
    const now = performance.now();
    const intervals = calls.map((call) => ({ start: call.startedAt, end: call.endedAt ?? now }));
    const waits = ok.map((sample) => unionWithin(intervals, sample));
    awsWaitMs = roundAll(summarize(waits));
    // Sequential mounts: every call inside a sample's window is its own, so a
    // client that times itself (a shorter, unaligned window) loses none.
    overheadMs = roundAll(summarize(ok.map((sample, i) => latencyOf(sample) - waits[i])));
    const durations = data.providerDurations;
    if (durations !== undefined) {
      providerMs = roundAll(summarize(durations));
      pipelineOverheadMs = roundAll(summarize(durations.map((d, i) => d - waits[i])));
      transportMs = roundAll(
        summarize(ok.map((sample, i) => latencyOf(sample) - durations[i])),
      );
    }
  }
  const callDurations = calls.flatMap((call) =>
    call.endedAt === undefined ? [] : [call.endedAt - call.startedAt]
  );
  const firstOk = ok[0]?.outcome;
  return {
    name: spec.name,
    description: spec.description,
    store: spec.store,
    objects: spec.objects,
    failover: spec.failover,
    mode: spec.mode,
    filesPerMount: firstOk?.ok ? Object.keys(firstOk.versions).length : 0,
    warmupMounts: data.warmup,
    mounts: n,
    succeeded: ok.length,
    failed: n - ok.length,
    errors,
    concurrency: data.concurrency,
    latencyMs: roundAll(summarize(latencies)),
    ...(data.client === undefined ? {} : { client: data.client }),
    mountsPerSecond: round(n / (data.wallMs / 1000), 1),
    wallMs: round(data.wallMs, 1),
    awsCallsPerMount: perMount(count((call) => `${call.service}.${call.api}.${call.region}`)),
    awsCallsPerMountByApi: perMount(count((call) => `${call.service}.${call.api}`)),
    awsCallsPerMountTotal: round(calls.length / n, 3),
    stsCallsPerMount: round(calls.filter((call) => call.service === "sts").length / n, 3),
    kubeCallsPerMount: round(data.kubeRequests.length / n, 3),
    kubeCallsPerMountByResource: perMount(kubeCounts),
    cpuMsPerMount: round(data.cpu.totalMs / n, 2),
    cpuUserMsPerMount: round(data.cpu.userMs / n, 2),
    cpuSystemMsPerMount: round(data.cpu.systemMs / n, 2),
    awsWaitMs,
    overheadMs,
    providerMs,
    pipelineOverheadMs,
    transportMs,
    awsCallMs: callDurations.length > 0 ? roundAll(summarize(callDurations)) : null,
  };
}

function roundAll(p: Percentiles): Percentiles {
  return {
    p50: round(p.p50),
    p90: round(p.p90),
    p99: round(p.p99),
    min: round(p.min),
    max: round(p.max),
    mean: round(p.mean),
  };
}
