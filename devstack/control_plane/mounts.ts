/**
 * Mounts the driver leaves under the node's root (tmpfs on pod target
 * paths) when a test stops it mid-way: found in `/proc/self/mountinfo` and
 * unmounted deepest first, so the temporary directory can be removed.
 *
 * @module
 */

/** Mount points in `mountinfo` text (field 5, octal escapes decoded) at or under `root`. */
export function mountPointsUnder(mountinfo: string, root: string): string[] {
  const prefix = root.replace(/\/+$/, "");
  return mountinfo.split("\n")
    .map((line) => line.split(" ")[4])
    .filter((field): field is string => field !== undefined)
    .map((field) =>
      field.replace(
        /\\([0-7]{3})/g,
        (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)),
      )
    )
    .filter((point) => point === prefix || point.startsWith(`${prefix}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or under `root`, deepest first. @throws {Error} when `umount` fails. */
export async function unmountUnder(root: string): Promise<string[]> {
  const points = mountPointsUnder(await Deno.readTextFile("/proc/self/mountinfo"), root);
  for (const point of points) {
    const output = await new Deno.Command("umount", { args: [point], stderr: "piped" }).output();
    if (!output.success) {
      throw new Error(`umount ${point}: ${new TextDecoder().decode(output.stderr).trim()}`);
    }
  }
  return points;
}
