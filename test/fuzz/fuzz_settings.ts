/**
 * How the property tests run. A plain `deno task test` (CI) runs each
 * property from a fixed set of seeds ({@linkcode FIXED_SEEDS}), so every run
 * checks the same cases and a failure can be replayed anywhere;
 * `deno task fuzz` sets `FUZZ_RUNS` for a long run from a fresh random seed
 * and records every property's seed, run count and verdict in
 * `bench/results/fuzz.json` (`FUZZ_RECORD` names another file, or `-` for
 * none). A failure names its property, seed and path and the command that
 * replays it with `FUZZ_SEED` and `FUZZ_PATH`.
 *
 * @example
 * ```sh
 * deno task fuzz                                   # 20,000 runs per property, random seeds
 * FUZZ_SEED=-1204719 FUZZ_PATH="42:1:0" deno test -A test/fuzz/mount_fuzz_test.ts
 * ```
 *
 * @module
 */

import * as fc from "fast-check";

/** Longest one decode, validation or mount may take before it counts as a hang (ms). */
export const HANG_BOUND_MS = 5_000;

/** The seeds of a plain test run: each property runs from each, its runs shared between them. */
export const FIXED_SEEDS: readonly number[] = [20240601, 7, -913_478_202];

/** Where `deno task fuzz` records its runs unless `FUZZ_RECORD` says otherwise. */
export const DEFAULT_RECORD_FILE = new URL("../../bench/results/fuzz.json", import.meta.url)
  .pathname;

/** What the environment asks of a run (see the module doc). */
export interface FuzzSettings {
  /** `FUZZ_RUNS`: a long run of this many cases per property, from a random seed. */
  runs?: number;
  /** `FUZZ_SEED`: run from this seed (replay). */
  seed?: number;
  /** `FUZZ_PATH`: with `seed`, replay just this counterexample path. */
  path?: string;
  /** File the runs are recorded in; none when undefined. */
  recordFile?: string;
}

/** One fast-check run of a property: a seed and how many cases. */
export interface FuzzRun {
  /** fast-check seed. */
  seed: number;
  /** Cases to generate. */
  runs: number;
  /** Replay only this counterexample path. */
  path?: string;
}

function envInteger(name: string): number | undefined {
  const text = Deno.env.get(name);
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got ${text}`);
  return value;
}

/** The settings `FUZZ_RUNS`, `FUZZ_SEED`, `FUZZ_PATH` and `FUZZ_RECORD` ask for. */
export function fuzzSettingsFromEnv(): FuzzSettings {
  const runs = envInteger("FUZZ_RUNS");
  const seed = envInteger("FUZZ_SEED");
  const path = Deno.env.get("FUZZ_PATH") || undefined;
  const record = Deno.env.get("FUZZ_RECORD");
  const recordFile = record === "-"
    ? undefined
    : record || (runs !== undefined ? DEFAULT_RECORD_FILE : undefined);
  return { runs, seed, path, recordFile };
}

function randomSeed(): number {
  return crypto.getRandomValues(new Int32Array(1))[0];
}

/**
 * The runs of a property that makes `defaultRuns` cases in a plain run: one
 * per fixed seed, sharing the cases; one random seed with `settings.runs`
 * cases in a long run; the given seed (and path) when replaying.
 */
export function fuzzPlan(defaultRuns: number, settings: FuzzSettings = {}): FuzzRun[] {
  const runs = settings.runs ?? defaultRuns;
  if (settings.seed !== undefined) {
    return [{ seed: settings.seed, runs, ...(settings.path ? { path: settings.path } : {}) }];
  }
  if (settings.runs !== undefined) return [{ seed: randomSeed(), runs }];
  const each = Math.ceil(defaultRuns / FIXED_SEEDS.length);
  return FIXED_SEEDS.map((seed) => ({ seed, runs: each }));
}

/**
 * fast-check parameters for a property run with a single `fc.assert`: the
 * first fixed seed in a plain run (see {@linkcode checkProperty} for the
 * whole seed set and the record), a random one in a long run.
 */
export function fuzzParameters<T>(defaultRuns: number): fc.Parameters<T> {
  const [run] = fuzzPlan(defaultRuns, fuzzSettingsFromEnv());
  return { seed: run.seed, numRuns: run.runs, ...(run.path ? { path: run.path } : {}) };
}

/** One property's run as `deno task fuzz` records it. */
export interface FuzzRecord {
  /** When the run ended (ISO 8601). */
  date: string;
  /** fast-check seed. */
  seed: number;
  /** Cases asked for. */
  runs: number;
  /** Cases that ran. */
  ran: number;
  /** Wall time, ms. */
  durationMs: number;
  /** Whether the property held. */
  held: boolean;
  /** The counterexample path, when it failed. */
  counterexamplePath?: string;
  /** The first line of the failure, when it failed. */
  failure?: string;
  /** Deno version. */
  deno: string;
}

/** `file` as `{ properties: { <name>: FuzzRecord } }`, with `name`'s entry replaced. */
function writeRecord(file: string, name: string, record: FuzzRecord): void {
  let properties: Record<string, FuzzRecord> = {};
  try {
    properties = JSON.parse(Deno.readTextFileSync(file)).properties ?? {};
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  properties[name] = record;
  const sorted = Object.fromEntries(Object.entries(properties).sort(([a], [b]) => a < b ? -1 : 1));
  Deno.writeTextFileSync(file, JSON.stringify({ properties: sorted }, null, 2) + "\n");
}

/** Options of {@linkcode checkProperty}. */
export interface CheckPropertyOptions {
  /** Cases of a plain run, shared between the fixed seeds. */
  runs: number;
  /** @default {fuzzSettingsFromEnv()} */
  settings?: FuzzSettings;
}

/**
 * Checks `property` on the runs of {@linkcode fuzzPlan}; in a long run also
 * records each in the record file under `name`.
 *
 * @throws {Error} naming the property, seed and counterexample path, with
 * the command that replays it and fast-check's report.
 */
export async function checkProperty<Ts extends [unknown, ...unknown[]]>(
  name: string,
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  options: CheckPropertyOptions,
): Promise<void> {
  const settings = options.settings ?? fuzzSettingsFromEnv();
  for (const run of fuzzPlan(options.runs, settings)) {
    const started = performance.now();
    const details = await fc.check(property, {
      seed: run.seed,
      numRuns: run.runs,
      ...(run.path ? { path: run.path } : {}),
      // The report then says which check failed, not only with which input.
      includeErrorInReport: true,
    });
    const report = details.failed ? fc.defaultReportMessage(details) ?? "" : undefined;
    if (settings.recordFile !== undefined) {
      writeRecord(settings.recordFile, name, {
        date: new Date().toISOString(),
        seed: run.seed,
        runs: run.runs,
        ran: details.numRuns,
        durationMs: Math.round(performance.now() - started),
        held: !details.failed,
        ...(details.failed
          ? {
            counterexamplePath: details.counterexamplePath ?? "",
            failure: String((details.errorInstance as Error)?.message ?? report).split("\n")[0],
          }
          : {}),
        deno: Deno.version.deno,
      });
    }
    if (details.failed) {
      const path = details.counterexamplePath ?? "";
      throw new Error(
        `property "${name}" failed with seed ${run.seed} (path ${path}); replay: ` +
          `FUZZ_SEED=${run.seed} FUZZ_PATH="${path}" deno test -A test/fuzz/\n${report}`,
      );
    }
  }
}

/**
 * Runs `work` and fails when it takes longer than {@linkcode HANG_BOUND_MS}:
 * slow is a bug too (a regular expression or parser that goes superlinear).
 */
export function timed<T>(label: string, work: () => T): T {
  const started = performance.now();
  const result = work();
  const elapsed = performance.now() - started;
  if (elapsed > HANG_BOUND_MS) {
    throw new Error(`${label} took ${Math.round(elapsed)} ms (bound ${HANG_BOUND_MS} ms)`);
  }
  return result;
}

/**
 * Awaits `work`, failing when it has not settled within
 * {@linkcode HANG_BOUND_MS} (so a hang fails the property instead of the suite).
 */
export async function timedAsync<T>(label: string, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const started = performance.now();
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${label} did not settle within ${HANG_BOUND_MS} ms`)),
      HANG_BOUND_MS,
    );
  });
  let result: T;
  try {
    result = await Promise.race([work(), bound]);
  } finally {
    clearTimeout(timer);
  }
  const elapsed = performance.now() - started;
  if (elapsed > HANG_BOUND_MS) {
    throw new Error(`${label} took ${Math.round(elapsed)} ms (bound ${HANG_BOUND_MS} ms)`);
  }
  return result;
}
