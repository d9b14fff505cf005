/**
 * Go `strconv` and `flag` formatting and parsing helpers whose exact behaviour
 * is visible to users of the Go provider.
 *
 * @module
 */

/**
 * Formats a float like Go's `strconv.FormatFloat(x, 'g', -1, 32)`: the
 * shortest decimal that round-trips through float32, in `%e` form when the
 * exponent is below -4 or at least 6.
 *
 * @example
 * ```ts
 * formatFloat32(1.1);  // "1.1"
 * formatFloat32(1e6);  // "1e+06"
 * ```
 */
export function formatFloat32(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  const f = Math.fround(x);
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const sign = f < 0 ? "-" : "";
  const magnitude = Math.abs(f);
  let text = "";
  for (let precision = 1; precision <= 9; precision++) {
    text = magnitude.toPrecision(precision);
    if (Math.fround(Number(text)) === magnitude) break;
  }
  const [mantissa, exponentPart] = Number(text).toExponential().split("e");
  const digits = mantissa.replace(".", "").replace(/0+$/, "") || "0";
  const exponent = Number(exponentPart);
  if (exponent < -4 || exponent >= 6) {
    const fraction = digits.length > 1 ? "." + digits.slice(1) : "";
    const expSign = exponent < 0 ? "-" : "+";
    return `${sign}${digits[0]}${fraction}e${expSign}${
      String(Math.abs(exponent)).padStart(2, "0")
    }`;
  }
  const pointAt = exponent + 1;
  if (pointAt <= 0) return `${sign}0.${"0".repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return sign + digits + "0".repeat(pointAt - digits.length);
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/**
 * Go's `strconv.ParseBool`: exactly `1 t T TRUE true True` and
 * `0 f F FALSE false False`; `undefined` for anything else.
 */
export function parseGoBool(text: string): boolean | undefined {
  switch (text) {
    case "1":
    case "t":
    case "T":
    case "TRUE":
    case "true":
    case "True":
      return true;
    case "0":
    case "f":
    case "F":
    case "FALSE":
    case "false":
    case "False":
      return false;
  }
  return undefined;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Go's `time.ParseDuration`, returning milliseconds. Accepts a sign, decimal
 * numbers with units (`ns us µs μs ms s m h`), concatenations like `1m30s`
 * and a bare `0`.
 *
 * @throws {Error} with Go's message (`time: invalid duration "x"`, ...).
 */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let rest = text;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (rest !== "") {
    const number = /^(\d*)(\.\d*)?/.exec(rest)!;
    if (number[0] === "" || number[0] === ".") throw new Error(`time: invalid duration ${quoted}`);
    rest = rest.slice(number[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === "") throw new Error(`time: missing unit in duration ${quoted}`);
    const scale = DURATION_UNITS[unit];
    if (scale === undefined) {
      throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    }
    rest = rest.slice(unit.length);
    total += Number(number[0] === "." ? "0" : number[0]) * scale;
  }
  if (total * 1e6 > 2 ** 63 - 1) throw new Error(`time: invalid duration ${quoted}`);
  return negative ? -total : total;
}

/**
 * Formats milliseconds like Go's `time.Duration.String()` (`1m30s`, `250ms`,
 * `0s`).
 */
export function formatGoDuration(milliseconds: number): string {
  if (milliseconds === 0) return "0s";
  const sign = milliseconds < 0 ? "-" : "";
  const ms = Math.abs(milliseconds);
  if (ms < 1) {
    const ns = Math.round(ms * 1e6);
    return ns < 1000 ? `${sign}${ns}ns` : `${sign}${trim(ns / 1000)}µs`;
  }
  if (ms < 1000) return `${sign}${trim(ms)}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  let text = `${trim(seconds)}s`;
  if (hours > 0 || minutes > 0) text = `${minutes}m${text}`;
  if (hours > 0) text = `${hours}h${text}`;
  return sign + text;
}

function trim(value: number): string {
  return String(Number(value.toFixed(9)));
}
