/**
 * The JMESPath interpreter: go-jmespath's tree interpreter, node type by
 * node type, with every step charged to a {@linkcode JmesBudget} before it
 * is taken (1 per node visited, 1 per element iterated or produced). Where
 * go-jmespath departs from the specification the Go provider's results are
 * kept: errors on the left of `[]`, `[?…]` and `.*` give null instead of
 * failing, and `.*` over an object yields as many nulls as the object has
 * keys before its values (Go builds that list with `make(n)` and then
 * appends). Recursion follows the expression tree only (bounded by its
 * length); values are never walked recursively.
 *
 * @module
 */

import type { JmesBudget } from "./cost.ts";
import { callFunction } from "./functions.ts";
import type { JmesNode } from "./parse.ts";
import {
  deepEqual,
  isFalse,
  type JmesArray,
  JmesEvalError,
  JmesExpRef,
  type JmesValue,
} from "./value.ts";

/**
 * Evaluates `node` against `value`.
 *
 * @throws {JmesEvalError} where go-jmespath returns an error or panics.
 * @throws {LimitError} when the work budget or the value limit is passed.
 * @example
 * ```ts
 * evaluateJmes(parseJmes("a[0]"), new Map([["a", ["x"]]]), budget); // "x"
 * ```
 */
export function evaluateJmes(node: JmesNode, value: JmesValue, budget: JmesBudget): JmesValue {
  budget.charge(1);
  switch (node.type) {
    case "comparator": {
      const left = evaluateJmes(node.left, value, budget);
      const right = evaluateJmes(node.right, value, budget);
      if (node.op === "==") return deepEqual(left, right, budget);
      if (node.op === "!=") return !deepEqual(left, right, budget);
      if (typeof left !== "number" || typeof right !== "number") return null;
      switch (node.op) {
        case "<":
          return left < right;
        case "<=":
          return left <= right;
        case ">":
          return left > right;
        default:
          return left >= right;
      }
    }
    case "expref":
      return new JmesExpRef(node.child);
    case "function": {
      const args = node.args.map((arg) => evaluateJmes(arg, value, budget));
      if (node.name === undefined) {
        // Go's type assertion on the callee's value panics.
        throw new JmesEvalError("the function name is not a string");
      }
      return callFunction(node.name, args, { budget, evaluate: evaluateJmes });
    }
    case "field":
      return value instanceof Map ? value.get(node.name) ?? null : null;
    case "filterProjection": {
      const left = evaluateOrNull(node.left, value, budget);
      if (!Array.isArray(left)) return null;
      budget.charge(left.length);
      const collected: JmesArray = [];
      for (const element of left) {
        if (isFalse(evaluateJmes(node.condition, element, budget))) continue;
        const current = evaluateJmes(node.right, element, budget);
        if (current !== null) collected.push(current);
      }
      return collected;
    }
    case "flatten": {
      const left = evaluateOrNull(node.child, value, budget);
      if (!Array.isArray(left)) return null;
      budget.charge(left.length);
      let total = 0;
      for (const element of left) total += Array.isArray(element) ? element.length : 1;
      budget.charge(total);
      const flattened: JmesArray = [];
      for (const element of left) {
        if (Array.isArray(element)) {
          for (const inner of element) flattened.push(inner);
        } else {
          flattened.push(element);
        }
      }
      return flattened;
    }
    case "identity":
    case "current":
      return value;
    case "index": {
      if (!Array.isArray(value)) return null;
      const index = node.index < 0 ? node.index + value.length : node.index;
      return index >= 0 && index < value.length ? value[index] : null;
    }
    case "keyValPair":
      return evaluateJmes(node.child, value, budget);
    case "literal":
      return node.value;
    case "multiSelectHash": {
      if (value === null) return null;
      const collected = new Map<string, JmesValue>();
      for (const pair of node.pairs) {
        const current = evaluateJmes(pair, value, budget);
        collected.set((pair as { key: string }).key, current);
      }
      return collected;
    }
    case "multiSelectList":
      if (value === null) return null;
      return node.children.map((child) => evaluateJmes(child, value, budget));
    case "or": {
      const matched = evaluateJmes(node.left, value, budget);
      return isFalse(matched) ? evaluateJmes(node.right, value, budget) : matched;
    }
    case "and": {
      const matched = evaluateJmes(node.left, value, budget);
      return isFalse(matched) ? matched : evaluateJmes(node.right, value, budget);
    }
    case "not":
      return isFalse(evaluateJmes(node.child, value, budget));
    case "pipe":
    case "subexpression":
    case "indexExpression":
      return evaluateJmes(node.right, evaluateJmes(node.left, value, budget), budget);
    case "projection": {
      const left = evaluateJmes(node.left, value, budget);
      if (!Array.isArray(left)) return null;
      return project(left, node.right, budget);
    }
    case "slice":
      return Array.isArray(value) ? slice(value, node, budget) : null;
    case "valueProjection": {
      const left = evaluateOrNull(node.left, value, budget);
      if (!(left instanceof Map)) return null;
      // Go: values := make([]interface{}, len(m)), then appends the values.
      const values: JmesArray = new Array(left.size).fill(null);
      budget.charge(2 * left.size);
      for (const element of left.values()) values.push(element);
      return project(values, node.right, budget);
    }
    case "empty":
      throw new JmesEvalError("Unknown AST node: ASTEmpty");
  }
}

/** Evaluates `node`, an error giving null (go-jmespath's left side of `[]`, `[?…]` and `.*`). */
function evaluateOrNull(node: JmesNode, value: JmesValue, budget: JmesBudget): JmesValue {
  try {
    return evaluateJmes(node, value, budget);
  } catch (error) {
    if (!(error instanceof JmesEvalError)) throw error;
    // A throw and its unwinding cost about a microsecond; one expression can do it once per element.
    budget.charge(CAUGHT_ERROR_STEPS);
    return null;
  }
}

/** Steps of an evaluation error caught and turned into null. */
const CAUGHT_ERROR_STEPS = 30;

function project(elements: JmesArray, right: JmesNode, budget: JmesBudget): JmesArray {
  budget.charge(elements.length);
  const collected: JmesArray = [];
  for (const element of elements) {
    const current = evaluateJmes(right, element, budget);
    if (current !== null) collected.push(current);
  }
  return collected;
}

/** go-jmespath's slice: Python-like bounds, step 0 an error. */
function slice(
  array: JmesArray,
  node: { start: number | null; stop: number | null; step: number | null },
  budget: JmesBudget,
): JmesArray {
  const length = array.length;
  if (node.step === 0) throw new JmesEvalError("Invalid slice, step cannot be 0");
  const step = node.step ?? 1;
  const cap = (n: number) => {
    if (n < 0) {
      n += length;
      if (n < 0) n = step < 0 ? -1 : 0;
    } else if (n >= length) {
      n = step < 0 ? length - 1 : length;
    }
    return n;
  };
  const start = node.start === null ? (step < 0 ? length - 1 : 0) : cap(node.start);
  const stop = node.stop === null ? (step < 0 ? -1 : length) : cap(node.stop);
  const count = step > 0
    ? Math.max(0, Math.ceil((stop - start) / step))
    : Math.max(0, Math.ceil((start - stop) / -step));
  budget.charge(count);
  const result: JmesArray = [];
  if (step > 0) {
    for (let i = start; i < stop; i += step) result.push(array[i]);
  } else {
    for (let i = start; i > stop; i += step) result.push(array[i]);
  }
  return result;
}
