/**
 * Go's `strconv` where users of the Go provider see it: how a YAML float
 * becomes a string field (`FormatFloat(x, 'g', -1, 32)`) and which words
 * `ParseBool` accepts.
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
  const f = Math.fround(x);
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const sign = f < 0 ? "-" : "";
  const magnitude = Math.abs(f);
  let text = "";
  for (let precision = 1; precision <= 9; precision++) {
    text = magnitude.toPrecision(precision);
    if (Math.fround(Number(text)) === magnitude) {
      text = evenOnTie(text, magnitude, precision);
      break;
    }
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
 * `toPrecision` rounds an exact tie up; Go's shortest formatting rounds it to
 * an even last digit (1373907.25 → "1.3739072e+06").
 */
function evenOnTie(text: string, magnitude: number, precision: number): string {
  const exact = magnitude.toPrecision(100).replace(/e.*$/, "").replace(".", "")
    .replace(/^0+/, "").replace(/0+$/, "");
  const mantissa = text.replace(/e.*$/, "");
  const last = Number(mantissa[mantissa.length - 1]);
  if (exact.length !== precision + 1 || !exact.endsWith("5") || last % 2 === 0) return text;
  const lower = mantissa.slice(0, -1) + String(last - 1) + text.slice(mantissa.length);
  return Math.fround(Number(lower)) === magnitude ? lower : text;
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
