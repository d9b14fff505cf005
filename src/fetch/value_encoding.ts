/**
 * Decoding of values whose object (or jmesPath entry) sets `objectEncoding`:
 * `base64` (the standard alphabet, padding optional, line breaks ignored) or
 * `hex` (either case, line breaks ignored, as `xxd -p` writes it); `utf-8`
 * is the bytes as fetched. Checked by regular expressions, decoded by the
 * runtime's native decoders: linear, a few milliseconds a megabyte.
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

/** Bytes as a string of the same code units (any byte outside ASCII is then not a digit). */
const latin1 = new TextDecoder("latin1");
const LINE_BREAKS = /[\r\n]/g;
const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX_TEXT = /^[0-9a-fA-F]*$/;

/** The text of `input` without CR and LF (without copying when it has none). */
function withoutLineBreaks(input: Uint8Array): string {
  const text = latin1.decode(input);
  return input.includes(0x0a) || input.includes(0x0d) ? text.replace(LINE_BREAKS, "") : text;
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

/**
 * Standard base64, padding optional, CR and LF ignored; a problem's
 * description otherwise. The text is checked against the rules here (so
 * spaces, the URL-safe alphabet and padding in the middle are refused), then
 * decoded natively (`Uint8Array.fromBase64`: a megabyte in a few
 * milliseconds, where a loop in JavaScript held the event loop for tens).
 */
export function decodeBase64(input: Uint8Array): Uint8Array | string {
  const text = withoutLineBreaks(input);
  if (!BASE64_TEXT.test(text)) {
    if (/[^A-Za-z0-9+/=]/.test(text)) return "a character outside the standard base64 alphabet";
    return /=[^=]/.test(text) ? "padding before the end" : "wrong padding";
  }
  const digits = text.replace(/=+$/, "").length;
  if (digits % 4 === 1) return "a length that is not a whole number of bytes";
  if (digits !== text.length && text.length % 4 !== 0) return "wrong padding";
  try {
    return Uint8Array.fromBase64(text);
  } catch {
    return "a character outside the standard base64 alphabet"; // not reached: checked above
  }
}

/** Hex digits in either case, CR and LF ignored; a problem's description otherwise. */
export function decodeHex(input: Uint8Array): Uint8Array | string {
  const text = withoutLineBreaks(input);
  if (!HEX_TEXT.test(text)) return "a character that is not a hex digit";
  if (text.length % 2 !== 0) return "an odd number of hex digits";
  return Uint8Array.fromHex(text);
}
