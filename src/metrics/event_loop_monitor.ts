/**
 * How long the event loop was held: while mounts are being served (and for a
 * second after), a timer that should fire every `intervalMs` measures how late
 * it fires. A mount that computes for 60 ms without yielding shows up as a
 * delay of about 60 ms; everything else on the node (health probes, other
 * mounts) waited that long. Idle, the monitor costs nothing.
 *
 * @module
 */

/** Options of {@linkcode startEventLoopMonitor}. */
export interface EventLoopMonitorOptions {
  /** Receives each measured delay, in seconds. */
  observe(delaySeconds: number): void;
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
  const schedule = () => {
    const id = setTimeout(tick, intervalMs);
    Deno.unrefTimer(id);
    timer = id;
  };
  const tick = () => {
    const now = performance.now();
    options.observe(Math.max(0, now - expected) / 1000);
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
