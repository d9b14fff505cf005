/**
 * A temporary directory tree for fuzzed mounts: mount directories eight
 * levels deep, with neighbours at every level, so that a file written through
 * `..` (or through a symbolic link) shows up as a change outside the mount.
 *
 * @module
 */

/** An entry of a directory tree, as compared before and after a mount. */
export interface TreeEntry {
  /** Path relative to the walked directory. */
  path: string;
  /** `file`, `dir` or `symlink`. */
  type: "file" | "dir" | "symlink";
  /** Size in bytes. */
  size: number;
  /** Permission bits. */
  mode: number;
  /** Modification time (ms). */
  mtime: number;
}

/** The tree; remove it with {@linkcode FuzzTree.remove}. */
export interface FuzzTree {
  /** Root of everything the fuzzed mounts may see. */
  root: string;
  /** Creates a new, empty mount directory (optionally holding a symlink `dir` to outside). */
  newMount(options: { symlinkOutside: boolean }): Promise<string>;
  /** Every entry outside the mount directories. */
  outside(): Promise<TreeEntry[]>;
  /** Deletes a mount directory made by {@linkcode FuzzTree.newMount} (keeps the tree small). */
  removeMount(mount: string): Promise<void>;
  /** Deletes the tree. */
  remove(): Promise<void>;
}

const DEPTH = 8;
const MOUNT_PREFIX = "mount-";

/** Lists `dir` recursively without following symbolic links; `skip` names are left out. */
export async function walkTree(
  dir: string,
  skip: (relative: string) => boolean = () => false,
): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  async function walk(relative: string): Promise<void> {
    const absolute = relative === "" ? dir : `${dir}/${relative}`;
    for await (const entry of Deno.readDir(absolute)) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (skip(path)) continue;
      const info = await Deno.lstat(`${dir}/${path}`);
      const type = info.isSymlink ? "symlink" : info.isDirectory ? "dir" : "file";
      entries.push({
        path,
        type,
        size: type === "dir" ? 0 : info.size,
        mode: (info.mode ?? 0) & 0o7777,
        mtime: info.mtime?.getTime() ?? 0,
      });
      if (type === "dir") await walk(path);
    }
  }
  await walk("");
  return entries.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** Creates the tree under a new temporary directory. */
export async function createFuzzTree(): Promise<FuzzTree> {
  const root = await Deno.makeTempDir({ prefix: "fuzz-tree-" });
  let deep = root;
  for (let level = 1; level <= DEPTH; level++) {
    deep = `${deep}/l${level}`;
    await Deno.mkdir(deep);
    await Deno.writeTextFile(`${deep}/neighbour-${level}.txt`, `level ${level}`);
  }
  await Deno.mkdir(`${deep}/etc`);
  await Deno.writeTextFile(`${deep}/etc/passwd`, "root:x:0:0");
  const mountsDir = deep;
  const relativeMounts = mountsDir.slice(root.length + 1);
  const mounts = new Set<string>();
  let counter = 0;
  return {
    root,
    async newMount({ symlinkOutside }) {
      const name = `${MOUNT_PREFIX}${counter++}`;
      const mount = `${mountsDir}/${name}`;
      await Deno.mkdir(mount);
      mounts.add(`${relativeMounts}/${name}`);
      if (symlinkOutside) await Deno.symlink(`${root}/l1`, `${mount}/dir`);
      return mount;
    },
    // The mount directories themselves are left out, nothing else.
    outside: () => walkTree(root, (path) => mounts.has(path)),
    async removeMount(mount) {
      await Deno.remove(mount, { recursive: true });
      mounts.delete(mount.slice(root.length + 1));
    },
    remove: () => Deno.remove(root, { recursive: true }),
  };
}
