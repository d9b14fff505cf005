/**
 * Numbers as Go reads and writes them where JMESPath results depend on it:
 * `strconv.ParseFloat` (the `to_number` function: Go syntax with `_`
 * separators, hexadecimal mantissas with `p` exponents, `inf` and `nan`) and
 * the number format of `encoding/json` (the `to_string` function), which
 * matches JavaScript's except for negative zero.
 *
 * @module
 */

/**
 * `strconv.ParseFloat(text, 64)`: the number, or undefined when Go returns
 * an error (bad syntax, or out of range).
 *
 * @example
 * ```ts
 * parseGoFloat("1_000.5"); // 1000.5
 * parseGoFloat("0x1p-2");  // 0.25
 * parseGoFloat(" 1");      // undefined
 * ```
 */
export function parseGoFloat(text: string): number | undefined {
  const special = parseSpecial(text);
  if (special !== undefined) return special;
  const read = readFloat(text);
  if (read === undefined || read.end !== text.length) return undefined;
  const value = read.hex ? hexValue(read) : decimalValue(text, read);
  return Number.isFinite(value) ? value : undefined;
}

/** `inf`, `infinity` (optionally signed) and `nan`, any case, as the whole text. */
function parseSpecial(text: string): number | undefined {
  let body = text;
  let sign = 1;
  if (body[0] === "+" || body[0] === "-") {
    sign = body[0] === "-" ? -1 : 1;
    body = body.slice(1);
  } else if (body.toLowerCase() === "nan") {
    return NaN;
  }
  const lower = body.toLowerCase();
  return lower === "inf" || lower === "infinity" ? sign * Infinity : undefined;
}

interface ReadFloat {
  /** Index after the last character read. */
  end: number;
  hex: boolean;
  negative: boolean;
  /** Hexadecimal: up to 16 mantissa digits, as Go keeps them. */
  mantissa: bigint;
  /** Hexadecimal: binary exponent of the mantissa's last bit. */
  exponent: number;
  /** Hexadecimal: digits were dropped from the mantissa. */
  truncated: boolean;
  /** Decimal: where the exponent part starts (or `end`). */
  mantissaEnd: number;
  /** Decimal: the exponent as Go accumulates it (digits past 10000 ignored). */
  decimalExponent: number;
}

/** Go's `readFloat`: the syntax of a decimal or hexadecimal number at the start of `s`. */
function readFloat(s: string): ReadFloat | undefined {
  const length = s.length;
  let i = 0;
  let negative = false;
  let underscores = false;
  if (s.charCodeAt(i) === PLUS) i++;
  else if (s.charCodeAt(i) === MINUS) {
    i++;
    negative = true;
  }
  let hex = false;
  let maxDigits = 19;
  let exponentChar = 0x65; // e
  if (i + 2 < length && s.charCodeAt(i) === ZERO && (s.charCodeAt(i + 1) | 0x20) === 0x78) {
    hex = true;
    maxDigits = 16;
    exponentChar = 0x70; // p
    i += 2;
  }
  let sawDot = false;
  let sawDigits = false;
  let digits = 0;
  let kept = 0;
  let dot = 0;
  // Hexadecimal: the kept digits, made a BigInt once (JavaScript converts decimals itself).
  let keptHex = "";
  let truncated = false;
  for (; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      sawDigits = true;
      if (c === ZERO && digits === 0) {
        dot--; // leading zero
        continue;
      }
      digits++;
      if (kept < maxDigits) {
        if (hex) keptHex += s[i];
        kept++;
      } else if (c !== ZERO) {
        truncated = true;
      }
    } else if (hex && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) {
      sawDigits = true;
      digits++;
      if (kept < maxDigits) {
        keptHex += s[i];
        kept++;
      } else {
        truncated = true;
      }
    } else if (c === UNDERSCORE) {
      underscores = true;
    } else if (c === DOT) {
      if (sawDot) break;
      sawDot = true;
      dot = digits;
    } else {
      break;
    }
  }
  const mantissa = keptHex === "" ? 0n : BigInt(`0x${keptHex}`);
  if (!sawDigits) return undefined;
  if (!sawDot) dot = digits;
  if (hex) {
    dot *= 4;
    kept *= 4;
  }
  const mantissaEnd = i;
  let decimalExponent = 0;
  if (i < length && (s.charCodeAt(i) | 0x20) === exponentChar) {
    i++;
    if (i >= length) return undefined;
    let sign = 1;
    if (s.charCodeAt(i) === PLUS) i++;
    else if (s.charCodeAt(i) === MINUS) {
      i++;
      sign = -1;
    }
    if (i >= length || s.charCodeAt(i) < ZERO || s.charCodeAt(i) > NINE) return undefined;
    let e = 0;
    for (; i < length; i++) {
      const c = s.charCodeAt(i);
      if (c === UNDERSCORE) {
        underscores = true;
        continue;
      }
      if (c < ZERO || c > NINE) break;
      if (e < 10000) e = e * 10 + c - ZERO;
    }
    decimalExponent = sign * e;
    dot += sign * e;
  } else if (hex) {
    return undefined; // a hexadecimal mantissa needs a p exponent
  }
  if (underscores && !underscoreOk(s, i)) return undefined;
  return {
    end: i,
    hex,
    negative,
    mantissa,
    exponent: mantissa !== 0n ? dot - kept : 0,
    truncated,
    mantissaEnd,
    decimalExponent,
  };
}

const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const UNDERSCORE = 0x5f;

/** Go's `underscoreOK` on `s` up to `end`: each `_` between two digits (a base prefix counts as one). */
function underscoreOk(s: string, end: number): boolean {
  // What came last: 0 the start, 1 a digit or the prefix, 2 an underscore, 3 anything else.
  let saw = 0;
  let i = s.charCodeAt(0) === PLUS || s.charCodeAt(0) === MINUS ? 1 : 0;
  let hex = false;
  const base = s.charCodeAt(i + 1) | 0x20;
  if (
    end - i >= 2 && s.charCodeAt(i) === ZERO && (base === 0x62 || base === 0x6f || base === 0x78)
  ) {
    i += 2;
    saw = 1;
    hex = base === 0x78;
  }
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= ZERO && c <= NINE || hex && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) {
      saw = 1;
    } else if (c === UNDERSCORE) {
      if (saw !== 1) return false;
      saw = 2;
    } else {
      if (saw === 2) return false;
      saw = 3;
    }
  }
  return saw !== 2;
}

/** A decimal number: JavaScript's conversion is correctly rounded, as Go's is. */
function decimalValue(text: string, read: ReadFloat): number {
  const signLength = text[0] === "+" || text[0] === "-" ? 1 : 0;
  let mantissa = text.slice(signLength, read.mantissaEnd);
  if (mantissa.includes("_")) mantissa = mantissa.replaceAll("_", "");
  const value = Number(`${mantissa}e${read.decimalExponent}`);
  return read.negative ? -value : value;
}

/** Go's `atofHex` for float64: rounds the kept mantissa bits (with a sticky bit) to even. */
function hexValue(read: ReadFloat): number {
  const mantissaBits = 52n;
  const maxExponent = 1023;
  const minExponent = -1022;
  let mantissa = read.mantissa;
  let exponent = read.exponent + 52;
  while (mantissa !== 0n && mantissa >> (mantissaBits + 2n) === 0n) {
    mantissa <<= 1n;
    exponent--;
  }
  if (read.truncated) mantissa |= 1n;
  while (mantissa >> (1n + mantissaBits + 2n) !== 0n) {
    mantissa = (mantissa >> 1n) | (mantissa & 1n);
    exponent++;
  }
  while (mantissa > 1n && exponent < minExponent - 2) {
    mantissa = (mantissa >> 1n) | (mantissa & 1n);
    exponent++;
  }
  let round = mantissa & 3n;
  mantissa >>= 2n;
  round |= mantissa & 1n;
  exponent += 2;
  if (round === 3n) {
    mantissa++;
    if (mantissa === 1n << (1n + mantissaBits)) {
      mantissa >>= 1n;
      exponent++;
    }
  }
  if (mantissa >> mantissaBits === 0n) exponent = minExponent; // subnormal or zero
  if (exponent > maxExponent) return read.negative ? -Infinity : Infinity;
  const magnitude = scaleByPowerOfTwo(Number(mantissa), exponent - 52);
  return read.negative ? -magnitude : magnitude;
}

/** `value × 2^power`, exact when the result is representable (steps keep every bit). */
function scaleByPowerOfTwo(value: number, power: number): number {
  let result = value;
  let left = power;
  while (left > 1000) {
    result *= 2 ** 1000;
    left -= 1000;
  }
  while (left < -1000) {
    result *= 2 ** -1000;
    left += 1000;
  }
  return result * 2 ** left;
}

/**
 * A finite number as Go's `encoding/json` writes it: shortest round-trip
 * digits, exponent form below 1e-6 and from 1e21 on. That is JavaScript's
 * `String(number)` except for negative zero, which Go writes as `-0`.
 */
export function formatGoJsonNumber(value: number): string {
  return Object.is(value, -0) ? "-0" : String(value);
}
