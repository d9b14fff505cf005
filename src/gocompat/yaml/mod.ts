/**
 * YAML 1.1 as the Go provider reads its `objects` parameter: go-yaml v2
 * (libyaml's scanner and parser, YAML 1.1 scalar rules), with budgets on
 * nodes, depth and aliases. `parse.ts` is the entry; the rest are its steps.
 *
 * @module
 */

export {
  objectsYamlLimits,
  parseYaml11,
  parseYaml11Steps,
  resolveScalar,
  type YamlLimits,
  YamlMapping,
  YamlSyntaxError,
  YamlTimestamp,
  type YamlValue,
} from "./parse.ts";
export { goQuote, goSyntax } from "./go_syntax.ts";
