/**
 * Time to parse 256 KiB of `objects` YAML (the default size budget): hostile
 * documents of tiny nodes, a realistic class of 1,000 objects, long scalars,
 * nesting at the depth budget. Each group compares our parser (with the
 * provider's default budgets, and with the node budget lifted so that the
 * whole text is parsed) with npm:yaml, the parser it replaced (its parse
 * alone, the larger part of the old cost).
 *
 * ```sh
 * deno bench --allow-read --allow-env src/gocompat/yaml/parse_bench.ts
 * ```
 *
 * @module
 */

import { parseAllDocuments } from "yaml";
import { LimitError } from "../../limits/mod.ts";
import { objectsYamlLimits, parseYaml11, YamlSyntaxError } from "./parse.ts";

const SIZE = 256 * 1024;

/** `unit` repeated between `open` and `close`, separated by `separator`, to about 256 KiB. */
function fill(unit: string, open = "", close = "", separator = ""): string {
  const count = Math.floor((SIZE - open.length - close.length) / (unit.length + separator.length));
  return open + Array(count).fill(unit).join(separator) + close;
}

function object(i: number): string {
  return `- objectName: "prod/service-${i}/database"\n  objectType: secretsmanager\n` +
    `  objectAlias: db-${i}\n  jmesPath:\n    - path: username\n      objectAlias: user-${i}\n` +
    `    - path: password\n      objectAlias: pass-${i}\n      filePermission: "0400"\n`;
}

const INPUTS: Record<string, string> = {
  "[[],[],…]": fill("[]", "[", "]", ","),
  "[a,a,…]": fill("a", "[", "]", ","),
  "[{a: b},…]": fill("{a: b}", "[", "]", ","),
  "- a lines": fill("- a\n"),
  "1000 objects": Array.from({ length: 1000 }, (_, i) => object(i)).join(""),
  "256 KiB plain scalar": `- ${"x".repeat(SIZE - 2)}`,
  "256 KiB quoted with escapes": `- "${"ab\\n\\u00e9 ".repeat(SIZE / 10)}"`,
  "256 KiB literal block": `- |\n${`  ${"y".repeat(78)}\n`.repeat(SIZE / 81)}`,
  "32 levels, repeated": fill(`${"[".repeat(31)}${"]".repeat(31)}`, "[", "]", ","),
  "256 KiB tag of %-escapes": `- !${"%C3%A9".repeat(SIZE / 6 - 2)} x`,
  "20,000 anchors": Array.from({ length: 20_000 }, (_, i) => `- &a${i} x`).join("\n"),
  "control character after 256 KiB": `- ${"abc ".repeat(SIZE / 4 - 2)}\x01`,
};

const LIFTED = { ...objectsYamlLimits(), nodes: { max: 1e9, unit: "nodes", flag: "none" } };

/** Parses, accepting the budget and syntax errors hostile inputs are meant to get. */
function ours(text: string, limits = objectsYamlLimits()): void {
  try {
    parseYaml11(text, limits);
  } catch (error) {
    if (!(error instanceof LimitError || error instanceof YamlSyntaxError)) throw error;
  }
}

for (const [name, text] of Object.entries(INPUTS)) {
  Deno.bench({ name: `ours, default budgets: ${name}`, group: name, baseline: true }, () => {
    ours(text);
  });
  Deno.bench({ name: `ours, whole text: ${name}`, group: name }, () => {
    ours(text, LIFTED);
  });
  Deno.bench({ name: `npm:yaml: ${name}`, group: name, n: 5, warmup: 1 }, () => {
    parseAllDocuments(text, { version: "1.1", schema: "failsafe", uniqueKeys: false });
  });
}
