/**
 * `jmesPath` extraction: values taken out of a JSON secret into files of their
 * own, with the Go provider's error texts.
 *
 * @module
 */

import jmespath from "jmespath";
import type { JmesFile } from "../config/mount_objects.ts";

/** A value could not be extracted; the message names the path, never the value. */
export class JmesError extends Error {
  /** Creates the error with the user-facing text. */
  constructor(message: string) {
    super(message);
    this.name = "JmesError";
  }
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Evaluates each entry against the JSON document in `secret`; every result
 * must be a string, whose UTF-8 bytes become the file content.
 *
 * @param objectName the object's name, for the invalid-JSON message.
 * @throws {JmesError} for invalid JSON, an invalid expression, a missing value
 *   or a non-string result.
 */
export function extractJmesValues(
  secret: Uint8Array,
  files: JmesFile[],
  objectName: string,
): Uint8Array[] {
  if (files.length === 0) return [];
  let document: unknown;
  try {
    document = JSON.parse(decoder.decode(secret));
  } catch {
    throw new JmesError(`Invalid JSON used with jmesPath in secret: ${objectName}.`);
  }
  return files.map((file) => {
    let result: unknown;
    try {
      result = jmespath.search(document as jmespath.JSONValue, file.path);
    } catch {
      throw new JmesError(`Invalid JMES Path: ${file.path}.`);
    }
    if (result === null || result === undefined) {
      throw new JmesError(
        `JMES Path - ${file.path} for object alias - ${file.alias} does not point to a valid object.`,
      );
    }
    if (typeof result !== "string") {
      throw new JmesError(
        `Invalid JMES search result type for path:${file.path}. Only string is allowed.`,
      );
    }
    return encoder.encode(result);
  });
}
