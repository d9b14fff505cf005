/**
 * Provider-writes mode with a selector: after a mount's files are in place,
 * every other file under the mount is removed, so that an object that no
 * longer matches (rotation, a secret deleted or untagged) disappears from the
 * pod, as the driver's own writer does in driver-writes mode. Only mounts
 * whose class has a selector are pruned: other classes keep the Go
 * provider's behaviour, which never removes a file.
 *
 * The walk never follows a symbolic link (a link is removed as an entry of
 * its own), keeps names starting with `..` at the top (the driver's atomic
 * writer reserves them), and stops after a bounded number of entries.
 *
 * @module
 */

import { WriteError } from "./atomic_writer.ts";

/** Most entries one prune looks at (the mount of at most a few thousand files). */
export const MAX_PRUNE_ENTRIES = 20_000;

/** Options of {@linkcode removeOtherFiles}. */
export interface RemoveOtherFilesOptions {
  /** Most entries looked at (default {@linkcode MAX_PRUNE_ENTRIES}). */
  maxEntries?: number;
}

/**
 * Removes every file (and emptied directory) under `targetPath` that is not
 * one of `keep` (relative paths, as written) or a directory on the way to
 * one. Returns the relative paths removed.
 *
 * @throws {WriteError} naming the entry that could not be removed, or when
 *   the mount holds more entries than the bound.
 */
export async function removeOtherFiles(
  targetPath: string,
  keep: readonly string[],
  options: RemoveOtherFilesOptions = {},
): Promise<string[]> {
  const kept = new Set(keep);
  const directories = new Set<string>();
  for (const path of keep) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) directories.add(parts.slice(0, i).join("/"));
  }
  const max = options.maxEntries ?? MAX_PRUNE_ENTRIES;
  const budget = { left: max, max };
  const removed: string[] = [];
  await pruneDirectory(targetPath, "", { kept, directories, budget, removed });
  return removed;
}

interface PruneState {
  kept: Set<string>;
  directories: Set<string>;
  budget: { left: number; max: number };
  removed: string[];
}

/** Prunes `relative` (a directory under the mount); returns whether it is now empty. */
async function pruneDirectory(root: string, relative: string, state: PruneState): Promise<boolean> {
  const directory = relative === "" ? root : `${root}/${relative}`;
  let empty = true;
  for await (const entry of Deno.readDir(directory)) {
    if (--state.budget.left < 0) {
      throw new WriteError(
        `the mount ${root} holds more than ${state.budget.max} entries; files that no longer match were not removed`,
      );
    }
    const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (relative === "" && entry.name.startsWith("..")) {
      empty = false;
      continue;
    }
    if (state.kept.has(path)) {
      empty = false;
      continue;
    }
    if (entry.isDirectory && !entry.isSymlink) {
      const emptied = await pruneDirectory(root, path, state);
      if (!emptied || state.directories.has(path)) {
        empty = false;
        continue;
      }
    }
    try {
      await Deno.remove(`${root}/${path}`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw new WriteError(
        `failed to remove ${path} (no longer selected) in ${root}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    state.removed.push(path);
  }
  return empty;
}
