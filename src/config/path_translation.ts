/**
 * The `pathTranslation` parameter: how `/` in object names becomes file names.
 *
 * @module
 */

/** Translation setting: a one-byte replacement for `/`, or `undefined` when off. */
export type PathTranslation = string | undefined;

/** Error text of the Go provider for an invalid `pathTranslation` value. */
export const PATH_TRANSLATION_ERROR =
  "pathTranslation must be either 'False' or a single character string";

/**
 * Reads `pathTranslation`: empty means `_`, any case of `false` turns it off,
 * otherwise the value must be exactly one byte (Go counts UTF-8 bytes, so a
 * multi-byte character is rejected).
 *
 * @throws {Error} with the Go provider's text for any other value.
 */
export function parsePathTranslation(value: string): PathTranslation {
  if (value === "") return "_";
  if (value.toLowerCase() === "false") return undefined;
  if (new TextEncoder().encode(value).length !== 1) throw new Error(PATH_TRANSLATION_ERROR);
  return value;
}

/**
 * The file name for an object name or alias: with translation every `/` is
 * replaced; without it leading slashes are removed and inner ones kept.
 *
 * @example
 * ```ts
 * translateFileName("/a/b", "_");       // "_a_b"
 * translateFileName("/a/b", undefined); // "a/b"
 * ```
 */
export function translateFileName(name: string, translation: PathTranslation): string {
  if (translation !== undefined) return name.replaceAll("/", translation);
  return name.replace(/^\/+/, "");
}
