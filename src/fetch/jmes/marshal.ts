/**
 * `to_string` of a non-string value: Go's `json.Marshal` (keys sorted by
 * bytes, `<`, `>`, `&`, U+2028 and U+2029 escaped, Go's number format, NaN
 * and infinities refused, an expression reference as `{}`), sized before it
 * is built. A value made by doubling shares its halves, so the size is
 * counted once per distinct array or object (a memo over shared subtrees)
 * and the count stops as soon as it passes the value limit; only a string
 * that fits is then written. Both passes are iterative, for deep values.
 *
 * @module
 */

import type { JmesBudget } from "./cost.ts";
import { formatGoJsonNumber } from "./go_number.ts";
import {
  compareStrings,
  type JmesArray,
  JmesEvalError,
  type JmesObject,
  type JmesValue,
} from "./value.ts";

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
  budget.charge(CALL_STEPS);
  const sortedKeys: SortedKeys = new Map();
  const size = measure(value, budget, sortedKeys);
  budget.checkStringBytes(size.bytes);
  // Writing visits every node of the tree (shared ones each time) and escapes its strings.
  budget.charge(2 * size.nodes);
  budget.chargeScan(size.bytes);
  return write(value, sortedKeys);
}

/** Steps of one call besides its nodes: the memo, the key table and the parts to join. */
const CALL_STEPS = 12;

/** Steps of sizing one distinct container besides its children: a frame and a memo entry. */
const CONTAINER_STEPS = 3;

/** Size of one scalar's JSON. */
function scalarSize(value: JmesValue, budget: JmesBudget): number {
  if (value === null || value === true) return 4;
  if (value === false) return 5;
  if (typeof value === "number") return numberText(value).length;
  if (typeof value === "string") {
    budget.chargeScan(value.length);
    return quotedSize(value);
  }
  return 2; // an expression reference: a struct without exported fields, `{}`
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new JmesEvalError(`json: unsupported value: ${value}`);
  return formatGoJsonNumber(value);
}

/** A container being sized or written. */
interface Frame {
  container: JmesArray | JmesObject;
  /** Sorted keys of an object; undefined for an array. */
  keys: string[] | undefined;
  /** Next child. */
  next: number;
  bytes: number;
  nodes: number;
}

function childAt(frame: Frame, index: number): JmesValue {
  return frame.keys === undefined
    ? (frame.container as JmesArray)[index]
    : (frame.container as JmesObject).get(frame.keys[index])!;
}

function childCount(frame: Frame): number {
  return frame.keys === undefined ? (frame.container as JmesArray).length : frame.keys.length;
}

/** Sizes `root`, each distinct container once, stopping once over the value limit. */
function measure(root: JmesValue, budget: JmesBudget, sortedKeys: SortedKeys): Size {
  if (!Array.isArray(root) && !(root instanceof Map)) {
    return { bytes: scalarSize(root, budget), nodes: 1 };
  }
  const max = budget.maxStringBytes;
  const memo = new Map<object, Size>();
  const open = (container: JmesArray | JmesObject): Frame => {
    if (Array.isArray(container)) {
      budget.charge(CONTAINER_STEPS + container.length);
      const bytes = 2 + Math.max(0, container.length - 1); // brackets and commas
      return { container, keys: undefined, next: 0, bytes, nodes: 1 };
    }
    budget.charge(CONTAINER_STEPS + container.size);
    const keys = [...container.keys()];
    if (keys.length > 1) keys.sort((a, b) => compareStrings(a, b, budget));
    sortedKeys.set(container, keys);
    let bytes = 2 + Math.max(0, keys.length - 1) + keys.length; // braces, commas, colons
    for (const key of keys) {
      budget.chargeScan(key.length);
      bytes += quotedSize(key);
    }
    return { container, keys, next: 0, bytes, nodes: 1 };
  };
  const stack: Frame[] = [open(root)];
  let result: Size = { bytes: 0, nodes: 0 };
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    let size: Size | undefined;
    if (frame.next < childCount(frame)) {
      const child = childAt(frame, frame.next);
      if (Array.isArray(child) || child instanceof Map) {
        size = memo.get(child);
        if (size === undefined) {
          stack.push(open(child));
          continue;
        }
      } else {
        frame.bytes += scalarSize(child, budget);
        frame.nodes++;
        frame.next++;
        if (frame.bytes > max) budget.checkStringBytes(frame.bytes, true);
        continue;
      }
    } else {
      stack.pop();
      result = { bytes: frame.bytes, nodes: frame.nodes };
      memo.set(frame.container, result);
      size = result;
    }
    const parent = stack[stack.length - 1];
    if (parent === undefined) break;
    parent.next++;
    parent.bytes += size.bytes;
    parent.nodes += size.nodes;
    if (parent.bytes > max) budget.checkStringBytes(parent.bytes, true);
  }
  return result;
}

/** Writes `root` (already sized, so within the limits); iterative for deep values. */
function write(root: JmesValue, sortedKeys: SortedKeys): string {
  const parts: string[] = [];
  const writeScalar = (value: JmesValue) => {
    if (typeof value === "string") parts.push(quote(value));
    else if (typeof value === "number") parts.push(numberText(value));
    else if (value === null || typeof value === "boolean") parts.push(String(value));
    else parts.push("{}");
  };
  const open = (container: JmesArray | JmesObject): Frame => {
    const keys = Array.isArray(container) ? undefined : sortedKeys.get(container)!;
    parts.push(keys === undefined ? "[" : "{");
    return { container, keys, next: 0, bytes: 0, nodes: 0 };
  };
  if (!Array.isArray(root) && !(root instanceof Map)) {
    writeScalar(root);
    return parts[0];
  }
  const stack: Frame[] = [open(root)];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next >= childCount(frame)) {
      parts.push(frame.keys === undefined ? "]" : "}");
      stack.pop();
      continue;
    }
    const index = frame.next++;
    if (index > 0) parts.push(",");
    if (frame.keys !== undefined) parts.push(quote(frame.keys[index]), ":");
    const child = childAt(frame, index);
    if (Array.isArray(child) || child instanceof Map) stack.push(open(child));
    else writeScalar(child);
  }
  return parts.join("");
}

/** Characters Go escapes in a JSON string (with HTML escaping on, as `json.Marshal` has). */
// deno-lint-ignore no-control-regex -- control characters are exactly what Go escapes
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029]/;

const HEX = "0123456789abcdef";

/** The letter of a two-character escape, by code unit. */
const SHORT_ESCAPE: Record<number, number> = {
  0x22: 0x22, // \"
  0x5c: 0x5c, // \\
  0x08: 0x62, // \b
  0x0c: 0x66, // \f
  0x0a: 0x6e, // \n
  0x0d: 0x72, // \r
  0x09: 0x74, // \t
};

/** UTF-16 units that Go writes as `\u00XX` (or `\u2028`, `\u2029`). */
function needsLongEscape(unit: number): boolean {
  return unit < 0x20 || unit === 0x3c || unit === 0x3e || unit === 0x26 || unit === 0x2028 ||
    unit === 0x2029;
}

// ignoreBOM keeps a leading U+FEFF, which is text here.
const utf16 = new TextDecoder("utf-16le", { ignoreBOM: true });

/** `text` as a Go JSON string. */
export function quote(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  let length = text.length + 2;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (SHORT_ESCAPE[unit] !== undefined) length += 1;
    else if (needsLongEscape(unit)) length += 5;
  }
  const out = new Uint16Array(length);
  let at = 0;
  out[at++] = 0x22;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const letter = SHORT_ESCAPE[unit];
    if (letter !== undefined) {
      out[at++] = 0x5c;
      out[at++] = letter;
    } else if (needsLongEscape(unit)) {
      out[at++] = 0x5c;
      out[at++] = 0x75; // u
      out[at++] = HEX.charCodeAt(unit >> 12);
      out[at++] = HEX.charCodeAt((unit >> 8) & 0xf);
      out[at++] = HEX.charCodeAt((unit >> 4) & 0xf);
      out[at++] = HEX.charCodeAt(unit & 0xf);
    } else {
      out[at++] = unit;
    }
  }
  out[at] = 0x22;
  return utf16.decode(out);
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
