/**
 * What our YAML parser and the Go provider make of a document, in one
 * comparable form: go-yaml's `interface{}` value (or error) and
 * sigs.k8s.io/yaml's descriptors (or error). Mappings take Go map semantics
 * (a later equal key replaces an earlier one; NaN never equals itself) and
 * are sorted, since Go's map order is random.
 *
 * @module
 */

import type { GoYamlValue, YamlOracleResult } from "../../devstack/go_oracle/yaml/oracle.ts";
import { decodeObjects, ObjectsDecodeError } from "../../src/config/mod.ts";
import {
  parseYaml11,
  type YamlMapping,
  YamlSyntaxError,
  YamlTimestamp,
  type YamlValue,
} from "../../src/gocompat/mod.ts";
import { type Limit, LimitError } from "../../src/limits/mod.ts";

/** A value in comparable form (plain JSON). */
export type Canonical =
  | null
  | boolean
  | string
  | Canonical[]
  | { int: string }
  | { float: string }
  | { map: [Canonical, Canonical][] }
  | { other: string };

/** One side's outcome for a document. */
export interface Outcome {
  /** The value, or `{ error }`. */
  value: Canonical | { error: string };
  /** The descriptors (nulls for null items), or `{ error }`. */
  objects: unknown;
  /** Go only: every error it gave for the descriptors over several runs (random map order). */
  objectsErrors?: string[];
}

function limit(max: number): Limit {
  return { max, unit: "units", flag: "none" };
}

/** Budgets far above anything go-yaml accepts, so that only go-yaml's own rules apply. */
const NO_LIMITS = { nodes: limit(10_000_000), depth: limit(100_000), aliases: limit(10_000_000) };

function floatText(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  return Object.is(x, -0) ? "-0" : String(x);
}

/** Go's float text (`1e+06`, `-0`, `NaN`) in the form {@linkcode floatText} gives. */
function goFloatText(text: string): string {
  return text === "NaN" || text === "+Inf" || text === "-Inf" ? text : floatText(Number(text));
}

function sortPairs(pairs: [Canonical, Canonical][]): [Canonical, Canonical][] {
  const text = (pair: [Canonical, Canonical]) => JSON.stringify(pair);
  return pairs.sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
}

/** Our value in comparable form, with Go map semantics for mappings. */
export function canonicalOurs(value: YamlValue): Canonical {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "bigint") return { int: String(value) };
  if (typeof value === "number") return { float: floatText(value) };
  if (value instanceof YamlTimestamp) return { other: `time ${value.rfc3339}` };
  if (Array.isArray(value)) return value.map(canonicalOurs);
  const byKey = new Map<string, [Canonical, Canonical]>();
  let nans = 0;
  for (const [key, item] of (value as YamlMapping).entries) {
    const canonicalKey = canonicalOurs(key);
    // Go's == on interface keys: -0 equals 0, NaN equals nothing.
    const id = typeof key === "number" && Number.isNaN(key)
      ? `nan ${nans++}`
      : JSON.stringify(typeof key === "number" && key === 0 ? { float: "0" } : canonicalKey);
    byKey.set(id, [canonicalKey, canonicalOurs(item)]);
  }
  return { map: sortPairs([...byKey.values()]) };
}

/** Go's value in comparable form. */
export function canonicalGo(value: GoYamlValue): Canonical {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(canonicalGo);
  if ("float" in value) return { float: goFloatText(value.float) };
  if ("map" in value) {
    return { map: sortPairs(value.map.map(([k, v]) => [canonicalGo(k), canonicalGo(v)])) };
  }
  return value;
}

/** Descriptors with Go's nil slices (JSON null) as empty lists, as ours are. */
function normalizeObjects(objects: unknown): unknown {
  if (objects === null || objects === undefined) return [];
  return (objects as (Record<string, unknown> | null)[]).map((object) =>
    object === null ? null : { ...object, jmesPath: object.jmesPath ?? [] }
  );
}

function errorText(error: unknown): string {
  if (error instanceof YamlSyntaxError || error instanceof ObjectsDecodeError) return error.message;
  if (error instanceof LimitError) return `limit: ${error.message}`;
  return `unexpected ${(error as Error)?.name}: ${(error as Error)?.message}`;
}

/** What our parser (without budgets) and `decodeObjects` make of `document`. */
export function ourOutcome(document: string): Outcome {
  let value: Outcome["value"];
  try {
    value = canonicalOurs(parseYaml11(document, NO_LIMITS));
  } catch (error) {
    value = { error: errorText(error) };
  }
  let objects: unknown;
  try {
    objects = normalizeObjects(decodeObjects(document));
  } catch (error) {
    objects = { error: errorText(error) };
  }
  return { value, objects };
}

/** The oracle's answer in the same form. */
export function goOutcome(result: YamlOracleResult): Outcome {
  if (result.panic !== undefined) {
    return { value: { error: `panic ${result.panic}` }, objects: { error: "panic" } };
  }
  return {
    value: result.valueError !== undefined
      ? { error: result.valueError }
      : canonicalGo(result.value),
    objects: result.objectsError !== undefined
      ? { error: result.objectsError }
      : normalizeObjects(result.objects),
    objectsErrors: result.objectsErrors,
  };
}
