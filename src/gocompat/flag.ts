/**
 * Command-line parsing with the semantics of Go's `flag` package, so the
 * DaemonSet arguments of the Go provider work unchanged: `-flag` or `--flag`,
 * `-flag=value` or `-flag value`, booleans only as `-flag` or `-flag=false`,
 * parsing stops at the first non-flag argument or `--`.
 *
 * @module
 */

import { parseGoBool } from "./strconv.ts";

/** One flag definition. */
export interface FlagDefinition {
  /** Flag name without dashes. */
  name: string;
  /** Value kind. */
  kind: "string" | "bool" | "int";
  /** Default value, as the usage text shows it. */
  defaultValue: string;
  /** One-line usage text. */
  usage: string;
}

/** Parsed flag values by name (strings, booleans and integers). */
export type FlagValues = Record<string, string | boolean | number>;

/** A usage error: Go prints the message and the usage, then exits with 2. */
export class FlagError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

/** Thrown for `-h`/`-help`: print usage, exit 0. */
export class HelpRequested extends Error {
  /** Creates the marker. */
  constructor() {
    super("help requested");
    this.name = "HelpRequested";
  }
}

/**
 * Parses `args` against `definitions`.
 *
 * @returns the values (defaults filled in) and the remaining arguments.
 * @throws {FlagError} with Go's message for unknown flags or bad values.
 * @throws {HelpRequested} for `-h`, `-help`, `--help`.
 */
export function parseGoFlags(
  args: string[],
  definitions: FlagDefinition[],
): { values: FlagValues; rest: string[] } {
  const byName = new Map(definitions.map((definition) => [definition.name, definition]));
  const values: FlagValues = {};
  for (const definition of definitions) {
    values[definition.name] = convert(definition, definition.defaultValue);
  }
  let index = 0;
  while (index < args.length) {
    const arg = args[index];
    if (arg.length < 2 || arg[0] !== "-") break;
    let body = arg.slice(1);
    if (body.startsWith("-")) {
      body = body.slice(1);
      if (body === "") {
        index++;
        break;
      }
    }
    if (body === "" || body.startsWith("-") || body.startsWith("=")) {
      throw new FlagError(`bad flag syntax: ${arg}`);
    }
    index++;
    const equals = body.indexOf("=");
    const name = equals >= 0 ? body.slice(0, equals) : body;
    const definition = byName.get(name);
    if (definition === undefined) {
      if (name === "h" || name === "help") throw new HelpRequested();
      throw new FlagError(`flag provided but not defined: -${name}`);
    }
    let value: string;
    if (equals >= 0) {
      value = body.slice(equals + 1);
    } else if (definition.kind === "bool") {
      value = "true";
    } else {
      if (index >= args.length) throw new FlagError(`flag needs an argument: -${name}`);
      value = args[index++];
    }
    values[name] = convert(definition, value);
  }
  return { values, rest: args.slice(index) };
}

function convert(definition: FlagDefinition, value: string): string | boolean | number {
  if (definition.kind === "string") return value;
  if (definition.kind === "bool") {
    const parsed = parseGoBool(value);
    if (parsed === undefined) {
      throw new FlagError(
        `invalid boolean value ${JSON.stringify(value)} for -${definition.name}: parse error`,
      );
    }
    return parsed;
  }
  const parsed = parseGoIntFlag(value);
  if (typeof parsed !== "number") {
    const reason = parsed === "out of range" ? "value out of range" : "parse error";
    throw new FlagError(
      `invalid value ${JSON.stringify(value)} for flag -${definition.name}: ${reason}`,
    );
  }
  return parsed;
}

/**
 * Go's `strconv.ParseInt(s, 0, 64)` for flag values (`0x`, `0o`, `0b`,
 * leading-0 octal, `_`); values beyond 64 bits are out of range.
 */
function parseGoIntFlag(value: string): number | "out of range" | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/
    .exec(value);
  if (match === null || match[2].endsWith("_")) return undefined;
  const digits = match[2].replaceAll("_", "");
  let parsed: bigint;
  if (/^0[xXoObB]/.test(digits)) {
    parsed = BigInt(digits.slice(0, 2).toLowerCase() + digits.slice(2));
  } else if (digits.length > 1 && digits.startsWith("0")) parsed = BigInt("0o" + digits.slice(1));
  else parsed = BigInt(digits);
  if (match[1] === "-") parsed = -parsed;
  if (parsed > 2n ** 63n - 1n || parsed < -(2n ** 63n)) return "out of range";
  return Number(parsed);
}

/** Go-style usage text: `  -name type\n    \tusage (default ...)`. */
export function formatUsage(program: string, definitions: FlagDefinition[]): string {
  const lines = [`Usage of ${program}:`];
  // Go sorts flag names by bytes, not by locale.
  const sorted = [...definitions].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const definition of sorted) {
    const type = definition.kind === "bool"
      ? ""
      : ` ${definition.kind === "int" ? "int" : "string"}`;
    const shown = definition.defaultValue === "" || definition.defaultValue === "false"
      ? ""
      : definition.kind === "string"
      ? ` (default ${JSON.stringify(definition.defaultValue)})`
      : ` (default ${definition.defaultValue})`;
    lines.push(`  -${definition.name}${type}`, `    \t${definition.usage}${shown}`);
  }
  return lines.join("\n");
}
