/**
 * Go `encoding/json` compatibility.
 *
 * The Go provider decodes the driver's `attributes`, `permission` and the
 * service account tokens with Go's `encoding/json`, and its error texts reach
 * the pod's events. Users grep for them, so we reproduce the library's wording:
 * syntax errors come from a scanner that mirrors Go's state machine, and type
 * errors use Go's `json: cannot unmarshal ...` sentences.
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

/** Go's maximum nesting depth for JSON documents. */
const MAX_NESTING_DEPTH = 10000;

const encoder = new TextEncoder();

/**
 * Returns the Go `encoding/json` syntax error for `text`, or `undefined` when
 * the text is one valid JSON value (surrounded by optional white space).
 *
 * @example
 * ```ts
 * goJsonSyntaxError("");    // "unexpected end of JSON input"
 * goJsonSyntaxError("{x}"); // "invalid character 'x' looking for beginning of object key string"
 * goJsonSyntaxError("{}");  // undefined
 * ```
 */
export function goJsonSyntaxError(text: string): string | undefined {
  const bytes = encoder.encode(text);
  const scanner = new Scanner();
  for (const c of bytes) {
    const error = scanner.step(c);
    if (error !== undefined) return error;
  }
  return scanner.end();
}

type Step = (c: number) => string | undefined;

/** A byte-at-a-time JSON syntax checker with Go's error texts. */
class Scanner {
  #stack: ("key" | "value" | "array")[] = [];
  #step: Step = (c) => this.#beginValue(c);
  #done = false;

  step(c: number): string | undefined {
    return this.#step(c);
  }

  /** Like Go's `scanner.eof`: a final space completes a pending number. */
  end(): string | undefined {
    const error = this.#step(0x20);
    if (error !== undefined) return error;
    return this.#done ? undefined : "unexpected end of JSON input";
  }

  #error(c: number, context: string): string {
    return `invalid character ${quoteChar(c)} ${context}`;
  }

  #beginValue(c: number): string | undefined {
    if (isSpace(c)) return undefined;
    switch (c) {
      case 0x7b: // {
        return this.#push("key", (ch) => this.#beginStringOrEmpty(ch));
      case 0x5b: // [
        return this.#push("array", (ch) => this.#beginValueOrEmpty(ch));
      case 0x22: // "
        this.#step = (ch) => this.#inString(ch);
        return undefined;
      case 0x2d: // -
        this.#step = (ch) => this.#neg(ch);
        return undefined;
      case 0x30: // 0
        this.#step = (ch) => this.#zero(ch);
        return undefined;
      case 0x74: // t
        this.#step = this.#literal("true", 1);
        return undefined;
      case 0x66: // f
        this.#step = this.#literal("false", 1);
        return undefined;
      case 0x6e: // n
        this.#step = this.#literal("null", 1);
        return undefined;
    }
    if (c >= 0x31 && c <= 0x39) {
      this.#step = (ch) => this.#digits(ch);
      return undefined;
    }
    return this.#error(c, "looking for beginning of value");
  }

  #push(kind: "key" | "array", next: Step): string | undefined {
    if (this.#stack.length >= MAX_NESTING_DEPTH) {
      return this.#error(kind === "key" ? 0x7b : 0x5b, "exceeded max depth");
    }
    this.#stack.push(kind);
    this.#step = next;
    return undefined;
  }

  #beginValueOrEmpty(c: number): string | undefined {
    if (isSpace(c)) return undefined;
    if (c === 0x5d) return this.#endValue(c); // ]
    return this.#beginValue(c);
  }

  #beginStringOrEmpty(c: number): string | undefined {
    if (isSpace(c)) return undefined;
    if (c === 0x7d) { // }
      this.#stack[this.#stack.length - 1] = "value";
      return this.#endValue(c);
    }
    return this.#beginString(c);
  }

  #beginString(c: number): string | undefined {
    if (isSpace(c)) return undefined;
    if (c === 0x22) {
      this.#step = (ch) => this.#inString(ch);
      return undefined;
    }
    return this.#error(c, "looking for beginning of object key string");
  }

  #endValue(c: number): string | undefined {
    const depth = this.#stack.length;
    if (depth === 0) {
      this.#done = true;
      this.#step = (ch) => this.#endTop(ch);
      return this.#endTop(c);
    }
    if (isSpace(c)) {
      this.#step = (ch) => this.#endValue(ch);
      return undefined;
    }
    const top = this.#stack[depth - 1];
    if (top === "key") {
      if (c === 0x3a) { // :
        this.#stack[depth - 1] = "value";
        this.#step = (ch) => this.#beginValue(ch);
        return undefined;
      }
      return this.#error(c, "after object key");
    }
    if (top === "value") {
      if (c === 0x2c) { // ,
        this.#stack[depth - 1] = "key";
        this.#step = (ch) => this.#beginString(ch);
        return undefined;
      }
      if (c === 0x7d) return this.#pop();
      return this.#error(c, "after object key:value pair");
    }
    if (c === 0x2c) {
      this.#step = (ch) => this.#beginValue(ch);
      return undefined;
    }
    if (c === 0x5d) return this.#pop();
    return this.#error(c, "after array element");
  }

  #pop(): string | undefined {
    this.#stack.pop();
    if (this.#stack.length === 0) {
      this.#done = true;
      this.#step = (ch) => this.#endTop(ch);
      return undefined;
    }
    this.#step = (ch) => this.#endValue(ch);
    return undefined;
  }

  #endTop(c: number): string | undefined {
    if (!isSpace(c)) return this.#error(c, "after top-level value");
    return undefined;
  }

  #inString(c: number): string | undefined {
    if (c === 0x22) {
      this.#step = (ch) => this.#endValue(ch);
      return undefined;
    }
    if (c === 0x5c) {
      this.#step = (ch) => this.#inStringEscape(ch);
      return undefined;
    }
    if (c < 0x20) return this.#error(c, "in string literal");
    return undefined;
  }

  #inStringEscape(c: number): string | undefined {
    switch (c) {
      case 0x62: // b
      case 0x66: // f
      case 0x6e: // n
      case 0x72: // r
      case 0x74: // t
      case 0x5c: // \
      case 0x2f: // /
      case 0x22: // "
        this.#step = (ch) => this.#inString(ch);
        return undefined;
      case 0x75: // u
        this.#step = this.#hexEscape(4);
        return undefined;
    }
    return this.#error(c, "in string escape code");
  }

  #hexEscape(remaining: number): Step {
    return (c) => {
      if (!isHex(c)) return this.#error(c, "in \\u hexadecimal character escape");
      this.#step = remaining === 1 ? (ch) => this.#inString(ch) : this.#hexEscape(remaining - 1);
      return undefined;
    };
  }

  #neg(c: number): string | undefined {
    if (c === 0x30) {
      this.#step = (ch) => this.#zero(ch);
      return undefined;
    }
    if (c >= 0x31 && c <= 0x39) {
      this.#step = (ch) => this.#digits(ch);
      return undefined;
    }
    return this.#error(c, "in numeric literal");
  }

  #digits(c: number): string | undefined {
    if (isDigit(c)) return undefined;
    return this.#zero(c);
  }

  #zero(c: number): string | undefined {
    if (c === 0x2e) { // .
      this.#step = (ch) => this.#dot(ch);
      return undefined;
    }
    if (c === 0x65 || c === 0x45) return this.#startExponent();
    return this.#endValue(c);
  }

  #startExponent(): undefined {
    this.#step = (ch) => this.#exponent(ch);
    return undefined;
  }

  #dot(c: number): string | undefined {
    if (isDigit(c)) {
      this.#step = (ch) => this.#fraction(ch);
      return undefined;
    }
    return this.#error(c, "after decimal point in numeric literal");
  }

  #fraction(c: number): string | undefined {
    if (isDigit(c)) return undefined;
    if (c === 0x65 || c === 0x45) return this.#startExponent();
    return this.#endValue(c);
  }

  #exponent(c: number): string | undefined {
    if (c === 0x2b || c === 0x2d) {
      this.#step = (ch) => this.#exponentSign(ch);
      return undefined;
    }
    return this.#exponentSign(c);
  }

  #exponentSign(c: number): string | undefined {
    if (isDigit(c)) {
      this.#step = (ch) => this.#exponentDigits(ch);
      return undefined;
    }
    return this.#error(c, "in exponent of numeric literal");
  }

  #exponentDigits(c: number): string | undefined {
    if (isDigit(c)) return undefined;
    return this.#endValue(c);
  }

  #literal(word: string, index: number): Step {
    return (c) => {
      const expected = word.charCodeAt(index);
      if (c !== expected) {
        return this.#error(
          c,
          `in literal ${word} (expecting ${quoteChar(expected)})`,
        );
      }
      this.#step = index === word.length - 1
        ? (ch) => this.#endValue(ch)
        : this.#literal(word, index + 1);
      return undefined;
    };
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Quotes one byte the way Go's json scanner does in its messages. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  const escapes: Record<number, string> = {
    0x07: "\\a",
    0x08: "\\b",
    0x0c: "\\f",
    0x0a: "\\n",
    0x0d: "\\r",
    0x09: "\\t",
    0x0b: "\\v",
    0x5c: "\\\\",
  };
  if (escapes[c]) return `'${escapes[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, "0")}'`;
  if ((c >= 0x80 && c < 0xa0) || c === 0xad) {
    return `'\\u${c.toString(16).padStart(4, "0")}'`;
  }
  return `'${String.fromCharCode(c)}'`;
}

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
 * Parses `text` as JSON with Go's syntax error texts.
 *
 * @throws {GoJsonError} with Go's message when the text is not valid JSON.
 */
export function parseGoJson(text: string): JsonValue {
  // JSON.parse is fast and refuses what Go refuses (it also accepts nesting
  // deeper than Go's 10,000 levels, which the driver's flat maps never have);
  // Go's slow scanner runs only for the text of an error.
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new GoJsonError(goJsonSyntaxError(text) ?? "invalid JSON");
  }
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
