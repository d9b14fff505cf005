/**
 * Gives memory back after a burst of mounts: when the provider has been idle
 * for a while after some activity, it runs one full garbage collection (V8
 * otherwise keeps the heap it grew during the burst), the kind V8 runs before
 * giving up on memory (`last-resort`: it also shrinks the young generation and
 * compacts, so freed pages go back to the system). Needs V8's `--expose-gc`;
 * without it this does nothing.
 *
 * @module
 */

/** Options of {@linkcode startIdleCollector}. */
export interface IdleCollectorOptions {
  /** Mounts in flight now. */
  inFlight: () => number;
  /** Quiet time after the last activity before collecting (ms, default 5 s). */
  idleMs?: number;
  /** The collector (default: V8's `gc` when exposed, as a last-resort collection). */
  gc?: () => void;
}

/** A running idle collector. */
export interface IdleCollector {
  /** Records activity (a mount started or finished). */
  touch(): void;
  /** Collects now unless mounts are in flight (after the start-up's warm-up). */
  collect(): void;
  /** Stops the timer. */
  stop(): void;
}

/** Starts checking once a second; collects at most once per burst. */
export function startIdleCollector(options: IdleCollectorOptions): IdleCollector {
  const gc = options.gc ?? lastResortGc();
  const idleMs = options.idleMs ?? 5_000;
  let lastActivity = 0;
  let dirty = false;
  const timer = setInterval(() => {
    if (!dirty || gc === undefined || options.inFlight() > 0) return;
    if (Date.now() - lastActivity < idleMs) return;
    dirty = false;
    gc();
  }, 1_000);
  Deno.unrefTimer(timer);
  return {
    touch() {
      lastActivity = Date.now();
      dirty = true;
    },
    collect() {
      if (gc === undefined || options.inFlight() > 0) return;
      dirty = false;
      gc();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** V8's exposed `gc` as a synchronous last-resort major collection, if exposed. */
function lastResortGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: (options?: Record<string, string>) => void }).gc;
  if (gc === undefined) return undefined;
  return () => gc({ type: "major", execution: "sync", flavor: "last-resort" });
}
