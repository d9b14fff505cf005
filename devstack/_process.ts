/**
 * What the dev stack's process launchers share: a free port, an output
 * stream read line by line, and a lock that concurrent test processes wait
 * on (one installs moto, one builds the driver harness). Internal: not in
 * `mod.ts`.
 *
 * @module
 */

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * A process could not bind the port chosen for it by {@linkcode freePort}:
 * something took it in between (a client's ephemeral port, another server).
 * The launcher tries again with another port.
 */
export class PortTakenError extends Error {}

/** Calls `onLine` with every line of a process's output stream, the last one unterminated too. */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    parts.forEach(onLine);
  }
  if (rest !== "") onLine(rest);
}

/**
 * Runs `work` holding the lock directory `lock` (made atomically), waiting
 * up to `waitMs` (default 15 minutes: pip or Go on a slow network) while
 * another process holds it; the lock of a holder that died is taken over.
 */
export async function withLock<T>(
  lock: string,
  work: () => Promise<T>,
  options: { waitMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.waitMs ?? 15 * 60_000);
  for (;;) {
    try {
      await Deno.mkdir(lock);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    if (await isStale(lock)) {
      await Deno.remove(lock, { recursive: true }).catch(() => {});
    } else if (Date.now() > deadline) {
      throw new Error(`gave up waiting for another process holding ${lock}`);
    } else {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    await Deno.writeTextFile(`${lock}/pid`, String(Deno.pid));
    return await work();
  } finally {
    await Deno.remove(lock, { recursive: true });
  }
}

async function isStale(lock: string): Promise<boolean> {
  const pid = await Deno.readTextFile(`${lock}/pid`).catch(() => undefined);
  if (pid !== undefined && Deno.build.os === "linux") {
    return !await Deno.stat(`/proc/${pid.trim()}`).then(() => true, () => false);
  }
  // No pid yet (just made), or no /proc: only age tells.
  const info = await Deno.stat(lock).catch(() => undefined);
  return info?.mtime != null && Date.now() - info.mtime.getTime() > 20 * 60_000;
}
