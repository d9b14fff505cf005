/**
 * The file-system calls of the writer (`atomic_writer.ts`), and how they are
 * made.
 *
 * On the tmpfs the CSI driver mounts at every target path each call takes
 * microseconds, less than handing it to a thread and back (the stored
 * profile had writing files as half of a warm mount's CPU, most of it that
 * hand-over), so they are made synchronously. On a disk, though, one
 * synchronous call can stall for tens of milliseconds under write-back
 * pressure and hold the event loop, and with it every other mount, as long.
 * {@linkcode guardedWriterFs} watches for that: once a call is slow it
 * makes the calls asynchronously (on a thread) for a while.
 *
 * @module
 */

/** The file-system calls the writer needs (swappable in unit tests). */
export interface WriterFs {
  /** `lstat`; rejects with `Deno.errors.NotFound` when missing. */
  lstat(path: string): Promise<Deno.FileInfo>;
  /**
   * The entries of the directory `path`: each name with whether it is a
   * directory (not following symbolic links); empty when `path` does not
   * exist.
   */
  entries(path: string): Promise<ReadonlyMap<string, boolean>>;
  /**
   * Whether `path` is a regular file (not a symbolic link) with exactly
   * `mode` (permission bits) and `contents`; false when it is missing.
   */
  holds(path: string, contents: Uint8Array, mode: number): Promise<boolean>;
  /** Creates one directory. */
  mkdir(path: string, options: { mode: number }): Promise<void>;
  /** Creates a new file exclusively with exactly `mode` and writes it. */
  writeNew(path: string, contents: Uint8Array, mode: number): Promise<void>;
  /** Atomic rename. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file, ignoring a missing one. */
  remove(path: string): Promise<void>;
}

/**
 * Runs a synchronous file-system call as a promise (a throw becomes a
 * rejection).
 */
function now<T>(call: () => T): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Lets a missing path pass (the calls that accept one); rethrows anything else. */
function unlessMissing(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}

/**
 * The real file system, called synchronously. A new file is one call (open,
 * `fchmod` to the exact mode whatever the umask, write, close): Deno checks
 * the write permission of a path by resolving each of its components, so
 * every path given costs a few dozen system calls.
 */
export const denoWriterFs: WriterFs = {
  lstat: (path) => now(() => Deno.lstatSync(path)),
  entries: (path) => now(() => entriesOf(() => Deno.readDirSync(path))),
  holds: (path, contents, mode) =>
    now(() => {
      // The lstat (a few µs) settles most changes, and a link is never followed.
      const info = lstatSyncOrUndefined(path);
      if (!matches(info, contents, mode)) return false;
      return sameBytes(Deno.readFileSync(path), contents);
    }),
  mkdir: (path, options) =>
    now(() => {
      Deno.mkdirSync(path, options);
      Deno.chmodSync(path, options.mode); // the umask must not narrow it
    }),
  writeNew: (path, contents, mode) =>
    now(() => Deno.writeFileSync(path, contents, { createNew: true, mode })),
  rename: (from, to) => now(() => Deno.renameSync(from, to)),
  remove: (path) =>
    now(() => {
      try {
        Deno.removeSync(path);
      } catch (error) {
        unlessMissing(error);
      }
    }),
};

function lstatSyncOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (error) {
    unlessMissing(error);
    return undefined;
  }
}

function matches(info: Deno.FileInfo | undefined, contents: Uint8Array, mode: number): boolean {
  return info !== undefined && info.isFile && info.size === contents.length &&
    ((info.mode ?? -1) & 0o7777) === mode;
}

/** Byte equality (not constant-time: both sides are the mount's own data). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function entriesOf(list: () => Iterable<Deno.DirEntry>): Map<string, boolean> {
  const entries = new Map<string, boolean>();
  try {
    for (const entry of list()) entries.set(entry.name, entry.isDirectory);
  } catch (error) {
    unlessMissing(error);
  }
  return entries;
}

/** The same calls made asynchronously: each on a thread, the event loop free meanwhile. */
export const asyncDenoWriterFs: WriterFs = {
  lstat: (path) => Deno.lstat(path),
  entries: async (path) => {
    const entries = new Map<string, boolean>();
    try {
      for await (const entry of Deno.readDir(path)) entries.set(entry.name, entry.isDirectory);
    } catch (error) {
      unlessMissing(error);
    }
    return entries;
  },
  holds: async (path, contents, mode) => {
    let info: Deno.FileInfo | undefined;
    try {
      info = await Deno.lstat(path);
    } catch (error) {
      unlessMissing(error);
    }
    return matches(info, contents, mode) && sameBytes(await Deno.readFile(path), contents);
  },
  mkdir: async (path, options) => {
    await Deno.mkdir(path, options);
    await Deno.chmod(path, options.mode);
  },
  writeNew: (path, contents, mode) => Deno.writeFile(path, contents, { createNew: true, mode }),
  rename: (from, to) => Deno.rename(from, to),
  remove: async (path) => {
    try {
      await Deno.remove(path);
    } catch (error) {
      unlessMissing(error);
    }
  },
};

/** Options of {@linkcode guardedWriterFs}. */
export interface GuardedWriterFsOptions {
  /** A synchronous call that took longer than this is slow (ms). @default {10} */
  slowMs?: number;
  /** How long the calls stay asynchronous after a slow one (ms). @default {60_000} */
  asyncForMs?: number;
  /**
   * Told of each slow call (the path's file system is not a tmpfs, or is
   * overloaded), with how long the calls now stay asynchronous.
   */
  onSlow?: (durationMs: number, asyncForMs: number) => void;
  /** The clock (ms). @default {performance.now} */
  now?: () => number;
  /** The synchronous calls. @default {denoWriterFs} */
  sync?: WriterFs;
  /** The asynchronous calls. @default {asyncDenoWriterFs} */
  async?: WriterFs;
}

/**
 * Synchronous calls while they are fast; after one took longer than
 * `slowMs`, asynchronous calls for `asyncForMs`, then synchronous again. The
 * slow call itself has held the loop: one call, not the rest of the mount
 * and the mounts after it.
 */
export function guardedWriterFs(options: GuardedWriterFsOptions = {}): WriterFs {
  const slowMs = options.slowMs ?? 10;
  const asyncForMs = options.asyncForMs ?? 60_000;
  const clock = options.now ?? (() => performance.now());
  const sync = options.sync ?? denoWriterFs;
  const background = options.async ?? asyncDenoWriterFs;
  let asyncUntil = -Infinity;
  const call =
    <K extends keyof WriterFs>(name: K) =>
    (...args: Parameters<WriterFs[K]>): ReturnType<WriterFs[K]> => {
      const started = clock();
      // deno-lint-ignore no-explicit-any
      const run = (fs: WriterFs) => (fs[name] as (...a: any[]) => ReturnType<WriterFs[K]>)(...args);
      if (started < asyncUntil) return run(background);
      const result = run(sync);
      const took = clock() - started;
      if (took > slowMs) {
        asyncUntil = started + took + asyncForMs;
        options.onSlow?.(took, asyncForMs);
      }
      return result;
    };
  return {
    lstat: call("lstat"),
    entries: call("entries"),
    holds: call("holds"),
    mkdir: call("mkdir"),
    writeNew: call("writeNew"),
    rename: call("rename"),
    remove: call("remove"),
  };
}
