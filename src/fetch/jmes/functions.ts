/**
 * The JMESPath built-in functions as go-jmespath v0.4.0 implements them,
 * with their costs charged before the work: argument checks (arity, then
 * types, except for the variadic `merge` and `not_null`, which Go does not
 * type-check), `sort` of numbers by value, strings ordered by bytes, `sort_by`
 * in place (Go sorts the argument's own array, so later uses of that array in
 * the expression, and in later entries of the same secret, see it sorted),
 * `to_string` as Go's `json.Marshal`, `to_number` as Go's `ParseFloat`. A
 * `contains` of an array or object in an array, which panics in Go, compares
 * by value here; `merge` of a non-object, which also panics there, is an
 * error.
 *
 * @module
 */

import { utf8Length } from "../../limits/mod.ts";
import type { JmesBudget } from "./cost.ts";
import { parseGoFloat } from "./go_number.ts";
import { marshalGoJson } from "./marshal.ts";
import type { JmesNode } from "./parse.ts";
import { goStableSort } from "./sort.ts";
import {
  codePointLength,
  compareStrings,
  deepEqual,
  type JmesArray,
  JmesEvalError,
  JmesExpRef,
  type JmesObject,
  type JmesValue,
} from "./value.ts";

/** What a function needs of the interpreter. */
export interface FunctionContext {
  /** The evaluation's budget. */
  budget: JmesBudget;
  /** Evaluates an expression reference's tree against a value. */
  evaluate(node: JmesNode, value: JmesValue, budget: JmesBudget): JmesValue;
}

type ArgType =
  | "number"
  | "string"
  | "array"
  | "object"
  | "array[number]"
  | "array[string]"
  | "expref"
  | "any";

interface FunctionEntry {
  /** Accepted types of each argument. */
  args: ArgType[][];
  /** Takes the last argument any number of times (one at least), unchecked. */
  variadic?: boolean;
  handler(args: JmesValue[], context: FunctionContext): JmesValue;
}

/** Names of the functions go-jmespath knows. */
export const JMES_FUNCTION_NAMES: readonly string[] = [
  "abs",
  "avg",
  "ceil",
  "contains",
  "ends_with",
  "floor",
  "join",
  "keys",
  "length",
  "map",
  "max",
  "max_by",
  "merge",
  "min",
  "min_by",
  "not_null",
  "reverse",
  "sort",
  "sort_by",
  "starts_with",
  "sum",
  "to_array",
  "to_number",
  "to_string",
  "type",
  "values",
];

/**
 * Calls the function `name` with evaluated `args`.
 *
 * @throws {JmesEvalError} for an unknown function, a wrong number or type of
 *   arguments, or an error of the function itself.
 * @throws {LimitError} when the budget or the value limit is passed.
 */
export function callFunction(
  name: string,
  args: JmesValue[],
  context: FunctionContext,
): JmesValue {
  const entry = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
  if (entry === undefined) throw new JmesEvalError(`unknown function: ${name}`);
  if (entry.variadic) {
    if (args.length < entry.args.length) throw new JmesEvalError("Invalid arity.");
  } else {
    if (args.length !== entry.args.length) throw new JmesEvalError("incorrect number of args");
    entry.args.forEach((types, i) => {
      if (!types.some((type) => hasType(args[i], type, context.budget))) {
        throw new JmesEvalError(`invalid type for argument ${i + 1} of ${name}`);
      }
    });
  }
  return entry.handler(args, context);
}

function hasType(value: JmesValue, type: ArgType, budget: JmesBudget): boolean {
  switch (type) {
    case "number":
      return typeof value === "number";
    case "string":
      return typeof value === "string";
    case "array":
      return Array.isArray(value);
    case "object":
      return value instanceof Map;
    case "array[number]":
    case "array[string]": {
      if (!Array.isArray(value)) return false;
      budget.charge(value.length);
      return type === "array[number]"
        ? value.every((item) => typeof item === "number")
        : value.every((item) => typeof item === "string");
    }
    case "expref":
      return value instanceof JmesExpRef;
    case "any":
      return true;
  }
}

const NUMBER: ArgType[] = ["number"];
const STRING: ArgType[] = ["string"];
const ARRAY: ArgType[] = ["array"];
const OBJECT: ArgType[] = ["object"];
const EXPREF: ArgType[] = ["expref"];
const ANY: ArgType[] = ["any"];
const NUMBERS_OR_STRINGS: ArgType[] = ["array[number]", "array[string]"];

const FUNCTIONS: Record<string, FunctionEntry> = {
  abs: { args: [NUMBER], handler: ([n]) => Math.abs(n as number) },
  avg: {
    args: [["array[number]"]],
    handler: ([list], { budget }) => {
      const numbers = list as number[];
      budget.charge(numbers.length);
      let sum = 0;
      for (const n of numbers) sum += n;
      return sum / numbers.length; // NaN for an empty array, as in Go
    },
  },
  ceil: { args: [NUMBER], handler: ([n]) => Math.ceil(n as number) },
  contains: { args: [["array", "string"], ANY], handler: contains },
  ends_with: {
    args: [STRING, STRING],
    handler: ([text, suffix], { budget }) => {
      budget.chargeChars((suffix as string).length);
      return (text as string).endsWith(suffix as string);
    },
  },
  floor: { args: [NUMBER], handler: ([n]) => Math.floor(n as number) },
  join: { args: [STRING, ["array[string]"]], handler: join },
  keys: {
    args: [OBJECT],
    handler: ([object], { budget }) => {
      budget.charge((object as JmesObject).size);
      return [...(object as JmesObject).keys()];
    },
  },
  length: {
    args: [["string", "array", "object"]],
    handler: ([value], { budget }) => {
      if (typeof value === "string") {
        budget.chargeScan(value.length);
        return codePointLength(value);
      }
      return Array.isArray(value) ? value.length : (value as JmesObject).size;
    },
  },
  map: {
    args: [EXPREF, ARRAY],
    handler: ([reference, list], { budget, evaluate }) => {
      const array = list as JmesArray;
      budget.charge(array.length);
      // Nulls stay (unlike projections).
      return array.map((item) => evaluate((reference as JmesExpRef).node, item, budget));
    },
  },
  max: { args: [NUMBERS_OR_STRINGS], handler: ([list], context) => extreme(list, 1, context) },
  max_by: { args: [ARRAY, EXPREF], handler: (args, context) => extremeBy(args, 1, context) },
  merge: {
    args: [OBJECT],
    variadic: true,
    handler: (objects, { budget }) => {
      const merged: JmesObject = new Map();
      for (const object of objects) {
        // Go's type assertion panics on a non-object (merge is not type-checked).
        if (!(object instanceof Map)) throw new JmesEvalError("merge of a non-object");
        budget.charge(object.size);
        for (const [key, value] of object) merged.set(key, value);
      }
      return merged;
    },
  },
  min: { args: [NUMBERS_OR_STRINGS], handler: ([list], context) => extreme(list, -1, context) },
  min_by: { args: [ARRAY, EXPREF], handler: (args, context) => extremeBy(args, -1, context) },
  not_null: {
    args: [ANY],
    variadic: true,
    handler: (values) => values.find((value) => value !== null) ?? null,
  },
  reverse: {
    args: [["array", "string"]],
    handler: ([value], { budget }) => {
      if (typeof value === "string") {
        budget.chargeScan(value.length);
        return reverseCodePoints(value);
      }
      budget.charge((value as JmesArray).length);
      return [...(value as JmesArray)].reverse();
    },
  },
  sort: { args: [["array[string]", "array[number]"]], handler: sort },
  sort_by: { args: [ARRAY, EXPREF], handler: sortBy },
  starts_with: {
    args: [STRING, STRING],
    handler: ([text, prefix], { budget }) => {
      budget.chargeChars((prefix as string).length);
      return (text as string).startsWith(prefix as string);
    },
  },
  sum: {
    args: [["array[number]"]],
    handler: ([list], { budget }) => {
      budget.charge((list as number[]).length);
      let sum = 0;
      for (const n of list as number[]) sum += n;
      return sum;
    },
  },
  to_array: { args: [ANY], handler: ([value]) => Array.isArray(value) ? value : [value] },
  to_number: {
    args: [ANY],
    handler: ([value], { budget }) => {
      if (typeof value === "number") return value;
      if (typeof value === "string") {
        // Go's number syntax takes up to four passes over the text (special
        // values, syntax, separators, conversion).
        budget.chargeScan(4 * value.length);
        return parseGoFloat(value) ?? null;
      }
      if (value instanceof JmesExpRef) throw new JmesEvalError("unknown type");
      return null;
    },
  },
  to_string: {
    args: [ANY],
    handler: ([value], { budget }) =>
      typeof value === "string" ? value : marshalGoJson(value, budget),
  },
  type: {
    args: [ANY],
    handler: ([value]) => {
      if (typeof value === "number") return "number";
      if (typeof value === "string") return "string";
      if (typeof value === "boolean") return "boolean";
      if (value === null) return "null";
      if (Array.isArray(value)) return "array";
      if (value instanceof Map) return "object";
      throw new JmesEvalError("unknown type");
    },
  },
  values: {
    args: [OBJECT],
    handler: ([object], { budget }) => {
      budget.charge((object as JmesObject).size);
      return [...(object as JmesObject).values()];
    },
  },
};

function contains([subject, search]: JmesValue[], { budget }: FunctionContext): boolean {
  if (typeof subject === "string") {
    if (typeof search !== "string") return false;
    // Native, but a search can take several looks per character on adversarial text.
    budget.chargeScan(subject.length + search.length);
    return subject.includes(search);
  }
  const array = subject as JmesArray;
  budget.charge(array.length);
  return array.some((item) => deepEqual(item, search, budget));
}

function join([separator, list]: JmesValue[], { budget }: FunctionContext): string {
  const items = list as string[];
  const sep = separator as string;
  budget.charge(items.length);
  if (items.length === 0) return "";
  // UTF-16 units bound the UTF-8 size from below, three times them from above.
  let units = sep.length * (items.length - 1);
  for (const item of items) units += item.length;
  budget.checkStringBytes(units, true);
  if (units * 3 > budget.maxStringBytes) {
    let bytes = utf8Length(sep) * (items.length - 1);
    for (const item of items) {
      budget.chargeScan(item.length);
      bytes += utf8Length(item);
      if (bytes > budget.maxStringBytes) budget.checkStringBytes(bytes, true);
    }
  }
  budget.chargeChars(units);
  return items.join(sep);
}

/** `max` (direction 1) or `min` (-1) of numbers or strings; null for an empty array. */
function extreme(list: JmesValue, direction: 1 | -1, { budget }: FunctionContext): JmesValue {
  const items = list as (number | string)[];
  budget.charge(items.length);
  if (items.length === 0) return null;
  let best = items[0];
  for (let i = 1; i < items.length; i++) {
    if (better(items[i], best, direction, budget)) best = items[i];
  }
  return best;
}

/** Go's `item > best` (or `<`): false for NaN, strings by bytes. */
function better(
  item: number | string,
  best: number | string,
  direction: 1 | -1,
  budget: JmesBudget,
): boolean {
  if (typeof item === "number") {
    const other = best as number;
    return direction === 1 ? item > other : item < other;
  }
  const order = compareStrings(item, best as string, budget);
  return direction === 1 ? order > 0 : order < 0;
}

/** `max_by`/`min_by`: the first key decides the type every other key must have. */
function extremeBy(
  [list, reference]: JmesValue[],
  direction: 1 | -1,
  { budget, evaluate }: FunctionContext,
): JmesValue {
  const items = list as JmesArray;
  const node = (reference as JmesExpRef).node;
  if (items.length === 0) return null;
  if (items.length === 1) return items[0]; // Go returns it without evaluating its key
  budget.charge(items.length);
  const first = evaluate(node, items[0], budget);
  if (typeof first !== "number" && typeof first !== "string") {
    throw new JmesEvalError("invalid type, must be number of string");
  }
  let bestKey: number | string = first;
  let bestItem = items[0];
  for (let i = 1; i < items.length; i++) {
    const key = evaluate(node, items[i], budget);
    if (typeof key !== typeof first) {
      throw new JmesEvalError(`invalid type, must be ${typeof first}`);
    }
    if (better(key as number | string, bestKey, direction, budget)) {
      bestKey = key as number | string;
      bestItem = items[i];
    }
  }
  return bestItem;
}

/** `sort`: a new array, numbers by value (NaN first, as Go's Float64Slice), strings by bytes. */
function sort([list]: JmesValue[], { budget }: FunctionContext): JmesArray {
  const items = [...(list as (number | string)[])];
  budget.charge(items.length);
  if (items.length > 0 && typeof items[0] === "number") {
    const numbers = items as number[];
    return numbers.sort((a, b) => {
      budget.charge(1);
      if (a < b || (Number.isNaN(a) && !Number.isNaN(b))) return -1;
      if (b < a || (Number.isNaN(b) && !Number.isNaN(a))) return 1;
      return 0;
    });
  }
  return (items as string[]).sort((a, b) => {
    budget.charge(1);
    return compareStrings(a, b, budget);
  });
}

/**
 * `sort_by`: sorts the array itself, as Go's `sort.Stable` over it does. Keys
 * are computed once each (Go recomputes them in every comparison; the same
 * keys, so the same order, at a fraction of the work). With NaN keys the
 * order is not a strict weak order and depends on the algorithm, so Go's own
 * is used; otherwise any stable sort gives Go's result.
 */
function sortBy([list, reference]: JmesValue[], { budget, evaluate }: FunctionContext): JmesArray {
  const items = list as JmesArray;
  const node = (reference as JmesExpRef).node;
  if (items.length <= 1) return items;
  budget.charge(items.length);
  const keys: (number | string)[] = [];
  let hasNaN = false;
  for (const item of items) {
    const key = evaluate(node, item, budget);
    if (typeof key !== "number" && typeof key !== "string") {
      throw new JmesEvalError(
        keys.length === 0
          ? "invalid type, must be number of string"
          : "error in sort_by comparison",
      );
    }
    if (keys.length > 0 && typeof key !== typeof keys[0]) {
      throw new JmesEvalError("error in sort_by comparison");
    }
    if (Number.isNaN(key)) hasNaN = true;
    keys.push(key);
  }
  const less = (i: number, j: number): boolean => {
    const a = keys[i];
    const b = keys[j];
    if (typeof a === "number") return a < (b as number);
    return compareStrings(a, b as string, budget) < 0;
  };
  if (hasNaN) {
    goStableSort(items.length, {
      less: (i, j) => {
        budget.charge(1);
        return less(i, j);
      },
      swap: (i, j) => {
        budget.charge(1);
        [items[i], items[j]] = [items[j], items[i]];
        [keys[i], keys[j]] = [keys[j], keys[i]];
      },
    });
    return items;
  }
  const order = items.map((_, i) => i).sort((i, j) => {
    budget.charge(1);
    return less(i, j) ? -1 : less(j, i) ? 1 : 0;
  });
  const sorted = order.map((i) => items[i]);
  for (let i = 0; i < sorted.length; i++) items[i] = sorted[i];
  return items;
}

/** `text` with its code points in reverse order (pairs kept together). */
function reverseCodePoints(text: string): string {
  const units = new Uint16Array(text.length);
  let out = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff && i > 0) {
      const high = text.charCodeAt(i - 1);
      if (high >= 0xd800 && high <= 0xdbff) {
        units[out++] = high;
        units[out++] = unit;
        i--;
        continue;
      }
    }
    units[out++] = unit;
  }
  return utf16Decoder.decode(units);
}

// ignoreBOM keeps a leading U+FEFF, which is text here.
const utf16Decoder = new TextDecoder("utf-16le", { ignoreBOM: true });
