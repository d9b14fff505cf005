/**
 * A file of a mount, as it is written (or returned to the driver).
 *
 * @module
 */

/** A file to write (or return to the driver). */
export interface MountFile {
  /** Relative path inside the mount. */
  path: string;
  /** Permission bits as requested (may include setuid/setgid/sticky digits). */
  mode: number;
  /** Raw content: no encoding, no trailing newline added. */
  contents: Uint8Array;
}
