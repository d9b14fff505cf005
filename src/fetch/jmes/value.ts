/**
 * The values a JMESPath evaluation works on, shaped like go-jmespath's: what
 * Go's `json.Unmarshal` makes of a secret (`nil`, `bool`, `float64`,
 * `string`, `[]interface{}`, `map[string]interface{}`) plus the expression
 * references that `&expr` evaluates to. Objects are `Map`s (no prototype
 * keys, any key allowed); arrays are plain arrays shared between values, as
 * Go shares slices, so a structure that doubles at each step stays small in
 * memory and only its traversals cost.
 *
 * @module
 */

import type { JmesBudget } from "./cost.ts";
import type { JmesNode } from "./parse.ts";

/** An `&expression` value (go-jmespath's `expRef`). */
export class JmesExpRef {
  /** Wraps the referenced expression. */
  constructor(readonly node: JmesNode) {}
}

/** A JSON object: keys in insertion order (Go's order is random; any order is one Go can give). */
export type JmesObject = Map<string, JmesValue>;

/** A JSON array (shared, never copied when passed on). */
export type JmesArray = JmesValue[];

/** Any value of an evaluation. */
export type JmesValue =
  | null
  | boolean
  | number
  | string
  | JmesArray
  | JmesObject
  | JmesExpRef;

/** Whether `value` is a JSON object. */
export function isJmesObject(value: JmesValue): value is JmesObject {
  return value instanceof Map;
}

/**
 * JMESPath falsiness as go-jmespath decides it: `false`, null, and empty
 * strings, arrays and objects. Numbers (0 and NaN too) and expression
 * references are true.
 */
export function isFalse(value: JmesValue): boolean {
  if (value === null || value === false || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  if (value instanceof Map) return value.size === 0;
  return false;
}

/** A unit from U+D800 on: only there do UTF-16 order and code point order part. */
const HIGH_UNIT = /[\ud800-\uffff]/;

/**
 * Orders two strings as Go does (by UTF-8 bytes, which is code point order),
 * not as JavaScript's `<` does (UTF-16 units, which puts U+E000–U+FFFF after
 * astral characters). The orders differ only where one string has a
 * surrogate and the other a unit from U+E000 at their first difference, so
 * when either string has no unit from U+D800 the native comparison is used.
 *
 * @param budget charged for the units read: native work, or a loop of ours
 *   when both strings have units from U+D800.
 * @returns negative, zero or positive.
 */
export function compareStrings(a: string, b: string, budget?: JmesBudget): number {
  const length = Math.min(a.length, b.length);
  if (!HIGH_UNIT.test(a) || !HIGH_UNIT.test(b)) {
    budget?.chargeChars(a.length + b.length);
    return a === b ? 0 : a < b ? -1 : 1;
  }
  budget?.chargeScan(length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** A UTF-16 unit's rank in code point order: surrogates (astral) above the rest of the BMP. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Code points in `text` (what Go's `utf8.RuneCountInString` counts). */
export function codePointLength(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/**
 * An evaluation error: go-jmespath returns an error (or panics) here. Not an
 * `Error`: go-jmespath turns some errors into null (the left side of `[]`,
 * `[?…]`, `.*`), so one expression can throw and catch one per element, and
 * making an `Error` costs microseconds (its stack, even an empty one), far
 * more than the steps charged for it. It never leaves the evaluator:
 * extraction turns it into Go's "Invalid JMES Path" error.
 */
export class JmesEvalError {
  /** Creates the error. */
  constructor(readonly message: string) {}
}

/**
 * Deep equality as go-jmespath's `reflect.DeepEqual`: numbers by value (NaN
 * is unequal to itself, -0 equals 0), arrays element by element, objects by
 * their key sets and values, expression references by their trees. A value
 * shared between both sides is equal at once and a pair of containers is
 * compared once, as Go remembers visited pairs, so a doubled structure is
 * compared in steps proportional to its distinct nodes. Iterative: deep
 * values cannot overflow the stack.
 *
 * @param budget charged 1 step per container entry and per string block compared.
 */
export function deepEqual(a: JmesValue, b: JmesValue, budget: JmesBudget): boolean {
  const left: JmesValue[] = [a];
  const right: JmesValue[] = [b];
  // The partner (or partners) each container was compared with.
  let seen: Map<object, object> | undefined;
  budget.charge(1);
  while (left.length > 0) {
    const x = left.pop()!;
    const y = right.pop()!;
    if (typeof x === "string") {
      if (typeof y !== "string" || x.length !== y.length) return false;
      budget.chargeChars(2 * x.length);
      if (x !== y) return false;
      continue;
    }
    if (x === y) continue;
    if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
    if (x instanceof JmesExpRef) {
      if (!(y instanceof JmesExpRef) || !sameNode(x.node, y.node, budget)) return false;
      continue;
    }
    seen ??= new Map();
    const partner = seen.get(x);
    if (partner === y || (partner instanceof PartnerSet && partner.has(y))) continue;
    budget.charge(PAIR_STEPS);
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false;
      budget.charge(x.length);
      for (let i = 0; i < x.length; i++) {
        left.push(x[i]);
        right.push(y[i]);
      }
    } else {
      if (!(y instanceof Map) || x.size !== y.size) return false;
      budget.charge(x.size);
      for (const [key, value] of x) {
        if (!y.has(key)) return false;
        left.push(value);
        right.push(y.get(key)!);
      }
    }
    if (partner === undefined) seen.set(x, y);
    else if (partner instanceof PartnerSet) partner.add(y);
    else seen.set(x, new PartnerSet([partner, y]));
  }
  return true;
}

/** Steps of comparing two containers besides their entries: the memo of compared pairs. */
const PAIR_STEPS = 2;

/** Several partners of one container (a plain Set could be a value being compared). */
class PartnerSet extends Set<object> {}

/** Whether two expression trees are the same (what DeepEqual finds for two `expRef`s). */
function sameNode(a: JmesNode, b: JmesNode, budget: JmesBudget): boolean {
  budget.charge(1);
  if (a.type !== b.type) return false;
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  for (const key of Object.keys(x)) {
    const p = x[key];
    const q = y[key];
    if (key === "value") {
      if (!deepEqual(p as JmesValue, q as JmesValue, budget)) return false;
    } else if (Array.isArray(p)) {
      const list = q as JmesNode[];
      if (p.length !== list.length) return false;
      for (let i = 0; i < p.length; i++) if (!sameNode(p[i], list[i], budget)) return false;
    } else if (typeof p === "object" && p !== null) {
      if (!sameNode(p as JmesNode, q as JmesNode, budget)) return false;
    } else if (!Object.is(p, q) && !(p === 0 && q === 0)) {
      return false;
    }
  }
  return true;
}
