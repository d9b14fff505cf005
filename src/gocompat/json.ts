/**
 * Go `encoding/json` as the Go provider applies it to the driver's
 * `attributes`, `secrets` and `permission` and to the kubelet's tokens: the
 * type errors users see in pod events keep Go's sentences (`json: cannot
 * unmarshal number into Go value of type string`). Syntax errors, which only
 * a broken driver or kubelet could cause, say where, not Go's exact words.
 *
 * @module
 */

/** A JSON value as `JSON.parse` returns it. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** The Go kind word used in `json: cannot unmarshal <kind> ...`. */
export function goJsonKind(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "number":
      return "number";
    case "string":
      return "string";
  }
  return "object";
}

/**
 * Parses `text` as JSON. The driver and the kubelet write this JSON (Go's
 * `json.Marshal`), so a syntax error means a broken peer: its text says where
 * (`unexpected end of JSON input`, as Go says it, or the offset), never what
 * the input holds, which may be tokens.
 *
 * @throws {GoJsonError} when the text is not valid JSON.
 */
export function parseGoJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new GoJsonError(syntaxErrorText(text, (error as Error).message));
  }
}

/** A syntax error's text from V8's message, without the part of the input V8 quotes. */
function syntaxErrorText(text: string, message: string): string {
  const position = /at position (\d+)/.exec(message)?.[1];
  if (
    message.includes("Unexpected end of JSON input") ||
    (position !== undefined && Number(position) >= text.trimEnd().length)
  ) {
    return "unexpected end of JSON input";
  }
  return position === undefined ? "invalid JSON" : `invalid JSON at offset ${position}`;
}

/** An error whose message is the text Go's `encoding/json` would produce. */
export class GoJsonError extends Error {
  /** Creates the error with Go's message text. */
  constructor(message: string) {
    super(message);
    this.name = "GoJsonError";
  }
}

/**
 * Decodes `text` like Go's `json.Unmarshal` into a `map[string]string`:
 * `null` gives an empty map, `null` values give empty strings, any other
 * non-string value is a type error.
 *
 * @throws {GoJsonError} with Go's message on a syntax or type error.
 */
export function decodeStringMap(text: string): Map<string, string> {
  const value = parseGoJson(text);
  const result = new Map<string, string>();
  if (value === null) return result;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new GoJsonError(
      `json: cannot unmarshal ${goJsonKind(value)} into Go value of type map[string]string`,
    );
  }
  let firstError: string | undefined;
  for (const [key, item] of Object.entries(value)) {
    if (item === null) {
      result.set(key.toWellFormed(), "");
    } else if (typeof item === "string") {
      // Go decodes a lone surrogate escape (`"\ud800"`) as U+FFFD; so do we.
      result.set(key.toWellFormed(), item.toWellFormed());
    } else {
      firstError ??= `json: cannot unmarshal ${goJsonKind(item)} into Go value of type string`;
    }
  }
  if (firstError !== undefined) throw new GoJsonError(firstError);
  return result;
}

/**
 * Decodes `text` like Go's `json.Unmarshal` into an `os.FileMode` (uint32):
 * `null` is 0; only a plain non-negative integer literal that fits 32 bits is
 * accepted.
 *
 * @throws {GoJsonError} with Go's message otherwise.
 */
export function decodeFileMode(text: string): number {
  const value = parseGoJson(text);
  if (value === null) return 0;
  if (typeof value !== "number") {
    throw new GoJsonError(
      `json: cannot unmarshal ${goJsonKind(value)} into Go value of type fs.FileMode`,
    );
  }
  const literal = text.trim();
  if (!/^[0-9]+$/.test(literal) || BigInt(literal) > 0xffffffffn) {
    throw new GoJsonError(
      `json: cannot unmarshal number ${literal} into Go value of type fs.FileMode`,
    );
  }
  return Number(literal);
}
