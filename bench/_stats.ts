/**
 * Small statistics helpers of the benchmark: percentiles and the union of
 * time intervals (how long a mount spent waiting on AWS).
 *
 * @module
 */

/** A time interval in ms; `end >= start`. */
export interface Interval {
  /** Start, ms. */
  start: number;
  /** End, ms. */
  end: number;
}

/** Latency summary of a set of samples, in ms. */
export interface Percentiles {
  /** Median. */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
  /** Smallest sample. */
  min: number;
  /** Largest sample. */
  max: number;
  /** Arithmetic mean. */
  mean: number;
}

/**
 * The `p`-th percentile (0-100) of `samples` by linear interpolation between
 * the closest ranks (numpy's default); `NaN` for no samples.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** p50, p90, p99, min, max and mean of `samples` (all `NaN` for none). */
export function summarize(samples: readonly number[]): Percentiles {
  const n = samples.length;
  return {
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    min: n === 0 ? NaN : Math.min(...samples),
    max: n === 0 ? NaN : Math.max(...samples),
    mean: n === 0 ? NaN : samples.reduce((sum, x) => sum + x, 0) / n,
  };
}

/**
 * Total length of the union of `intervals` clipped to `window`: overlapping
 * calls (parallel batches, two regions) count once.
 */
export function unionWithin(intervals: readonly Interval[], window: Interval): number {
  const clipped = intervals
    .map(({ start, end }) => ({
      start: Math.max(start, window.start),
      end: Math.min(end, window.end),
    }))
    .filter(({ start, end }) => end > start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let current: Interval | undefined;
  for (const interval of clipped) {
    if (current === undefined || interval.start > current.end) {
      if (current !== undefined) total += current.end - current.start;
      current = { ...interval };
    } else {
      current.end = Math.max(current.end, interval.end);
    }
  }
  if (current !== undefined) total += current.end - current.start;
  return total;
}

/** Rounds to `digits` decimals (keeps `NaN`/`null`-free JSON readable). */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
