/**
 * Reads what a mount left in a directory: relative path → mode and contents.
 *
 * @module
 */

/** One file of a mount. */
export interface MountedFile {
  /** Permission bits, including setuid/setgid/sticky. */
  mode: number;
  /** Raw contents. */
  bytes: Uint8Array;
  /** Contents as UTF-8 text. */
  text: string;
}

/** Every regular file under `dir` (recursively, symlinks followed), by relative path. */
export async function readMount(dir: string): Promise<Record<string, MountedFile>> {
  const files: Record<string, MountedFile> = {};
  async function walk(relative: string): Promise<void> {
    for await (const entry of Deno.readDir(relative === "" ? dir : `${dir}/${relative}`)) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      const info = await Deno.stat(`${dir}/${path}`);
      if (info.isDirectory) {
        await walk(path);
      } else {
        const bytes = await Deno.readFile(`${dir}/${path}`);
        files[path] = { mode: info.mode! & 0o7777, bytes, text: new TextDecoder().decode(bytes) };
      }
    }
  }
  await walk("");
  return files;
}
