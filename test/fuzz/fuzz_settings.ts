/**
 * Run settings shared by the property tests. A plain `deno task test` runs
 * each property a few hundred times (the whole set in a few seconds);
 * `deno task fuzz` sets `FUZZ_RUNS` for a long run. A failure prints
 * fast-check's seed and path; `FUZZ_SEED` and `FUZZ_PATH` replay it.
 *
 * @example
 * ```sh
 * FUZZ_RUNS=20000 deno task test test/fuzz/
 * FUZZ_SEED=-1204719 FUZZ_PATH="42:1:0" deno task test test/fuzz/mount_fuzz_test.ts
 * ```
 *
 * @module
 */

import type * as fc from "fast-check";

/** Longest one decode, validation or mount may take before it counts as a hang (ms). */
export const HANG_BOUND_MS = 5_000;

function envInteger(name: string): number | undefined {
  const text = Deno.env.get(name);
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got ${text}`);
  return value;
}

/**
 * fast-check parameters for a property: `defaultRuns` runs unless
 * `FUZZ_RUNS` says otherwise; `FUZZ_SEED`/`FUZZ_PATH` replay a failure.
 */
export function fuzzParameters<T>(defaultRuns: number): fc.Parameters<T> {
  const seed = envInteger("FUZZ_SEED");
  const path = Deno.env.get("FUZZ_PATH");
  return {
    numRuns: envInteger("FUZZ_RUNS") ?? defaultRuns,
    ...(seed !== undefined ? { seed } : {}),
    ...(path ? { path } : {}),
  };
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
