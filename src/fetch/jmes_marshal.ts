/**
 * `to_string` of a non-string value: Go's `json.Marshal` (keys sorted by
 * bytes, `<`, `>`, `&`, U+2028 and U+2029 escaped, Go's number format, NaN
 * and infinities refused, an expression reference as `{}`), sized before it
 * is built. A value made by doubling shares its halves, so the size is
 * counted once per distinct array or object (a memo over shared subtrees)
 * and the count stops as soon as it passes the value limit; only a string
 * that fits is then written.
 *
 * @module
 */

import type { JmesBudget } from "./jmes_cost.ts";
import { formatGoJsonNumber } from "./jmes_go_number.ts";
import {
  compareStrings,
  type JmesArray,
  JmesEvalError,
  type JmesObject,
  type JmesValue,
} from "./jmes_value.ts";

/** What writing a value takes. */
interface Size {
  /** UTF-8 bytes of its JSON. */
  bytes: number;
  /** Values in its tree (shared subtrees counted each time they appear). */
  nodes: number;
}

/** Sorted keys of each object met while sizing (sorted once, written many times). */
type SortedKeys = Map<JmesObject, string[]>;

/**
 * The JSON text Go's `json.Marshal` gives for `value`.
 *
 * @throws {LimitError} when the text would be over the value limit, or
 *   sizing and writing it would pass the work budget.
 * @throws {JmesEvalError} for NaN and infinities (Go's UnsupportedValueError).
 */
export function marshalGoJson(value: JmesValue, budget: JmesBudget): string {
  const sortedKeys: SortedKeys = new Map();
  const size = measure(value, budget, sortedKeys);
  budget.checkStringBytes(size.bytes);
  budget.charge(size.nodes);
  budget.chargeChars(size.bytes);
  return write(value, sortedKeys);
}

/** Size of one scalar's JSON. */
function scalarSize(value: JmesValue, budget: JmesBudget): number {
  if (value === null || value === true) return 4;
  if (value === false) return 5;
  if (typeof value === "number") return numberText(value).length;
  if (typeof value === "string") {
    budget.chargeChars(value.length);
    return quotedSize(value);
  }
  return 2; // an expression reference: a struct without exported fields, `{}`
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new JmesEvalError(`json: unsupported value: ${value}`);
  return formatGoJsonNumber(value);
}

interface Frame {
  container: JmesArray | JmesObject;
  children: JmesValue[];
  /** Object keys, sorted; undefined for an array. */
  keys: string[] | undefined;
  next: number;
  bytes: number;
  nodes: number;
}

/** Sizes `root`, each distinct container once, stopping once over the value limit. */
function measure(root: JmesValue, budget: JmesBudget, sortedKeys: SortedKeys): Size {
  const max = budget.maxStringBytes;
  const memo = new Map<object, Size>();
  const stack: Frame[] = [];
  const open = (container: JmesArray | JmesObject): Frame => {
    if (Array.isArray(container)) {
      budget.charge(1 + container.length);
      const commas = Math.max(0, container.length - 1);
      return {
        container,
        children: container,
        keys: undefined,
        next: 0,
        bytes: 2 + commas,
        nodes: 1,
      };
    }
    const keys = [...container.keys()];
    budget.charge(1 + keys.length + keys.length * Math.ceil(Math.log2(keys.length + 1)));
    keys.sort(compareStrings);
    sortedKeys.set(container, keys);
    let bytes = 2 + Math.max(0, keys.length - 1) + keys.length; // braces, commas, colons
    for (const key of keys) {
      budget.chargeChars(key.length);
      bytes += quotedSize(key);
    }
    const children = keys.map((key) => container.get(key)!);
    return { container, children, keys, next: 0, bytes, nodes: 1 };
  };
  const sizeOf = (value: JmesValue): Size | undefined => {
    if (Array.isArray(value) || value instanceof Map) return memo.get(value);
    return { bytes: scalarSize(value, budget), nodes: 1 };
  };

  let result = sizeOf(root);
  if (result !== undefined) return result;
  stack.push(open(root as JmesArray | JmesObject));
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next < frame.children.length) {
      const child = frame.children[frame.next];
      const size = sizeOf(child);
      if (size === undefined) {
        stack.push(open(child as JmesArray | JmesObject));
        continue;
      }
      frame.next++;
      frame.bytes += size.bytes;
      frame.nodes += size.nodes;
      if (frame.bytes > max) budget.checkStringBytes(frame.bytes, true);
      continue;
    }
    stack.pop();
    result = { bytes: frame.bytes, nodes: frame.nodes };
    memo.set(frame.container, result);
    const parent = stack[stack.length - 1];
    if (parent !== undefined) {
      parent.next++;
      parent.bytes += result.bytes;
      parent.nodes += result.nodes;
      if (parent.bytes > max) budget.checkStringBytes(parent.bytes, true);
    }
  }
  return result!;
}

/** Punctuation on the write stack (never confused with a string value). */
class Raw {
  constructor(readonly text: string) {}
}

const OPEN_ARRAY = new Raw("[");
const CLOSE_ARRAY = new Raw("]");
const OPEN_OBJECT = new Raw("{");
const CLOSE_OBJECT = new Raw("}");
const COMMA = new Raw(",");

/** Writes `root` (already sized, so within the limits); iterative for deep values. */
function write(root: JmesValue, sortedKeys: SortedKeys): string {
  const parts: string[] = [];
  const stack: (JmesValue | Raw)[] = [root];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item instanceof Raw) {
      parts.push(item.text);
    } else if (Array.isArray(item)) {
      stack.push(CLOSE_ARRAY);
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i]);
        if (i > 0) stack.push(COMMA);
      }
      parts.push(OPEN_ARRAY.text);
    } else if (item instanceof Map) {
      const keys = sortedKeys.get(item)!;
      stack.push(CLOSE_OBJECT);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push(item.get(keys[i])!);
        stack.push(new Raw(`${quote(keys[i])}:`));
        if (i > 0) stack.push(COMMA);
      }
      parts.push(OPEN_OBJECT.text);
    } else if (typeof item === "string") {
      parts.push(quote(item));
    } else if (typeof item === "number") {
      parts.push(numberText(item));
    } else if (item === null || typeof item === "boolean") {
      parts.push(String(item));
    } else {
      parts.push("{}");
    }
  }
  return parts.join("");
}

/** Characters Go escapes in a JSON string (with HTML escaping on, as `json.Marshal` has). */
// deno-lint-ignore no-control-regex -- control characters are exactly what Go escapes
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029]/;

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** `text` as a Go JSON string. */
export function quote(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const unit = text.charCodeAt(i);
    const escape = SHORT_ESCAPES[c] ??
      (unit < 0x20 || c === "<" || c === ">" || c === "&" || unit === 0x2028 || unit === 0x2029
        ? `\\u${unit.toString(16).padStart(4, "0")}`
        : undefined);
    if (escape === undefined) continue;
    out += text.slice(start, i) + escape;
    start = i + 1;
  }
  return out + text.slice(start) + '"';
}

/** UTF-8 bytes of `quote(text)`, without building it. */
export function quotedSize(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      if (unit < 0x20) {
        bytes += unit === 8 || unit === 9 || unit === 10 || unit === 12 || unit === 13 ? 2 : 6;
      } else if (unit === 0x22 || unit === 0x5c) {
        bytes += 2;
      } else if (unit === 0x3c || unit === 0x3e || unit === 0x26) {
        bytes += 6;
      } else {
        bytes += 1;
      }
    } else if (unit < 0x800) {
      bytes += 2;
    } else if (unit === 0x2028 || unit === 0x2029) {
      bytes += 6;
    } else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    } else {
      bytes += 3;
    }
  }
  return bytes;
}
