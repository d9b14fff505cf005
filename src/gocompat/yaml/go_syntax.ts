/**
 * Go's `%#v` of a value go-yaml v2 decoded into an `interface{}`, for the
 * error it gives when a sequence or mapping is used as a mapping key
 * (`yaml: invalid map key: []interface {}{"a"}`).
 *
 * @module
 */

import { type YamlMapping, YamlTimestamp, type YamlValue } from "./value.ts";

const INT64_MAX = 2n ** 63n - 1n;

/**
 * `%#v` of `value`; `nested` values are inside a `[]interface {}` or map,
 * where Go writes nil as `interface {}(nil)`.
 *
 * @example
 * ```ts
 * goSyntax(["a", 1n, null]); // []interface {}{"a", 1, interface {}(nil)}
 * ```
 */
export function goSyntax(value: YamlValue, nested = false): string {
  if (value === null) return nested ? "interface {}(nil)" : "<nil>";
  if (typeof value === "string") return goQuote(value);
  if (typeof value === "boolean") return String(value);
  // go-yaml gives uint64 only above the int64 range, and %#v writes uint64 in hex.
  if (typeof value === "bigint") return value > INT64_MAX ? `0x${value.toString(16)}` : `${value}`;
  if (typeof value === "number") return goFloat(value);
  if (value instanceof YamlTimestamp) return goQuote(value.rfc3339);
  if (Array.isArray(value)) {
    return `[]interface {}{${value.map((item) => goSyntax(item, true)).join(", ")}}`;
  }
  return `map[interface {}]interface {}{${mapEntries(value).join(", ")}}`;
}

/** A Go map's pairs: later duplicate keys replace earlier ones; `fmt` sorts by key. */
function mapEntries(mapping: YamlMapping): string[] {
  const byKey = new Map<string, [YamlValue, YamlValue]>();
  let nans = 0;
  for (const [key, item] of mapping.entries) {
    // NaN is never equal to itself, so each NaN key is a pair of its own.
    const id = typeof key === "number" && Number.isNaN(key) ? `NaN#${nans++}` : keyId(key);
    byKey.set(id, [key, item]);
  }
  return [...byKey.values()].sort(([a], [b]) => compareKeys(a, b)).map(([key, item]) =>
    `${goSyntax(key, true)}:${goSyntax(item, true)}`
  );
}

/** Identity of a map key for Go's `==` on interface values (type and value). */
function keyId(key: YamlValue): string {
  if (typeof key === "bigint") return `${key > INT64_MAX ? "uint64" : "int"}:${key}`;
  if (typeof key === "number") return `float64:${Object.is(key, -0) ? 0 : key}`;
  return `${typeof key}:${String(key)}`;
}

/**
 * Order of keys of different types. Go orders them by the address of their
 * type descriptor; this is the order go-yaml's types have in the Go 1.26
 * build the differential tests use: nil, string, uint64, int, float64, bool.
 */
function typeRank(key: YamlValue): number {
  if (key === null) return 0;
  switch (typeof key) {
    case "bigint":
      return key > INT64_MAX ? 2 : 3;
    case "number":
      return 4;
    case "boolean":
      return 5;
  }
  return 1;
}

/** `internal/fmtsort` order within a type: numbers by value (NaN first), strings by bytes. */
function compareKeys(a: YamlValue, b: YamlValue): number {
  const rank = typeRank(a) - typeRank(b);
  if (rank !== 0) return rank;
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : 1;
    return a - b;
  }
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return compareCodePoints(String(a), String(b));
}

/** Order of Go strings: by UTF-8 bytes, which is code point order (not UTF-16 order). */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const difference = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return x.length - y.length;
}

/** `strconv.FormatFloat(x, 'g', -1, 64)`, as `%#v` writes a float64. */
function goFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  if (Object.is(x, -0)) return "-0";
  const [mantissa, exponent] = x.toExponential().split("e");
  const power = Number(exponent);
  // Shortest digits; an exponent from 1e6 up and below 1e-4 (JavaScript's String stays fixed there).
  if (power >= -4 && power < 6) return String(x);
  return `${mantissa}e${power < 0 ? "-" : "+"}${String(Math.abs(power)).padStart(2, "0")}`;
}

/** `strconv.Quote`: printable characters as they are, the rest escaped. */
export function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    switch (char) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (PRINTABLE.test(char)) {
      out += char;
    } else if (code < 0x80) {
      out += `\\x${code.toString(16).padStart(2, "0")}`;
    } else if (code < 0x10000) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else {
      out += `\\U${code.toString(16).padStart(8, "0")}`;
    }
  }
  return out + '"';
}

/** Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
