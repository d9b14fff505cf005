/**
 * A long-running child process of the control plane (etcd, kube-apiserver,
 * the driver, the provider): every line it prints is kept (the leak check
 * reads all of them), and stopping sends SIGTERM, then SIGKILL when it does
 * not exit in time, so a hung component never hangs the suite.
 *
 * @module
 */

export { freePort } from "../_process.ts";

/** Options of {@linkcode spawnChild}. */
export interface SpawnOptions {
  /** Arguments. */
  args: string[];
  /** The complete environment (nothing is inherited). */
  env: Record<string, string>;
  /** Working directory. */
  cwd?: string;
  /** How long `stop()` waits after SIGTERM before SIGKILL. @default {10_000} */
  stopTimeoutMs?: number;
}

/** A running child process. */
export interface Child extends AsyncDisposable {
  /** A name for messages (`etcd`, `driver v1.6.0`, …). */
  readonly name: string;
  /** Process id. */
  readonly pid: number;
  /** Every line printed so far, stdout and stderr interleaved as read. */
  lines(): string[];
  /** The last `count` lines, for failure messages. */
  tail(count?: number): string;
  /** Whether the process is still running. */
  running(): boolean;
  /** Resolves with the exit code when the process exits. */
  readonly exited: Promise<number>;
  /** Sends a signal (ignored once exited). */
  signal(signal: Deno.Signal): void;
  /** SIGTERM, then SIGKILL after the stop timeout; resolves with the exit code. Safe to call twice. */
  stop(): Promise<number>;
}

/** Starts `command`; its output is read until it exits. */
export function spawnChild(name: string, command: string, options: SpawnOptions): Child {
  const child = new Deno.Command(command, {
    args: options.args,
    env: options.env,
    clearEnv: true,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts);
    }
    if (rest !== "") lines.push(rest);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let isRunning = true;
  const exited = child.status.then(async (status) => {
    isRunning = false;
    await pumps;
    return status.code;
  });
  const signal = (value: Deno.Signal) => {
    if (!isRunning) return;
    try {
      child.kill(value);
    } catch {
      // exited between the check and the kill
    }
  };
  let stopping: Promise<number> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), options.stopTimeoutMs ?? 10_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    })();
  return {
    name,
    pid: child.pid,
    lines: () => [...lines],
    tail: (count = 40) => lines.slice(-count).join("\n"),
    running: () => isRunning,
    exited,
    signal,
    stop,
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}

/**
 * Calls `check` every `intervalMs` until it returns true; fails with the
 * child's last lines when the child exits or `timeoutMs` passes.
 *
 * @throws {Error} naming `what`, with the child's output tail.
 */
export async function waitUntilReady(
  child: Child,
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (true) {
    if (!child.running()) {
      throw new Error(`${child.name} exited before ${what}:\n${child.tail()}`);
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${child.name}: no ${what} after ${options.timeoutMs ?? 60_000} ms:\n${child.tail()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}

/** Environment variables passed through to every child (locale-free, no credentials). */
export function baseEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}
