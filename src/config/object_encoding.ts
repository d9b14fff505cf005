/**
 * The `objectEncoding` field of an object or a jmesPath entry: how its value
 * is encoded in the store, so that the file can hold the decoded bytes (a
 * binary keystore kept as base64 text, for instance). Not a field of the Go
 * provider: without it, files hold the bytes as fetched.
 *
 * @module
 */

/** How a stored value is encoded; the file holds the decoded bytes. */
export type ObjectEncoding = "utf-8" | "base64" | "hex";

/** The encodings `objectEncoding` accepts. */
export const OBJECT_ENCODINGS: readonly ObjectEncoding[] = ["utf-8", "base64", "hex"];

/**
 * Reads an `objectEncoding` value (any case); `undefined` or `""` mean the
 * default, `utf-8` (bytes as fetched). Returns `undefined` for any other
 * text.
 *
 * @example
 * ```ts
 * parseObjectEncoding("Base64"); // "base64"
 * parseObjectEncoding("");       // "utf-8"
 * parseObjectEncoding("utf8");   // undefined
 * ```
 */
export function parseObjectEncoding(value: string | undefined): ObjectEncoding | undefined {
  if (value === undefined || value === "") return "utf-8";
  const lower = value.toLowerCase();
  return OBJECT_ENCODINGS.find((encoding) => encoding === lower);
}

/**
 * The error text for an `objectEncoding` that is none of the encodings, for
 * the object (or jmesPath entry) named by `owner`. The value is the class's
 * own text, cut short.
 */
export function objectEncodingProblem(value: string, owner: string): string {
  const shown = JSON.stringify(value.slice(0, 32)) + (value.length > 32 ? "…" : "");
  return `Invalid objectEncoding ${shown} of ${owner}: must be utf-8, base64 or hex`;
}
