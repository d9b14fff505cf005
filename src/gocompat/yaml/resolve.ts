/**
 * go-yaml v2's scalar resolution (YAML 1.1): what a scalar becomes when it is
 * decoded into a Go `interface{}`, given its text, its tag and whether it was
 * plain. `0600` is the octal integer 384, `yes` is true, `2024-01-02` stays
 * text, `!!binary` is base64, and a go-yaml tag on text of another kind is an
 * error.
 *
 * @module
 */

import { YamlSyntaxError, type YamlValue } from "./value.ts";

const TAG_PREFIX = "tag:yaml.org,2002:";
const STR_TAG = `${TAG_PREFIX}str`;
const BINARY_TAG = `${TAG_PREFIX}binary`;
const TIMESTAMP_TAG = `${TAG_PREFIX}timestamp`;
/** The tags go-yaml's `resolve` checks the text against (`resolvableTag`, less `!!str`). */
const RESOLVABLE_TAGS = new Set(
  ["bool", "null", "int", "float", "timestamp"].map((name) => `${TAG_PREFIX}${name}`),
);

/**
 * The value of a scalar node, as go-yaml v2 decodes it into an `interface{}`:
 * a plain scalar without a tag is resolved, `!!str` keeps the text,
 * `!!binary` decodes base64, go-yaml's other tags must match what the text
 * resolves to, and any other tag leaves the text as is — among them the
 * non-specific `!` that quoted and block scalars have without a tag.
 *
 * @param tag the full tag (`tag:yaml.org,2002:int`, `!local`, `!`), or "" for
 *   a plain scalar without one.
 * @throws {YamlSyntaxError} when a tag does not fit the text.
 */
export function decodeScalar(text: string, tag: string): YamlValue {
  if (tag === "") return resolveScalar(text);
  if (tag === STR_TAG) return text;
  if (tag === BINARY_TAG) return decodeBinary(text);
  return RESOLVABLE_TAGS.has(tag) ? resolveTagged(text, tag) : text;
}

/**
 * go-yaml v2's `!!binary`: standard base64 (line breaks ignored) decoded to
 * bytes. Go keeps the bytes as a string; where they are not UTF-8, JSON then
 * writes U+FFFD for each bad byte, and so do we.
 */
function decodeBinary(text: string): string {
  const base64 = text.replace(/[\r\n]/g, "");
  if (!/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(base64)) {
    throw new YamlSyntaxError("yaml: !!binary value contains invalid base64 data");
  }
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return goUtf8(bytes);
}

/** Bytes as Go's `utf8.DecodeRune` reads them: each byte of a bad sequence is one U+FFFD. */
function goUtf8(bytes: Uint8Array): string {
  const valid = new TextDecoder("utf-8", { fatal: true });
  try {
    return valid.decode(bytes);
  } catch {
    // Not UTF-8: decode sequence by sequence below.
  }
  let text = "";
  for (let i = 0; i < bytes.length;) {
    const width = utf8SequenceAt(bytes, i);
    text += width === 0 ? "\ufffd" : valid.decode(bytes.subarray(i, i + width));
    i += width === 0 ? 1 : width;
  }
  return text;
}

/** Length of the valid UTF-8 sequence at `i`, or 0 (Go's first-byte table and accept ranges). */
function utf8SequenceAt(bytes: Uint8Array, i: number): number {
  const first = bytes[i];
  if (first < 0x80) return 1;
  let width: number;
  let low = 0x80;
  let high = 0xbf;
  if (first >= 0xc2 && first <= 0xdf) width = 2;
  else if (first >= 0xe0 && first <= 0xef) width = 3;
  else if (first >= 0xf0 && first <= 0xf4) width = 4;
  else return 0;
  if (first === 0xe0) low = 0xa0;
  if (first === 0xed) high = 0x9f;
  if (first === 0xf0) low = 0x90;
  if (first === 0xf4) high = 0x8f;
  if (i + width > bytes.length) return 0;
  if (bytes[i + 1] < low || bytes[i + 1] > high) return 0;
  for (let k = 2; k < width; k++) {
    if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return 0;
  }
  return width;
}

/**
 * go-yaml v2's `resolve` with an explicit tag: the text must resolve to that
 * tag (an integer is accepted as a float), else decoding fails.
 */
function resolveTagged(text: string, tag: string): YamlValue {
  const value = resolveScalar(text);
  const resolved = tag === TIMESTAMP_TAG && isTimestamp(text) ? "timestamp" : resolvedTag(value);
  const wanted = tag.slice(tag.lastIndexOf(":") + 1);
  if (resolved === wanted) return value;
  if (
    wanted === "float" && typeof value === "bigint" && value >= INT64_MIN && value <= INT64_MAX
  ) {
    return Number(value);
  }
  throw new YamlSyntaxError(`yaml: cannot decode !!${resolved} \`${text}\` as a !!${wanted}`);
}

function resolvedTag(value: YamlValue): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float";
  }
  return "str";
}

/** go-yaml's `resolveMap`: bools (YAML 1.1 spellings), nulls and special floats. */
const SPECIALS = new Map<string, YamlValue>([
  ..."y Y yes Yes YES true True TRUE on On ON".split(" ").map((
    t,
  ): [string, YamlValue] => [t, true]),
  ..."n N no No NO false False FALSE off Off OFF".split(" ").map((t): [string, YamlValue] => [
    t,
    false,
  ]),
  ...["", "~", "null", "Null", "NULL"].map((t): [string, YamlValue] => [t, null]),
  ...[".nan", ".NaN", ".NAN"].map((t): [string, YamlValue] => [t, NaN]),
  ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((t): [string, YamlValue] => [
    t,
    Infinity,
  ]),
  ...["-.inf", "-.Inf", "-.INF"].map((t): [string, YamlValue] => [t, -Infinity]),
]);
/** First characters of bools, nulls, numbers and specials (go-yaml's `resolveTable`). */
const MAY_RESOLVE = new Set([..."yYnNtTfFoO~.+-0123456789"].map((c) => c.charCodeAt(0)));
const FLOAT_STYLE = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Resolves a plain scalar like go-yaml v2's `resolve`: bools (YAML 1.1
 * spellings), nulls, special floats, timestamps, integers (`0` prefix is octal,
 * `0x` hex, `0b` binary, `_` ignored), floats; everything else is a string.
 */
export function resolveScalar(text: string): YamlValue {
  // go-yaml's hint table: only these first characters can resolve to anything but a string.
  if (text.length > 0 && !MAY_RESOLVE.has(text.charCodeAt(0))) return text;
  const special = SPECIALS.get(text);
  if (special !== undefined) return special;
  const first = text.charCodeAt(0);
  if (first === 0x2e) { // .
    const float = parseGoFloat(text);
    return float === undefined ? text : float;
  }
  if (first !== 0x2b && first !== 0x2d && !(first >= 0x30 && first <= 0x39)) return text;
  // go-yaml v2 hands a timestamp to an interface{} target (sigs.k8s.io/yaml's
  // first step) as its source text, so it stays a string.
  if (isTimestamp(text)) return text;
  const plain = text.includes("_") ? text.replaceAll("_", "") : text;
  const integer = parseGoInt(plain);
  if (integer !== undefined) return integer;
  if (FLOAT_STYLE.test(plain)) {
    const float = parseGoFloat(plain);
    if (float !== undefined) return float;
  }
  if (plain.startsWith("0b") || plain.startsWith("-0b")) {
    const negative = plain.startsWith("-");
    const digits = plain.slice(negative ? 3 : 2);
    if (/^[01]{1,64}$/.test(digits)) {
      const value = BigInt("0b" + digits) * (negative ? -1n : 1n);
      if (value >= INT64_MIN && value <= UINT64_MAX) return value;
    }
  }
  return text;
}

/** Most significant digits a 64-bit integer has, by radix. */
const MAX_DIGITS: Record<number, number> = { 2: 64, 8: 22, 10: 20, 16: 16 };
const RADIX_PREFIX: Record<number, string> = { 2: "0b", 8: "0o", 10: "", 16: "0x" };

/** Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint(s, 0, 64)`. */
function parseGoInt(text: string): bigint | undefined {
  let start = 0;
  const sign = text[0];
  if (sign === "+" || sign === "-") start = 1;
  let radix = 10;
  if (text[start] === "0" && start + 1 < text.length) {
    const prefix = text[start + 1];
    if (prefix === "x" || prefix === "X") [radix, start] = [16, start + 2];
    else if (prefix === "o" || prefix === "O") [radix, start] = [8, start + 2];
    else if (prefix === "b" || prefix === "B") [radix, start] = [2, start + 2];
    else [radix, start] = [8, start + 1]; // a leading 0 is octal
  }
  if (start === text.length) return undefined;
  let significant = -1;
  for (let i = start; i < text.length; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0 || digit >= radix) return undefined;
    if (significant < 0 && digit !== 0) significant = i;
  }
  if (significant < 0) return 0n;
  // Too many digits is out of range: say so before building a huge BigInt.
  if (text.length - significant > MAX_DIGITS[radix]) return undefined;
  const magnitude = BigInt(RADIX_PREFIX[radix] + text.slice(significant));
  const value = sign === "-" ? -magnitude : magnitude;
  if (sign === "-" ? value >= INT64_MIN : value <= INT64_MAX) return value;
  if (sign !== "-" && value <= UINT64_MAX) return value;
  return undefined;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Go's `strconv.ParseFloat(s, 64)` for the decimal forms YAML allows. */
function parseGoFloat(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  // Out of float64 range is a strconv range error: go-yaml then keeps the text.
  return Number.isFinite(value) ? value : undefined;
}

/**
 * go-yaml v2's timestamp forms, as Go's `time.Parse` reads them:
 * `2006-1-2`, `2006-1-2T15:4:5.999999999Z07:00` (`t` too, a comma for the
 * fraction, any digits of it) and `2006-1-2 15:4:5.999999999` (one or more
 * spaces).
 */
const TIMESTAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?(?:Z|[+-](\d{2}):\d{2})| +(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?)?$/;

/** Whether `text` is a timestamp go-yaml v2 accepts (a real date and time of day). */
function isTimestamp(text: string): boolean {
  // Go's quick check first: four digits and a dash.
  if (text.charCodeAt(4) !== 0x2d) return false;
  const match = TIMESTAMP.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const hour = Number(match[4] ?? match[8] ?? 0);
  const minute = Number(match[5] ?? match[9] ?? 0);
  const second = Number(match[6] ?? match[10] ?? 0);
  const zoneHour = Number(match[7] ?? 0);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month) && hour <= 23 &&
    minute <= 59 && second <= 59 && zoneHour <= 24;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
