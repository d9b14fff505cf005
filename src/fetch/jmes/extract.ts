/**
 * `jmesPath` extraction: values taken out of a JSON secret into files of their
 * own, with the Go provider's results and error texts, within budgets. The
 * expressions come from a SecretProviderClass, so they are hostile input:
 * each one's length is checked before anything is parsed, and each
 * evaluation is held to a work budget and its strings (the result too) to
 * the value limit (see `cost.ts`).
 *
 * The secret is read as Go's `json.Unmarshal` reads it (`json.ts`), the
 * expression parsed as go-jmespath parses it (`parse.ts`) and evaluated
 * as it evaluates it (`eval.ts`, `functions.ts`).
 *
 * @module
 */

import type { JmesFile } from "../../config/mod.ts";
import { checkLimit, type Limit, LimitError, mountLimits, utf8Length } from "../../limits/mod.ts";
import { JmesBudget } from "./cost.ts";
import { evaluateJmes } from "./eval.ts";
import { decodeGoJson, GoJsonError } from "./json.ts";
import {
  JmesNestingError,
  type JmesNode,
  JmesSyntaxError,
  MAX_NESTING,
  parseJmes,
} from "./parse.ts";
import { JmesEvalError, type JmesValue } from "./value.ts";

/** A value could not be extracted; the message names the path, never the value. */
export class JmesError extends Error {
  /** Creates the error with the user-facing text. */
  constructor(message: string) {
    super(message);
    this.name = "JmesError";
  }
}

/** The limits extraction is held to (a subset of `MountLimits`). */
export interface JmesLimits {
  /** Longest expression, in UTF-16 units. */
  readonly jmesPathLength: Limit;
  /** Most evaluation steps of one expression. */
  readonly jmesPathWork: Limit;
  /** Largest string an expression may make, its result included (UTF-8 bytes). */
  readonly valueBytes: Limit;
}

/** Options of {@linkcode extractJmesValues}. */
export interface ExtractJmesOptions {
  /** @default {mountLimits()} */
  limits?: JmesLimits;
  /**
   * The work of every extraction of one mount together: each expression's
   * steps and the decoding of each secret (one step per two bytes) are taken
   * from it too, so that many cheap expressions cannot add up without bound.
   */
  mountBudget?: JmesBudget;
}

/** The budget of all jmesPath work of one mount (`--max-mount-jmes-path-work`). */
export function mountJmesBudget(
  limits: { mountJmesPathWork: Limit; valueBytes: Limit },
): JmesBudget {
  return new JmesBudget({
    work: limits.mountJmesPathWork,
    valueBytes: limits.valueBytes,
    subject: "the jmesPath expressions of this mount together",
  });
}

const encoder = new TextEncoder();

/** Longest part of an over-long expression quoted in its error. */
const QUOTED_PATH_LENGTH = 64;

/**
 * Evaluates each entry against the JSON document in `secret`; every result
 * must be a string, whose UTF-8 bytes become the file content.
 *
 * @param objectName the object's name, for messages.
 * @throws {LimitError} when an expression is too long, needs more steps than
 *   allowed, or would make a string over the value limit (checked before the
 *   string is made).
 * @throws {JmesError} for invalid JSON, an invalid expression, a missing value
 *   or a non-string result.
 * @example
 * ```ts
 * const secret = new TextEncoder().encode('{"user": "admin"}');
 * extractJmesValues(secret, [{ path: "user", alias: "u", fileName: "u", mode: undefined }], "db");
 * // [Uint8Array of "admin"]
 * ```
 */
export function extractJmesValues(
  secret: Uint8Array,
  files: JmesFile[],
  objectName: string,
  options: ExtractJmesOptions = {},
): Uint8Array[] {
  if (files.length === 0) return [];
  const limits = options.limits ?? mountLimits();
  for (const file of files) {
    checkLimit(limits.jmesPathLength, file.path.length, subject(file, objectName, true));
  }
  options.mountBudget?.charge(1 + Math.floor(secret.length / 2));
  let document: JmesValue;
  try {
    document = decodeGoJson(secret);
  } catch (error) {
    if (!(error instanceof GoJsonError)) throw error;
    throw new JmesError(`Invalid JSON used with jmesPath in secret: ${objectName}.`);
  }
  // One document for all entries, as in Go: a sort_by of one entry is seen by the next.
  return files.map((file) => {
    const budget = JmesBudget.fromLimits(limits, subject(file, objectName));
    try {
      const result = evaluate(file.path, document, budget, limits.jmesPathLength);
      if (result === null) {
        throw new JmesError(
          `JMES Path - ${file.path} for object alias - ${file.alias} does not point to a valid object.`,
        );
      }
      if (typeof result !== "string") {
        throw new JmesError(
          `Invalid JMES search result type for path:${file.path}. Only string is allowed.`,
        );
      }
      budget.chargeScan(result.length);
      budget.checkStringBytes(utf8Length(result));
      budget.chargeChars(result.length);
      return encoder.encode(result);
    } finally {
      options.mountBudget?.charge(budget.used);
    }
  });
}

/**
 * Parses and evaluates one expression; any parse or evaluation error is Go's
 * "Invalid JMES Path". A tree too deep to evaluate safely (possible only
 * with a length limit raised far above its default) counts against the
 * length limit.
 */
function evaluate(
  path: string,
  document: JmesValue,
  budget: JmesBudget,
  lengthLimit: Limit,
): JmesValue {
  let tree: JmesNode;
  try {
    // A lone surrogate is U+FFFD in Go's string.
    tree = parseJmes(path.toWellFormed());
    return evaluateJmes(tree, document, budget);
  } catch (error) {
    if (error instanceof JmesSyntaxError || error instanceof JmesEvalError) {
      throw new JmesError(`Invalid JMES Path: ${path}.`);
    }
    if (error instanceof JmesNestingError) {
      throw new LimitError(
        lengthLimit,
        `${budget.options.subject} nests more than ${MAX_NESTING} levels deep`,
      );
    }
    throw error;
  }
}

/** How limit errors name an entry: `jmesPath "a.b" of object db (alias user)`. */
function subject(file: JmesFile, objectName: string, shorten = false): string {
  const path = shorten && file.path.length > QUOTED_PATH_LENGTH
    ? `${file.path.slice(0, QUOTED_PATH_LENGTH)}…`
    : file.path;
  return `jmesPath "${path}" of object ${objectName} (alias ${file.alias})`;
}
