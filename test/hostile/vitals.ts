/**
 * What the hostile-tenant suite watches while it attacks a provider process:
 * whether the process is still up, its heap, and how long its event loop was
 * held (the provider's own `event_loop_held_seconds` histogram: its timer's
 * delays bounded by the CPU time it used meanwhile, so that waiting for a core
 * on a busy machine is not taken for a mount holding the loop).
 *
 * @module
 */

/** One scrape of the numbers the suite checks. */
export interface Vitals {
  /** V8 heap in use (bytes). */
  heapUsed: number;
  /** Resident set size (bytes). */
  rss: number;
  /** Event loop delay samples by bucket bound (seconds, cumulative), plus the total. */
  delay: { buckets: Map<number, number>; count: number };
}

/** Scrapes `/metrics` of the provider at `metricsUrl`. */
export async function readVitals(metricsUrl: string): Promise<Vitals> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  const buckets = new Map<number, number>();
  for (
    const [, bound, count] of text.matchAll(
      /^secrets_store_provider_aws_event_loop_held_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm,
    )
  ) {
    if (bound !== "+Inf") buckets.set(Number(bound), Number(count));
  }
  return {
    heapUsed: value(/^secrets_store_provider_aws_memory_bytes\{kind="heap_used"\} (\d+)$/m),
    rss: value(/^secrets_store_provider_aws_memory_bytes\{kind="rss"\} (\d+)$/m),
    delay: {
      buckets,
      count: value(/^secrets_store_provider_aws_event_loop_held_seconds_count (\d+)$/m) || 0,
    },
  };
}

/**
 * Event loop delay samples between two scrapes that were longer than
 * `boundSeconds` (which must be one of the histogram's bucket bounds).
 */
export function delaysOver(before: Vitals, after: Vitals, boundSeconds: number): number {
  const within = (vitals: Vitals) => vitals.delay.buckets.get(boundSeconds) ?? 0;
  return (after.delay.count - before.delay.count) - (within(after) - within(before));
}

/** The longest bucket bound that some sample between two scrapes exceeded ("≤ 5 ms" if none). */
export function longestDelay(before: Vitals, after: Vitals): string {
  const bounds = [...after.delay.buckets.keys()].sort((a, b) => a - b);
  let longest = "≤ 5 ms";
  for (const bound of bounds) {
    if (delaysOver(before, after, bound) > 0) longest = `> ${bound * 1000} ms`;
  }
  return longest;
}
