/**
 * YAML 1.1 as the Go provider reads it.
 *
 * The Go provider decodes the `objects` parameter with sigs.k8s.io/yaml, which
 * runs go-yaml v2 (libyaml's scanner and parser, YAML 1.1 scalar rules). Our
 * parser follows go-yaml step by step — scanner (`scanner.ts`), parser
 * (`parser.ts`), node list (`compose.ts`), decoding
 * (`decode.ts`), scalar resolution (`resolve.ts`) — so a document
 * gives the same value or the same error as in Go: `0600` is the octal
 * integer 384, `yes` is true, `2024-01-02` stays text, and a syntax error reads
 * `yaml: line N: <libyaml's message>`.
 * `test/fuzz/yaml_differential_test.ts` compares us with go-yaml itself.
 *
 * The `objects` parameter is written by application teams and parsed on the
 * provider's one event loop, so the parser is linear in time and memory and
 * stops with a `LimitError` as soon as a document goes over its
 * node, depth or alias budget (aliases expanded), before it builds more.
 *
 * @module
 */

import { type MountLimits, mountLimits, runSteps, type Steps } from "../../limits/mod.ts";
import { composeYamlSteps, type YamlLimits } from "./compose.ts";
import { decodeYaml } from "./decode.ts";
import type { YamlValue } from "./value.ts";

export type { YamlLimits } from "./compose.ts";
export { resolveScalar } from "./resolve.ts";
export { YamlMapping, YamlSyntaxError, YamlTimestamp, type YamlValue } from "./value.ts";

/**
 * The budgets of the `objects` YAML among a mount's limits (the provider's
 * defaults when none are given).
 *
 * @example
 * ```ts
 * parseYaml11(objects, objectsYamlLimits(mountLimits({ objectsDepth: 8 })));
 * ```
 */
export function objectsYamlLimits(limits: MountLimits = mountLimits()): YamlLimits {
  return { nodes: limits.objectsNodes, depth: limits.objectsDepth, aliases: limits.objectsAliases };
}

/**
 * Parses the first YAML document of `source` with go-yaml v2's rules. An
 * empty document is `null`. Without `limits`, the provider's default budgets
 * apply.
 *
 * @example
 * ```ts
 * parseYaml11("- objectName: a\n  filePermission: 0600");
 * // [YamlMapping { entries: [["objectName", "a"], ["filePermission", 384n]] }]
 * ```
 *
 * @throws {YamlSyntaxError} when go-yaml would refuse the document (its message).
 * @throws {LimitError} when the document goes over a budget.
 */
export function parseYaml11(source: string, limits: YamlLimits = objectsYamlLimits()): YamlValue {
  return runSteps(parseYaml11Steps(source, limits));
}

/** {@linkcode parseYaml11} as steps that may pause in the middle of a large document. */
export function* parseYaml11Steps(
  source: string,
  limits: YamlLimits = objectsYamlLimits(),
): Steps<YamlValue> {
  const tape = yield* composeYamlSteps(source, limits);
  yield;
  return decodeYaml(tape, limits);
}
