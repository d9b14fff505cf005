/**
 * Provider-writes mode: files written into the pod's mount so that readers
 * never see a half-written file and a failed mount changes nothing.
 *
 * Every file first goes to a temporary file next to its destination (mode set
 * explicitly, so the umask does not matter; data synced), and only when all
 * temporary files are complete are they renamed over their destinations.
 *
 * @module
 */

import type { MountFile } from "./mount_files.ts";

/** The file-system calls the writer needs (swappable in unit tests). */
export interface WriterFs {
  /** `lstat`; rejects with `Deno.errors.NotFound` when missing. */
  lstat(path: string): Promise<Deno.FileInfo>;
  /** Creates one directory. */
  mkdir(path: string, options: { mode: number }): Promise<void>;
  /** Creates a new file exclusively and writes, chmods and syncs it. */
  writeNew(path: string, contents: Uint8Array, mode: number): Promise<void>;
  /** Atomic rename. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file, ignoring a missing one. */
  remove(path: string): Promise<void>;
}

/** The real file system. */
export const denoWriterFs: WriterFs = {
  lstat: (path) => Deno.lstat(path),
  async mkdir(path, options) {
    await Deno.mkdir(path, options);
    await Deno.chmod(path, options.mode); // the umask must not narrow it
  },
  async writeNew(path, contents, mode) {
    using file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
    await Deno.chmod(path, mode);
    let written = 0;
    while (written < contents.length) written += await file.write(contents.subarray(written));
    await file.syncData();
  },
  rename: (from, to) => Deno.rename(from, to),
  async remove(path) {
    try {
      await Deno.remove(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  },
};

/** A file could not be written; the message names the path, never the content. */
export class WriteError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WriteError";
  }
}

/**
 * Writes `files` under `targetPath` (whose paths were already validated as
 * clean relative paths). Parent directories of nested paths are created with
 * mode 0755; a symbolic link on the way is refused.
 *
 * @throws {WriteError} when anything fails; no destination is touched unless
 *   every temporary file was written.
 */
export async function writeFilesAtomically(
  targetPath: string,
  files: MountFile[],
  fs: WriterFs = denoWriterFs,
): Promise<void> {
  const temporaries: { temp: string; destination: string; path: string }[] = [];
  // Directories this call created, in creation order: removed again if no file was renamed.
  const created: string[] = [];
  let current = "";
  try {
    for (const file of files) {
      current = file.path;
      const destination = `${targetPath}/${file.path}`;
      await ensureParents(targetPath, file.path, fs, created);
      // A directory there would make the rename fail after earlier files were replaced.
      if ((await lstatOrUndefined(destination, fs))?.isDirectory) {
        throw new Error(`${destination} is a directory`);
      }
      const slash = destination.lastIndexOf("/");
      const temp = `${destination.slice(0, slash)}/.${destination.slice(slash + 1)}.tmp-${
        crypto.randomUUID().slice(0, 8)
      }`;
      temporaries.push({ temp, destination, path: file.path });
      // Bits above 0777 (setuid, setgid, sticky) are dropped, as Go's os.Chmod does for them.
      await fs.writeNew(temp, file.contents, file.mode & 0o777);
    }
  } catch (error) {
    await Promise.all(temporaries.map(({ temp }) => fs.remove(temp).catch(() => {})));
    for (const directory of created.reverse()) await fs.remove(directory).catch(() => {});
    throw new WriteError(`failed to write ${current} in ${targetPath}: ${describe(error)}`, {
      cause: error,
    });
  }
  for (const [index, { temp, destination, path }] of temporaries.entries()) {
    try {
      await fs.rename(temp, destination);
    } catch (error) {
      await Promise.all(
        temporaries.slice(index).map(({ temp }) => fs.remove(temp).catch(() => {})),
      );
      throw new WriteError(`failed to write ${path} in ${targetPath}: ${describe(error)}`, {
        cause: error,
      });
    }
  }
}

/**
 * Creates the parent directories of `relativePath` inside `root`, refusing
 * symlinks; appends each directory it creates to `created`.
 */
async function ensureParents(
  root: string,
  relativePath: string,
  fs: WriterFs,
  created: string[],
): Promise<void> {
  const parts = relativePath.split("/").slice(0, -1);
  let current = root;
  for (const part of parts) {
    current = `${current}/${part}`;
    let info: Deno.FileInfo | undefined;
    try {
      info = await fs.lstat(current);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (info === undefined) {
      await fs.mkdir(current, { mode: 0o755 });
      created.push(current);
    } else if (!info.isDirectory) {
      throw new Error(`${current} exists and is not a directory`);
    }
  }
}

async function lstatOrUndefined(path: string, fs: WriterFs): Promise<Deno.FileInfo | undefined> {
  try {
    return await fs.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

function describe(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return `${(error as Error).message} (is the mount directory covered by --allow-write?)`;
  }
  return error instanceof Error ? error.message : String(error);
}
