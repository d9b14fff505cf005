/**
 * JSON as Go's `json.Unmarshal` into `interface{}` reads it, for jmesPath
 * secrets and JSON literals: strict RFC 8259 syntax, nesting up to 10,000
 * levels, numbers as float64 (out of range is an error), invalid UTF-8 and
 * lone surrogate escapes replaced by U+FFFD (one per bad byte, as Go does),
 * a later duplicate key wins. No byte order mark is skipped. Iterative, so
 * deep documents cannot overflow the stack.
 *
 * @module
 */

import type { JmesArray, JmesObject, JmesValue } from "./value.ts";

/** Deepest nesting Go's decoder accepts (`encoding/json` maxNestingDepth). */
export const GO_JSON_MAX_DEPTH = 10_000;

/** The bytes are not JSON that Go would accept; says where, never what. */
export class GoJsonError extends Error {
  /** Creates the error for the byte offset `offset`. */
  constructor(readonly offset: number, reason: string) {
    super(`invalid JSON at byte ${offset}: ${reason}`);
    this.name = "GoJsonError";
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes `bytes` as Go's `json.Unmarshal(bytes, &v)` with `v interface{}`.
 *
 * @throws {GoJsonError} where Go returns an error.
 * @example
 * ```ts
 * decodeGoJson(new TextEncoder().encode('{"a": [1, "\\ud800"]}'));
 * // Map { "a" => [1, "\ufffd"] }
 * ```
 */
export function decodeGoJson(bytes: Uint8Array): JmesValue {
  return new Decoder(bytes).document();
}

/** Decodes the UTF-8 encoding of `text` as {@linkcode decodeGoJson} does. */
export function decodeGoJsonText(text: string): JmesValue {
  return decodeGoJson(new TextEncoder().encode(text));
}

class Decoder {
  #pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  document(): JmesValue {
    const containers: (JmesArray | JmesObject)[] = [];
    const keys: string[] = [];
    for (;;) {
      this.#skipSpace();
      let value: JmesValue;
      const c = this.bytes[this.#pos];
      if (c === 0x7b || c === 0x5b) { // { [
        if (containers.length + 1 > GO_JSON_MAX_DEPTH) this.#fail("exceeded max depth");
        this.#pos++;
        this.#skipSpace();
        const close = c === 0x7b ? 0x7d : 0x5d;
        if (this.bytes[this.#pos] === close) {
          this.#pos++;
          value = c === 0x7b ? new Map() : [];
        } else {
          containers.push(c === 0x7b ? new Map() : []);
          keys.push(c === 0x7b ? this.#key() : "");
          continue;
        }
      } else {
        value = this.#scalar();
      }
      // Put the value into its container; close every container that ends here.
      for (;;) {
        const top = containers[containers.length - 1];
        if (top === undefined) {
          this.#skipSpace();
          if (this.#pos !== this.bytes.length) this.#fail("data after the top-level value");
          return value;
        }
        if (Array.isArray(top)) top.push(value);
        else top.set(keys[keys.length - 1], value);
        this.#skipSpace();
        const next = this.bytes[this.#pos];
        if (next === 0x2c) { // ,
          this.#pos++;
          if (!Array.isArray(top)) {
            this.#skipSpace();
            keys[keys.length - 1] = this.#key();
          }
          break;
        }
        if (next !== (Array.isArray(top) ? 0x5d : 0x7d)) {
          this.#fail("expected , or a closing bracket");
        }
        this.#pos++;
        containers.pop();
        keys.pop();
        value = top;
      }
    }
  }

  /** An object key and its colon. */
  #key(): string {
    if (this.bytes[this.#pos] !== 0x22) this.#fail("expected a string key");
    const key = this.#string();
    this.#skipSpace();
    if (this.bytes[this.#pos] !== 0x3a) this.#fail("expected :");
    this.#pos++;
    return key;
  }

  #scalar(): JmesValue {
    const c = this.bytes[this.#pos];
    if (c === 0x22) return this.#string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.#number();
    if (this.#literal("true")) return true;
    if (this.#literal("false")) return false;
    if (this.#literal("null")) return null;
    return this.#fail("expected a value");
  }

  #literal(word: string): boolean {
    for (let i = 0; i < word.length; i++) {
      if (this.bytes[this.#pos + i] !== word.charCodeAt(i)) return false;
    }
    this.#pos += word.length;
    return true;
  }

  #number(): number {
    const start = this.#pos;
    const bytes = this.bytes;
    if (bytes[this.#pos] === 0x2d) this.#pos++;
    if (bytes[this.#pos] === 0x30) {
      this.#pos++;
    } else if (bytes[this.#pos] >= 0x31 && bytes[this.#pos] <= 0x39) {
      while (isDigit(bytes[this.#pos])) this.#pos++;
    } else {
      this.#fail("expected a digit");
    }
    if (bytes[this.#pos] === 0x2e) {
      this.#pos++;
      if (!isDigit(bytes[this.#pos])) this.#fail("expected a digit after .");
      while (isDigit(bytes[this.#pos])) this.#pos++;
    }
    if (bytes[this.#pos] === 0x65 || bytes[this.#pos] === 0x45) {
      this.#pos++;
      if (bytes[this.#pos] === 0x2b || bytes[this.#pos] === 0x2d) this.#pos++;
      if (!isDigit(bytes[this.#pos])) this.#fail("expected an exponent digit");
      while (isDigit(bytes[this.#pos])) this.#pos++;
    }
    // Correctly rounded, as Go's ParseFloat; Go refuses what overflows float64.
    const value = Number(asciiText(bytes, start, this.#pos));
    if (!Number.isFinite(value)) this.#fail("number out of range");
    return value;
  }

  #string(): string {
    const bytes = this.bytes;
    const start = ++this.#pos;
    let plain = true;
    let ascii = true;
    for (;;) {
      const b = bytes[this.#pos];
      if (b === undefined) this.#fail("unterminated string");
      if (b === 0x22) break;
      if (b < 0x20) this.#fail("control character in string");
      if (b >= 0x80) ascii = false;
      if (b === 0x5c) {
        plain = false;
        this.#pos++;
        const e = bytes[this.#pos];
        if (e === 0x75) { // \uXXXX
          for (let i = 1; i <= 4; i++) {
            if (hexDigit(bytes[this.#pos + i]) < 0) this.#fail("bad \\u escape");
          }
          this.#pos += 4;
        } else if (!ESCAPES.has(e)) {
          this.#fail("bad escape");
        }
      }
      this.#pos++;
    }
    const end = this.#pos++;
    if (plain && ascii && end - start <= SHORT_TEXT) return asciiText(bytes, start, end);
    if (plain) {
      try {
        return strictUtf8.decode(bytes.subarray(start, end));
      } catch {
        // Invalid UTF-8: replaced byte by byte below, as Go does.
      }
    }
    return unquote(bytes, start, end);
  }

  #skipSpace(): void {
    for (;;) {
      const b = this.bytes[this.#pos];
      if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return;
      this.#pos++;
    }
  }

  #fail(reason: string): never {
    throw new GoJsonError(this.#pos, reason);
  }
}

/** Up to this many bytes, ASCII text is made with `String.fromCharCode` (a decoder call costs more). */
const SHORT_TEXT = 64;

/** The ASCII bytes from `start` to `end` as a string. */
function asciiText(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > SHORT_TEXT) return strictUtf8.decode(bytes.subarray(start, end));
  let text = "";
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/** Escape letters after `\` other than `u`, and what they stand for. */
const ESCAPES = new Map<number | undefined, string>([
  [0x22, '"'],
  [0x5c, "\\"],
  [0x2f, "/"],
  [0x62, "\b"],
  [0x66, "\f"],
  [0x6e, "\n"],
  [0x72, "\r"],
  [0x74, "\t"],
]);

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

function hexDigit(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

function hex4(bytes: Uint8Array, at: number): number {
  if (bytes[at] !== 0x5c || bytes[at + 1] !== 0x75) return -1;
  let value = 0;
  for (let i = 2; i < 6; i++) {
    const digit = hexDigit(bytes[at + i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * The string between `start` and `end` (already checked), decoded as Go's
 * `unquote`: escapes, surrogate pairs, U+FFFD for a lone surrogate and for
 * each byte of invalid UTF-8.
 */
function unquote(bytes: Uint8Array, start: number, end: number): string {
  const parts: string[] = [];
  let units: number[] = [];
  const flush = () => {
    if (units.length > 0) parts.push(String.fromCharCode(...units));
    units = [];
  };
  let i = start;
  while (i < end) {
    if (units.length > 4096) flush();
    const b = bytes[i];
    if (b === 0x5c) {
      const e = bytes[i + 1];
      if (e !== 0x75) {
        units.push(ESCAPES.get(e)!.charCodeAt(0));
        i += 2;
        continue;
      }
      const unit = hex4(bytes, i);
      i += 6;
      if (unit >= 0xd800 && unit <= 0xdfff) {
        const low = hex4(bytes, i);
        if (unit <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
          units.push(unit, low);
          i += 6;
        } else {
          units.push(0xfffd);
        }
      } else {
        units.push(unit);
      }
      continue;
    }
    if (b < 0x80) {
      units.push(b);
      i++;
      continue;
    }
    const [codePoint, size] = decodeRune(bytes, i, end);
    i += size;
    if (codePoint > 0xffff) {
      const offset = codePoint - 0x10000;
      units.push(0xd800 + (offset >> 10), 0xdc00 + (offset & 0x3ff));
    } else {
      units.push(codePoint);
    }
  }
  flush();
  return parts.join("");
}

/** Go's `utf8.DecodeRune`: the code point at `i`, or U+FFFD and size 1 for invalid UTF-8. */
export function decodeRune(bytes: Uint8Array, i: number, end: number): [number, number] {
  const b0 = bytes[i];
  const invalid: [number, number] = [0xfffd, 1];
  const cont = (at: number, low = 0x80, high = 0xbf) =>
    at < end && bytes[at] >= low && bytes[at] <= high;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    return cont(i + 1) ? [((b0 & 0x1f) << 6) | (bytes[i + 1] & 0x3f), 2] : invalid;
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const low = b0 === 0xe0 ? 0xa0 : 0x80;
    const high = b0 === 0xed ? 0x9f : 0xbf;
    if (!cont(i + 1, low, high) || !cont(i + 2)) return invalid;
    return [((b0 & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f), 3];
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const low = b0 === 0xf0 ? 0x90 : 0x80;
    const high = b0 === 0xf4 ? 0x8f : 0xbf;
    if (!cont(i + 1, low, high) || !cont(i + 2) || !cont(i + 3)) return invalid;
    return [
      ((b0 & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) |
      (bytes[i + 3] & 0x3f),
      4,
    ];
  }
  return invalid;
}
