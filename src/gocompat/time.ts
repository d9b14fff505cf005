/**
 * Go's `time.ParseDuration` and `Duration.String`, for the Go provider's
 * duration flags (`--pod-identity-http-timeout`) and their messages.
 *
 * @module
 */

const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n,
  "μs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const DURATION_LIMIT = 1n << 63n;

/**
 * Go's `time.ParseDuration`, returning milliseconds. Accepts a sign, decimal
 * numbers with units (`ns us µs μs ms s m h`), concatenations like `1m30s`
 * and a bare `0`. Like Go it counts whole nanoseconds (fractions of a
 * nanosecond are dropped) and refuses values beyond int64 nanoseconds.
 *
 * @throws {Error} with Go's message (`time: invalid duration "x"`, ...).
 */
export function parseGoDuration(text: string): number {
  const invalid = () => new Error(`time: invalid duration ${quoteForTime(text)}`);
  let rest = text;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();
  let total = 0n;
  while (rest !== "") {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    const [consumed, whole, fraction = ""] = number;
    if (whole === "" && fraction === "") throw invalid();
    rest = rest.slice(consumed.length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === "") throw new Error(`time: missing unit in duration ${quoteForTime(text)}`);
    const scale = DURATION_UNITS[unit];
    if (scale === undefined) {
      throw new Error(
        `time: unknown unit ${quoteForTime(unit)} in duration ${quoteForTime(text)}`,
      );
    }
    rest = rest.slice(unit.length);
    let value = BigInt(whole || "0");
    if (value > DURATION_LIMIT / scale) throw invalid();
    value *= scale;
    // Go's leadingFraction keeps digits while they fit 63 bits, then applies them in float64.
    let digits = 0n;
    let divisor = 1;
    for (const digit of fraction) {
      const next = digits * 10n + BigInt(digit);
      if (next > DURATION_LIMIT) break;
      digits = next;
      divisor *= 10;
    }
    if (digits > 0n) {
      value += BigInt(Math.trunc(Number(digits) * (Number(scale) / divisor)));
      if (value > DURATION_LIMIT) throw invalid();
    }
    total += value;
    if (total > DURATION_LIMIT) throw invalid();
  }
  if (!negative && total === DURATION_LIMIT) throw invalid();
  return Number(negative ? -total : total) / 1e6;
}

/** Go's `time` package quoting: `"`, `\` escaped, bytes outside printable ASCII as `\xNN`. */
function quoteForTime(text: string): string {
  let quoted = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || code >= 0x80) {
      for (const byte of new TextEncoder().encode(char)) {
        quoted += `\\x${byte.toString(16).padStart(2, "0")}`;
      }
    } else {
      quoted += char === '"' || char === "\\" ? `\\${char}` : char;
    }
  }
  return `"${quoted}"`;
}

/**
 * Formats milliseconds like Go's `time.Duration.String()` (`1m30s`, `250ms`,
 * `0s`), counting whole nanoseconds.
 */
export function formatGoDuration(milliseconds: number): string {
  let ns = BigInt(Math.round(milliseconds * 1e6));
  if (ns === 0n) return "0s";
  const sign = ns < 0n ? "-" : "";
  if (ns < 0n) ns = -ns;
  if (ns < 1_000_000_000n) {
    if (ns < 1_000n) return `${sign}${ns}ns`;
    if (ns < 1_000_000n) return `${sign}${withFraction(ns, 3)}µs`;
    return `${sign}${withFraction(ns, 6)}ms`;
  }
  let text = `${withFraction(ns % 60_000_000_000n, 9)}s`;
  const minutes = ns / 60_000_000_000n;
  if (minutes > 0n) {
    text = `${minutes % 60n}m${text}`;
    if (minutes >= 60n) text = `${minutes / 60n}h${text}`;
  }
  return sign + text;
}

/** `value / 10^digits` in decimal, trailing fraction zeros dropped (Go's `fmtFrac`). */
function withFraction(value: bigint, digits: number): string {
  const unit = 10n ** BigInt(digits);
  const fraction = (value % unit).toString().padStart(digits, "0").replace(/0+$/, "");
  return fraction === "" ? `${value / unit}` : `${value / unit}.${fraction}`;
}
