/**
 * Decoding of values whose object (or jmesPath entry) sets `objectEncoding`:
 * `base64` (the standard alphabet, padding optional, line breaks ignored) or
 * `hex` (either case, line breaks ignored, as `xxd -p` writes it); `utf-8`
 * is the bytes as fetched. Linear in the value, one table lookup a byte.
 *
 * A value that does not decode fails the mount with a {@linkcode
 * ValueEncodingError} that says what kind of input was wrong, never where or
 * which characters: those are part of the secret.
 *
 * @module
 */

import type { ObjectEncoding } from "../config/mod.ts";

/** A value that is not in the encoding its class names; the message holds no part of it. */
export class ValueEncodingError extends Error {
  /** Creates the error with the user-facing text. */
  constructor(message: string) {
    super(message);
    this.name = "ValueEncodingError";
  }
}

const CR = 0x0d;
const LF = 0x0a;
const PAD = 0x3d; // "="
const BASE64 = lookup("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
const HEX = lookup("0123456789abcdef", "0123456789ABCDEF");

/** Byte → digit value (-1: not a digit); later alphabets give the same values to other bytes. */
function lookup(...alphabets: string[]): Int8Array {
  const table = new Int8Array(256).fill(-1);
  for (const alphabet of alphabets) {
    for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  }
  return table;
}

/**
 * `bytes` decoded from `encoding`; `utf-8` returns them unchanged.
 *
 * @param owner names the value in errors (`object app/keystore`).
 * @throws {ValueEncodingError} naming the owner, the encoding and the kind of problem.
 * @example
 * ```ts
 * decodeValue(new TextEncoder().encode("aGk\n"), "base64", "object a"); // "hi" as bytes
 * ```
 */
export function decodeValue(
  bytes: Uint8Array,
  encoding: ObjectEncoding,
  owner: string,
): Uint8Array {
  if (encoding === "utf-8") return bytes;
  const problem = encoding === "base64" ? decodeBase64(bytes) : decodeHex(bytes);
  if (typeof problem === "string") {
    throw new ValueEncodingError(
      `the value of ${owner} is not valid ${encoding} (objectEncoding ${encoding}): ${problem}`,
    );
  }
  return problem;
}

/** Standard base64, padding optional, CR and LF ignored; a problem's description otherwise. */
export function decodeBase64(input: Uint8Array): Uint8Array | string {
  const out = new Uint8Array(Math.floor(input.length * 3 / 4) + 3);
  let length = 0;
  let accumulator = 0;
  let digits = 0;
  let padding = 0;
  for (const byte of input) {
    if (byte === CR || byte === LF) continue;
    if (byte === PAD) {
      padding++;
      continue;
    }
    const value = BASE64[byte];
    if (value < 0) return "a character outside the standard base64 alphabet";
    if (padding > 0) return "padding before the end";
    accumulator = (accumulator << 6) | value;
    digits++;
    if (digits === 4) {
      out[length++] = accumulator >> 16;
      out[length++] = (accumulator >> 8) & 0xff;
      out[length++] = accumulator & 0xff;
      accumulator = 0;
      digits = 0;
    }
  }
  if (digits === 1) return "a length that is not a whole number of bytes";
  if (padding > 0 && (padding > 2 || (digits + padding) % 4 !== 0)) return "wrong padding";
  if (digits === 2) {
    out[length++] = accumulator >> 4;
  } else if (digits === 3) {
    out[length++] = accumulator >> 10;
    out[length++] = (accumulator >> 2) & 0xff;
  }
  return out.slice(0, length);
}

/** Hex digits in either case, CR and LF ignored; a problem's description otherwise. */
export function decodeHex(input: Uint8Array): Uint8Array | string {
  const out = new Uint8Array(Math.floor(input.length / 2));
  let length = 0;
  let high = -1;
  for (const byte of input) {
    if (byte === CR || byte === LF) continue;
    const value = HEX[byte];
    if (value < 0) return "a character that is not a hex digit";
    if (high < 0) {
      high = value;
    } else {
      out[length++] = (high << 4) | value;
      high = -1;
    }
  }
  if (high >= 0) return "an odd number of hex digits";
  return out.slice(0, length);
}
