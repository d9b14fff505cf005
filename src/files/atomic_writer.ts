/**
 * Provider-writes mode: files written into the pod's mount so that readers
 * never see a half-written file and a failed mount changes nothing.
 *
 * Into a volume that already holds files (a remount: rotation, or the
 * kubelet's periodic remount, with the pod's containers reading), a file
 * whose destination already holds exactly its contents and mode is left as
 * it is (as the kubelet's atomic writer does: a rotation poll that finds
 * nothing new replaces no inode, so nothing wakes the pod's file watchers,
 * and a compare costs less than a write and a rename); every other file
 * first goes to a temporary file next to its destination (mode set
 * explicitly, so the umask does not matter), and only when all temporary
 * files are complete are they renamed over their destinations. Into an empty
 * volume, a pod's first mount, files are created at their destinations
 * directly (exclusively, so nothing is ever overwritten): the kubelet starts
 * no container of the pod before every volume is set up, so there is no
 * reader yet, and the rename of each file (with Deno's permission check of
 * both paths, component by component) is saved; a failure removes the files
 * this call created, leaving the volume empty again.
 *
 * The data is not synced: the target is the tmpfs the CSI driver mounts at
 * every target path before it calls the provider, where a sync does nothing
 * (and a crash of the node loses the mount anyway); it cost a thread hop per
 * file.
 *
 * @module
 */

import { TimeSlice } from "../limits/mod.ts";
import type { MountFile } from "./mount_file.ts";
import { denoWriterFs, type WriterFs } from "./writer_fs.ts";

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
 *   every temporary file was written (into an empty volume: every file this
 *   call created is removed again).
 */
export async function writeFilesAtomically(
  targetPath: string,
  files: MountFile[],
  fs: WriterFs = denoWriterFs,
): Promise<void> {
  // Directories this call created, in creation order: removed again if no file was renamed.
  const created: string[] = [];
  // Files (temporary, or final in an empty volume) this call created.
  const ours: string[] = [];
  const fail = async (path: string, error: unknown): Promise<never> => {
    await Promise.all(ours.map((file) => fs.remove(file).catch(() => {})));
    for (const directory of created.reverse()) await fs.remove(directory).catch(() => {});
    throw new WriteError(`failed to write ${path} in ${targetPath}: ${describe(error)}`, {
      cause: error,
    });
  };
  // One listing per directory, not a stat per file: each path costs Deno a
  // permission check of every component.
  const listings = new Map<string, ReadonlyMap<string, boolean>>();
  try {
    listings.set(targetPath, await fs.entries(targetPath));
  } catch (error) {
    await fail(files[0]?.path ?? ".", error);
  }
  const direct = listings.get(targetPath)!.size === 0;
  const plans = files.map((file) => {
    const destination = `${targetPath}/${file.path}`;
    const parent = destination.slice(0, destination.lastIndexOf("/"));
    // A name of fixed length: every name that validates (up to 255 bytes) can
    // have its temporary file (see `full_path.ts`).
    const temp = direct
      ? destination
      : `${parent}/.provider.tmp-${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    return { file, destination, parent, temp, unchanged: false };
  });
  // The calls are synchronous (see `writer_fs.ts`) and their promises settle
  // as microtasks, which never let the event loop run: the slice gives it a
  // turn every few milliseconds of a mount of hundreds of files.
  const slice = new TimeSlice();
  // Parents first (files may share new directories), then each file's checks
  // and temporary file, then the renames.
  for (const { file } of plans) {
    try {
      await ensureParents(targetPath, file.path, fs, created);
    } catch (error) {
      await fail(file.path, error);
    }
    await slice.pause();
  }
  // A directory at a destination would make its rename fail after earlier
  // files were replaced.
  const createdNow = new Set(created);
  for (const plan of plans) {
    if (listings.has(plan.parent)) continue;
    try {
      listings.set(
        plan.parent,
        createdNow.has(plan.parent) ? new Map() : await fs.entries(plan.parent),
      );
    } catch (error) {
      await fail(plan.file.path, error);
    }
    await slice.pause();
  }
  const prepared = await settledInTurns(plans, slice, async (plan) => {
    const isDirectory = listings.get(plan.parent)?.get(
      plan.destination.slice(plan.parent.length + 1),
    );
    if (isDirectory) throw new Error(`${plan.destination} is a directory`);
    // Bits above 0777 (setuid, setgid, sticky) are dropped, as Go's os.Chmod does for them.
    const mode = plan.file.mode & 0o777;
    // A compare that fails (a file that cannot be read) only means writing it.
    const holds = isDirectory === false &&
      await fs.holds(plan.destination, plan.file.contents, mode).catch(() => false);
    if (holds) {
      plan.unchanged = true;
      return;
    }
    try {
      await fs.writeNew(plan.temp, plan.file.contents, mode);
    } catch (error) {
      // A file that was there already is someone else's; a failure past the
      // create (a full volume) may leave ours behind.
      if (!(error instanceof Deno.errors.AlreadyExists)) ours.push(plan.temp);
      throw error;
    }
    ours.push(plan.temp);
  });
  const failed = prepared.findIndex((result) => result.status === "rejected");
  if (failed >= 0) {
    await fail(plans[failed].file.path, (prepared[failed] as PromiseRejectedResult).reason);
  }
  if (direct) return;
  const changed = plans.filter((plan) => !plan.unchanged);
  const renamed = await settledInTurns(
    changed,
    slice,
    ({ temp, destination }) => fs.rename(temp, destination),
  );
  const renameFailed = renamed.findIndex((result) => result.status === "rejected");
  if (renameFailed >= 0) {
    await Promise.all(
      changed.filter((_, i) => renamed[i].status === "rejected").map(({ temp }) =>
        fs.remove(temp).catch(() => {})
      ),
    );
    throw new WriteError(
      `failed to write ${changed[renameFailed].file.path} in ${targetPath}: ${
        describe((renamed[renameFailed] as PromiseRejectedResult).reason)
      }`,
      { cause: (renamed[renameFailed] as PromiseRejectedResult).reason },
    );
  }
}

/**
 * `Promise.allSettled` of `work` over `items`, one item at a time, pausing on
 * `slice` before each: the file-system calls are synchronous, so items
 * started together would only run back to back in one turn of the event
 * loop (a selector of 490 matches held it for up to 70 ms in batches of 32).
 */
async function settledInTurns<T>(
  items: readonly T[],
  slice: TimeSlice,
  work: (item: T) => Promise<unknown>,
): Promise<PromiseSettledResult<unknown>[]> {
  const results: PromiseSettledResult<unknown>[] = [];
  for (const item of items) {
    await slice.pause();
    try {
      results.push({ status: "fulfilled", value: await work(item) });
    } catch (reason) {
      results.push({ status: "rejected", reason });
    }
  }
  return results;
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

function describe(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return `${(error as Error).message} (is the mount directory covered by --allow-write?)`;
  }
  return error instanceof Error ? error.message : String(error);
}
