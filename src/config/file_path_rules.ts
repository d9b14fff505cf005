/**
 * Rules every file path we write or return must satisfy: it stays inside the
 * mount, and it passes the driver's own checks (`fileutil.Validate` and the
 * atomic writer), so a response is never rejected after secrets were fetched.
 *
 * @module
 */

const MAX_ELEMENT_BYTES = 255;
const MAX_PATH_BYTES = 4096;

/**
 * Returns why `path` is not an acceptable relative file path inside a mount,
 * or `undefined` when it is.
 *
 * Rejected: empty, NUL bytes, absolute, not in clean form (`a//b`, `./a`,
 * `a/`, `a/./b`), any `..` element, a first element starting with `..` (the
 * driver's atomic writer reserves those names), elements over 255 bytes or
 * paths over 4096 bytes.
 *
 * @example
 * ```ts
 * filePathProblem("db/password"); // undefined
 * filePathProblem("../x");         // "it leaves the mount through '..'"
 * ```
 */
export function filePathProblem(path: string): string | undefined {
  if (path === "") return "it is empty";
  if (path.includes("\0")) return "it contains a NUL byte";
  if (path.startsWith("/")) return "it is an absolute path";
  const elements = path.split("/");
  if (elements.includes("..")) return "it leaves the mount through '..'";
  if (elements.some((element) => element === "" || element === ".")) {
    return "it is not a clean relative path (empty or '.' element)";
  }
  if (elements[0].startsWith("..")) {
    return "names starting with '..' are reserved by the CSI driver";
  }
  const encoder = new TextEncoder();
  if (encoder.encode(path).length > MAX_PATH_BYTES) return "it is longer than 4096 bytes";
  if (elements.some((element) => encoder.encode(element).length > MAX_ELEMENT_BYTES)) {
    return "a path element is longer than 255 bytes";
  }
  return undefined;
}
