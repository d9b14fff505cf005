/**
 * Whether a file of a mount can be written at all: its full path, with what
 * the writer adds, must fit the kernel's PATH_MAX. Checked before any AWS
 * call, so that a name that cannot be written fails without fetching.
 *
 * @module
 */

import { utf8Length } from "../limits/mod.ts";

/** Longest path the kernel accepts (PATH_MAX, 4096 with its NUL). */
const PATH_MAX_BYTES = 4095;
/** Our temporary file name next to each destination (see `atomic_writer.ts`). */
export const TEMP_NAME_BYTES = ".provider.tmp-".length + 16;
/** The driver's `..<timestamp>` directory (`..2006_01_02_15_04_05.000000000`). */
const DRIVER_TIMESTAMP_DIR_BYTES = 31;

/**
 * Why `fileName` (a relative path already checked by `filePathProblem`)
 * cannot be written under `targetPath`, or `undefined` when it can.
 *
 * @example
 * ```ts
 * fullPathProblem("/mnt", "a/b", { driverWritesSecrets: false }); // undefined
 * ```
 */
export function fullPathProblem(
  targetPath: string,
  fileName: string,
  options: { driverWritesSecrets: boolean },
): string | undefined {
  const target = utf8Length(targetPath);
  const file = utf8Length(fileName);
  let longest: number;
  if (options.driverWritesSecrets) {
    longest = target + 1 + DRIVER_TIMESTAMP_DIR_BYTES + 1 + file;
  } else {
    const slash = fileName.lastIndexOf("/");
    const directory = slash < 0 ? 0 : utf8Length(fileName.slice(0, slash)) + 1;
    longest = Math.max(target + 1 + file, target + 1 + directory + TEMP_NAME_BYTES);
  }
  if (longest <= PATH_MAX_BYTES) return undefined;
  return `its path in the mount would be ${longest} bytes long; the system allows ${PATH_MAX_BYTES}`;
}
