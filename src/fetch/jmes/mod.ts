/**
 * jmesPath extraction as the Go provider does it (go-jmespath's parser and
 * semantics, Go's JSON on both ends), within budgets: `extract.ts` is the
 * entry; `parse.ts`, `eval.ts` and `functions.ts` are the language;
 * `cost.ts` charges the work; `json.ts`, `marshal.ts`, `go_number.ts` and
 * `sort.ts` are Go's behaviour where it shows in results.
 *
 * @module
 */

export type { JmesBudget } from "./cost.ts";
export {
  type ExtractJmesOptions,
  extractJmesValues,
  JmesError,
  type JmesLimits,
  mountJmesBudget,
} from "./extract.ts";
