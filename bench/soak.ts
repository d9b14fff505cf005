/**
 * `deno task soak`: 20,000 mounts through the real provider process (moto in
 * two regions behind the fault proxy, the local Kubernetes API server), 20 at
 * a time, while random faults in the primary region change every 250 mounts.
 * Checks that every mount was answered in time (a hang fails the soak), that
 * every mount succeeded with complete, correct files except those an injected
 * fatal error answered (the failover region holds every object, so nothing
 * else may fail), and that the provider's RSS and open descriptors stay flat
 * after warm-up; prints a summary and writes `bench/results/soak.json`.
 *
 * ```sh
 * deno task soak                                   # the full run (about 4 minutes)
 * deno task soak --mounts=2000 --out=/tmp/soak.json
 * ```
 *
 * Exits with 1 when a check fails.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runSoak, type SoakReport } from "../test/soak/soak_run.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    mounts: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "20" },
    seed: { type: "string", default: "20240601" },
    out: { type: "string", default: new URL("./results/soak.json", import.meta.url).pathname },
  },
});

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n");
}

function summary(report: SoakReport): string {
  const { outcomes, objects, latencyMs, samples } = report;
  const first = samples[0];
  const last = samples.at(-1)!;
  const afterWarmup = samples.find((sample) => sample.mounts >= report.options.warmupMounts) ??
    first;
  const max = (key: "rssMiB" | "fds" | "sockets" | "otherFds") =>
    Math.max(...samples.map((sample) => sample[key]));
  const lines = [
    "Soak",
    table([
      ["mounts", `${report.options.mounts} (${report.options.concurrency} in flight)`],
      [
        "duration",
        `${report.durationS.toFixed(0)} s (${report.mountsPerSecond.toFixed(0)} mounts/s)`,
      ],
      [
        "load average",
        `${report.loadAverage.start.map((x) => x.toFixed(2)).join(" ")} at start, ${
          report.loadAverage.end.map((x) => x.toFixed(2)).join(" ")
        } at end (${navigator.hardwareConcurrency} cores)`,
      ],
      [
        "succeeded",
        `${outcomes.ok} (objects ${objects.mounted}, ${objects.fromFailover} from the failover region)`,
      ],
      [
        "success floor",
        `${report.successFloor.floor} (${report.successFloor.fatalFaultsAnswered} requests answered with an injected fatal error)`,
      ],
      [
        "failed by an injected fatal error",
        `${outcomes.failedClean} (${outcomes.completedAfterDeadline} failed mounts completed after their deadline)`,
      ],
      ["failed otherwise (answered)", String(outcomes.failedUnexplained)],
      ["hung or unclean", String(outcomes.failedUnclean)],
      ["wrong or half-written", String(outcomes.wrongFiles)],
      [
        "latency p50/p90/p99/max",
        `${latencyMs.p50.toFixed(0)} / ${latencyMs.p90.toFixed(0)} / ${
          latencyMs.p99.toFixed(0)
        } / ${latencyMs.max.toFixed(0)} ms`,
      ],
      [
        "RSS start / warm / end / max",
        `${first.rssMiB.toFixed(1)} / ${afterWarmup.rssMiB.toFixed(1)} / ${
          last.rssMiB.toFixed(1)
        } / ${max("rssMiB").toFixed(1)} MiB`,
      ],
      [
        "fds start / warm / end / max",
        `${first.fds} / ${afterWarmup.fds} / ${last.fds} / ${max("fds")}`,
      ],
      [
        "  non-socket",
        `${first.otherFds} / ${afterWarmup.otherFds} / ${last.otherFds} / ${max("otherFds")}`,
      ],
      [
        "  sockets",
        `${first.sockets} / ${afterWarmup.sockets} / ${last.sockets} / ${max("sockets")}`,
      ],
      [
        "faulted requests",
        Object.entries(report.faultedRequests).map(([k, v]) => `${k} ${v}`).join(", ") || "none",
      ],
      ["fault phases", String(Object.values(report.phases).reduce((a, b) => a + b, 0))],
      [
        "failure codes",
        Object.entries(report.codes).map(([k, v]) => `${k}: ${v}`).join(", ") || "none",
      ],
    ]),
    "Failures",
    table(
      Object.entries(report.errors).sort((a, b) => b[1] - a[1]).slice(0, 8).map((
        [m, c],
      ) => [`${c}×`, m]),
    ) ||
    "  none",
    "Checks",
    table(
      report.checks.map((check) => [check.ok ? "PASS" : "FAIL", `${check.name}: ${check.detail}`]),
    ),
  ];
  if (report.problems.length > 0) lines.push("Problems", ...report.problems.map((p) => `  ${p}`));
  return lines.join("\n");
}

const mounts = Number(values.mounts);
const report = await runSoak({
  mounts,
  concurrency: Number(values.concurrency),
  sampleEvery: mounts >= 5_000 ? 500 : Math.max(50, Math.floor(mounts / 20)),
  // V8 grows its heap for the first few thousand mounts before it settles.
  warmupMounts: Math.floor(mounts / 4),
  phaseMounts: 250,
  timeoutMs: 8_000,
  seed: Number(values.seed),
  maxRssGrowthMiB: 30,
  maxFdDrift: 5,
  onSample: (sample) =>
    console.log(
      `  ${String(sample.mounts).padStart(6)} mounts  ${
        sample.elapsedS.toFixed(0).padStart(5)
      } s  ` +
        `RSS ${sample.rssMiB.toFixed(1)} MiB  fds ${sample.fds} (sockets ${sample.sockets})`,
    ),
});
console.log(summary(report));
await Deno.mkdir(new URL(".", `file://${values.out}`).pathname, { recursive: true });
await Deno.writeTextFile(values.out, JSON.stringify(report, null, 2) + "\n");
console.log(`wrote ${values.out}`);
if (report.checks.some((check) => !check.ok)) Deno.exit(1);
