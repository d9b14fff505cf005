/**
 * How long the event loop was held: while mounts are being served (and for a
 * second after), a timer that should fire every `intervalMs` measures how late
 * it fires. A mount that computes for 60 ms without yielding shows up as a
 * delay of about 60 ms; everything else on the node (health probes, other
 * mounts) waited that long. Idle, the monitor costs nothing.
 *
 * A late timer is also what a process waiting for a core sees (a CPU limit,
 * a busy node). So each delay comes with the part of it the process could
 * have been computing: the delay bounded by the CPU time the process used
 * since the previous sample. Held 60 ms, the process used 60 ms of CPU;
 * descheduled 60 ms, it used next to none.
 *
 * @module
 */

/** Options of {@linkcode startEventLoopMonitor}. */
export interface EventLoopMonitorOptions {
  /**
   * Receives each measured delay and the part of it that was held (at most
   * the CPU time used since the previous sample), in seconds.
   */
  observe(delaySeconds: number, heldSeconds: number): void;
  /**
   * The process's CPU time (user and system) in microseconds; without it a
   * delay counts as held whole.
   */
  cpuMicros?: () => number;
  /** Sampling period (ms, default 10). */
  intervalMs?: number;
  /** How long to keep sampling after the last activation (ms, default 1 s). */
  lingerMs?: number;
}

/** A running monitor. */
export interface EventLoopMonitor {
  /** Samples from now until `lingerMs` after the last call. */
  activate(): void;
  /** Stops sampling. */
  stop(): void;
}

/** Starts an idle monitor; {@linkcode EventLoopMonitor.activate} starts the sampling. */
export function startEventLoopMonitor(options: EventLoopMonitorOptions): EventLoopMonitor {
  const intervalMs = options.intervalMs ?? 10;
  const lingerMs = options.lingerMs ?? 1_000;
  let activeUntil = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let expected = 0;
  let cpuAtLast = 0;
  const cpuMs = () => (options.cpuMicros?.() ?? 0) / 1000;
  const schedule = () => {
    const id = setTimeout(tick, intervalMs);
    Deno.unrefTimer(id);
    timer = id;
  };
  const tick = () => {
    const now = performance.now();
    const delayMs = Math.max(0, now - expected);
    const cpuNow = cpuMs();
    const heldMs = options.cpuMicros ? Math.min(delayMs, Math.max(0, cpuNow - cpuAtLast)) : delayMs;
    cpuAtLast = cpuNow;
    options.observe(delayMs / 1000, heldMs / 1000);
    if (now > activeUntil) {
      timer = undefined;
      return;
    }
    expected = now + intervalMs;
    schedule();
  };
  return {
    activate() {
      activeUntil = performance.now() + lingerMs;
      if (timer !== undefined) return;
      cpuAtLast = cpuMs();
      expected = performance.now() + intervalMs;
      schedule();
    },
    stop() {
      activeUntil = 0;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
