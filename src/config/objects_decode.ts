/**
 * Decoding of the `objects` parameter into object specs, the way the Go
 * provider's `yaml.Unmarshal` into `[]*SecretDescriptor` does it.
 *
 * sigs.k8s.io/yaml converts YAML to JSON guided by the target type (scalars in
 * string fields become strings: `0600` → `"384"`, `yes` → `"true"`), then Go's
 * `encoding/json` matches keys case-insensitively in byte-sorted key order
 * (the last spelling wins), ignores unknown keys, leaves fields untouched on
 * `null`, and reports the first type error.
 *
 * @module
 */

import {
  formatFloat32,
  goSyntax,
  parseYaml11Steps,
  type YamlLimits,
  YamlMapping,
  YamlSyntaxError,
  YamlTimestamp,
  type YamlValue,
} from "../gocompat/mod.ts";
import { runSteps, type Steps } from "../limits/mod.ts";

/** One `jmesPath` entry of an object. */
export interface JmesPathSpec {
  /** The JMESPath expression. */
  path: string;
  /** The file name for the extracted value. */
  objectAlias: string;
  /** Optional 4-digit octal mode for the file. */
  filePermission: string;
  /** How the extracted value is encoded (`utf-8`, `base64`, `hex`); absent when not given. */
  objectEncoding?: string;
}

/** The `failoverObject` of an object: overrides used in the failover region. */
export interface FailoverObjectSpec {
  /** Secret or parameter name (or ARN) in the failover region. */
  objectName: string;
  /** Version id (Secrets Manager) or number (SSM) in the failover region. */
  objectVersion: string;
  /** Version stage (Secrets Manager) or label (SSM) in the failover region. */
  objectVersionLabel: string;
}

/** One entry of the `objects` list, fields as the user wrote them. */
export interface ObjectSpec {
  /** Secret or parameter name or ARN. */
  objectName: string;
  /** File name override. */
  objectAlias: string;
  /** Version id (Secrets Manager) or number (SSM). */
  objectVersion: string;
  /** Version stage (Secrets Manager) or label (SSM). */
  objectVersionLabel: string;
  /** `secretsmanager` or `ssmparameter`; optional with an ARN. */
  objectType: string;
  /** Optional 4-digit octal mode for the file. */
  filePermission: string;
  /** Values to extract from a JSON secret into files of their own. */
  jmesPath: JmesPathSpec[];
  /** Overrides for the failover region. */
  failoverObject: FailoverObjectSpec;
  /** How the value is encoded (`utf-8`, `base64`, `hex`); absent when not given. */
  objectEncoding?: string;
  /**
   * Selector fields (`path`, `recursive`, `namePrefix`, `tags`): read only for
   * an entry without `objectName` (which the Go provider refuses), so that
   * every class the Go provider accepts decodes as it did there.
   */
  selector?: SelectorSpec;
}

/** The selector fields of an entry without `objectName`, as written. */
export interface SelectorSpec {
  /** SSM path whose parameters are mounted. */
  path?: string;
  /** `recursive` as written (Go `ParseBool` text). */
  recursive?: string;
  /** Secrets Manager name prefix. */
  namePrefix?: string;
  /** Secrets Manager tags (key, value), sorted by key, each key once. */
  tags?: [string, string][];
  /** The first field of the wrong type (`tags must be a map of tag keys to values`). */
  problem?: string;
}

/** The `objects` text could not be decoded; the message is the Go wording. */
export class ObjectsDecodeError extends Error {
  /** Creates the error with the text that follows `Failed to load SecretProviderClass: `. */
  constructor(message: string) {
    super(message);
    this.name = "ObjectsDecodeError";
  }
}

type FieldType =
  | { kind: "string" }
  | { kind: "struct"; schema: StructSchema }
  | { kind: "slice"; schema: StructSchema }
  | { kind: "selector"; field: keyof Omit<SelectorSpec, "problem"> };

interface StructSchema {
  /** Go type name, as in error messages (`SecretDescriptor`). */
  name: string;
  /** JSON field names and types, in declaration order. */
  fields: [string, FieldType][];
  /** A fresh zero value. */
  zero(): Record<string, unknown>;
}

const STRING: FieldType = { kind: "string" };

const JMES_SCHEMA: StructSchema = {
  name: "JMESPathEntry",
  fields: [
    ["path", STRING],
    ["objectAlias", STRING],
    ["filePermission", STRING],
    ["objectEncoding", STRING],
  ],
  zero: () => ({ path: "", objectAlias: "", filePermission: "" }),
};

const FAILOVER_SCHEMA: StructSchema = {
  name: "FailoverObjectEntry",
  fields: [["objectName", STRING], ["objectVersion", STRING], ["objectVersionLabel", STRING]],
  zero: () => ({ objectName: "", objectVersion: "", objectVersionLabel: "" }),
};

const DESCRIPTOR_SCHEMA: StructSchema = {
  name: "SecretDescriptor",
  fields: [
    ["objectName", STRING],
    ["objectAlias", STRING],
    ["objectVersion", STRING],
    ["objectVersionLabel", STRING],
    ["objectType", STRING],
    ["filePermission", STRING],
    ["jmesPath", { kind: "slice", schema: JMES_SCHEMA }],
    ["failoverObject", { kind: "struct", schema: FAILOVER_SCHEMA }],
    ["objectEncoding", STRING],
    ["path", { kind: "selector", field: "path" }],
    ["recursive", { kind: "selector", field: "recursive" }],
    ["namePrefix", { kind: "selector", field: "namePrefix" }],
    ["tags", { kind: "selector", field: "tags" }],
  ],
  zero: () => ({
    objectName: "",
    objectAlias: "",
    objectVersion: "",
    objectVersionLabel: "",
    objectType: "",
    filePermission: "",
    jmesPath: [],
    failoverObject: FAILOVER_SCHEMA.zero(),
  }),
};

function goTypeName(type: FieldType): string {
  switch (type.kind) {
    case "string":
      return "string";
    case "struct":
      return `provider.${type.schema.name}`;
    case "slice":
      return `[]provider.${type.schema.name}`;
    case "selector":
      return type.field === "tags" ? "map[string]string" : "string";
  }
}

/**
 * Decodes the `objects` parameter. A `null` entry (a bare `-`) stays `null`
 * so that validation can report it in list order.
 *
 * @throws {ObjectsDecodeError} with the Go library's wording.
 */
export function decodeObjects(
  source: string,
  options: { limits?: YamlLimits } = {},
): (ObjectSpec | null)[] {
  return runSteps(decodeObjectsSteps(source, options));
}

/** {@linkcode decodeObjects} as steps that may pause while the YAML is read. */
export function* decodeObjectsSteps(
  source: string,
  options: { limits?: YamlLimits } = {},
): Steps<(ObjectSpec | null)[]> {
  let value: YamlValue;
  try {
    value = yield* parseYaml11Steps(source, options.limits);
  } catch (error) {
    if (error instanceof YamlSyntaxError) {
      throw new ObjectsDecodeError(`error converting YAML to JSON: ${error.message}`);
    }
    throw error;
  }
  yield;
  const unsupported = unsupportedJsonValue(value, { kind: "slice", schema: DESCRIPTOR_SCHEMA });
  if (unsupported !== undefined) {
    throw new ObjectsDecodeError(`error converting YAML to JSON: ${unsupported}`);
  }
  const decoder = new Decoder();
  const result = decoder.list(value);
  if (decoder.firstError !== undefined) {
    throw new ObjectsDecodeError(
      `error unmarshaling JSON: while decoding JSON: ${decoder.firstError}`,
    );
  }
  return result;
}

/**
 * sigs.k8s.io/yaml's YAML to JSON step over the whole document: a refused map
 * key anywhere fails first (thrown by `keyString`); then `json.Marshal` fails
 * on the first NaN or infinity (in sorted key order) that is not turned into
 * text by a string field.
 */
function unsupportedJsonValue(value: YamlValue, target: FieldType | undefined): string | undefined {
  let first: string | undefined;
  const walk = (node: YamlValue, type: FieldType | undefined): void => {
    if (typeof node === "number" && !Number.isFinite(node) && type?.kind !== "string") {
      first ??= `json: unsupported value: ${
        Number.isNaN(node) ? "NaN" : node > 0 ? "+Inf" : "-Inf"
      }`;
    } else if (Array.isArray(node)) {
      const element: FieldType | undefined = type?.kind === "slice"
        ? { kind: "struct", schema: type.schema }
        : undefined;
      for (const item of node) walk(item, element);
    } else if (node instanceof YamlMapping) {
      const byKey = new Map<string, YamlValue>();
      for (const [key, item] of node.entries) byKey.set(keyString(key, item), item);
      for (const key of [...byKey.keys()].sort(compareBytes)) {
        const field = type?.kind === "struct"
          ? type.schema.fields.find(([name]) => name.toLowerCase() === foldName(key))
          : undefined;
        // Selector fields convert like unknown keys: the Go provider has no such fields.
        walk(byKey.get(key)!, field?.[1].kind === "selector" ? undefined : field?.[1]);
      }
    }
  };
  walk(value, target);
  return first;
}

/** Go's name for the JSON kind a YAML value turns into without a string target. */
function jsonKind(value: YamlValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof YamlMapping) return "object";
  if (value instanceof YamlTimestamp) return "string";
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "string":
      return "string";
  }
  return "number";
}

/** The JSON object key sigs.k8s.io/yaml makes of a YAML key (null and uint64 keys are refused). */
function keyString(key: YamlValue, value: YamlValue): string {
  if (typeof key === "string") return key;
  if (key === null || (typeof key === "bigint" && key > 2n ** 63n - 1n)) {
    throw new ObjectsDecodeError(
      `error converting YAML to JSON: unsupported map key of type: ${
        key === null ? "%!s(<nil>)" : "uint64"
      }, key: ${goSyntax(key)}, value: ${goSyntax(value)}`,
    );
  }
  if (typeof key === "boolean" || typeof key === "bigint") return String(key);
  if (typeof key === "number") return formatFloat32(key);
  if (key instanceof YamlTimestamp) return key.rfc3339;
  throw new ObjectsDecodeError(
    "error converting YAML to JSON: yaml: invalid map key: " + goSyntax(key),
  );
}

/**
 * A key folded for encoding/json's case-insensitive field match: besides
 * ASCII case, Go folds the Kelvin sign onto `k` and the long s (ſ) onto `s`.
 */
function foldName(key: string): string {
  return key.replaceAll("\u017f", "s").toLowerCase();
}

/**
 * Go's byte order of two strings' UTF-8 forms, without encoding them. UTF-8
 * byte order is code point order; equal leading code units are skipped, then
 * the strings are compared code point by code point (a lone surrogate counts
 * as U+FFFD, as it is encoded).
 */
export function compareBytes(a: string, b: string): number {
  let i = 0;
  const length = Math.min(a.length, b.length);
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i > 0 && isHighSurrogate(a.charCodeAt(i - 1))) i--; // start of the code point
  let j = i;
  while (i < a.length && j < b.length) {
    const x = codePointAt(a, i);
    const y = codePointAt(b, j);
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return (a.length - i) - (b.length - j);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/** The code point at `index` (a lone surrogate is U+FFFD). */
function codePointAt(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  if (unit < 0xd800 || unit > 0xdfff) return unit;
  const next = text.charCodeAt(index + 1);
  if (isHighSurrogate(unit) && next >= 0xdc00 && next <= 0xdfff) {
    return (unit - 0xd800) * 0x400 + (next - 0xdc00) + 0x10000;
  }
  return 0xfffd;
}

/** Decodes with Go semantics, remembering the first type error like Go does. */
class Decoder {
  firstError: string | undefined;

  #typeError(kind: string, type: string, context?: { struct: string; fields: string[] }) {
    if (this.firstError !== undefined) return;
    this.firstError = context === undefined
      ? `json: cannot unmarshal ${kind} into Go value of type ${type}`
      : `json: cannot unmarshal ${kind} into Go struct field ${context.struct}.${
        context.fields.join(".")
      } of type ${type}`;
  }

  list(value: YamlValue): (ObjectSpec | null)[] {
    if (value === null) return [];
    if (!Array.isArray(value)) {
      this.#typeError(jsonKind(value), "[]*provider.SecretDescriptor");
      return [];
    }
    return value.map((item) => {
      if (item === null) return null;
      if (!(item instanceof YamlMapping)) {
        this.#typeError(jsonKind(item), "provider.SecretDescriptor");
        return DESCRIPTOR_SCHEMA.zero() as unknown as ObjectSpec;
      }
      const target = DESCRIPTOR_SCHEMA.zero();
      this.#struct(item, target, DESCRIPTOR_SCHEMA, []);
      // An entry with a name is an object as the Go provider knows it: selector fields are ignored.
      if (target.objectName !== "") delete target.selector;
      return target as unknown as ObjectSpec;
    });
  }

  #struct(
    mapping: YamlMapping,
    target: Record<string, unknown>,
    schema: StructSchema,
    path: string[],
  ): void {
    // A YAML mapping becomes a Go map first: later duplicate keys replace earlier ones.
    const byKey = new Map<string, YamlValue>();
    for (const [key, value] of mapping.entries) byKey.set(keyString(key, value), value);
    // JSON marshalling of that map sorts the keys; encoding/json then applies them in order.
    const keys = [...byKey.keys()].sort(compareBytes);
    for (const key of keys) {
      const field = schema.fields.find(([name]) => name === key) ??
        schema.fields.find(([name]) => name.toLowerCase() === foldName(key));
      if (field === undefined) continue;
      const [name, type] = field;
      const context = { struct: schema.name, fields: [...path, name] };
      this.#field(byKey.get(key)!, target, name, type, context);
    }
  }

  #field(
    value: YamlValue,
    target: Record<string, unknown>,
    name: string,
    type: FieldType,
    context: { struct: string; fields: string[] },
  ): void {
    if (type.kind === "selector") {
      selectorField(value, target, type.field);
      return;
    }
    if (type.kind === "string") {
      if (value === null) return;
      const text = scalarText(value);
      if (text === undefined) {
        this.#typeError(jsonKind(value), "string", context);
        return;
      }
      target[name] = text;
      return;
    }
    if (type.kind === "struct") {
      if (value === null) return;
      if (!(value instanceof YamlMapping)) {
        this.#typeError(jsonKind(value), goTypeName(type), context);
        return;
      }
      this.#struct(value, target[name] as Record<string, unknown>, type.schema, context.fields);
      return;
    }
    if (value === null) {
      target[name] = [];
      return;
    }
    if (!Array.isArray(value)) {
      this.#typeError(jsonKind(value), goTypeName(type), context);
      return;
    }
    // Like encoding/json, decode into the elements already there (an earlier spelling of the key).
    const previous = target[name] as Record<string, unknown>[];
    target[name] = value.map((item, index) => {
      const element = previous[index] ?? type.schema.zero();
      if (item === null) return element;
      if (!(item instanceof YamlMapping)) {
        this.#typeError(jsonKind(item), `provider.${type.schema.name}`, context);
        return element;
      }
      this.#struct(item, element, type.schema, context.fields);
      return element;
    });
  }
}

/**
 * Reads one selector field into `target.selector` without Go type errors (an
 * entry with `objectName` ignores them, as the Go provider ignores unknown
 * keys); a value of the wrong type is remembered for validation.
 */
function selectorField(
  value: YamlValue,
  target: Record<string, unknown>,
  field: keyof Omit<SelectorSpec, "problem">,
): void {
  if (value === null) return;
  const selector = (target.selector ??= {}) as SelectorSpec;
  if (field !== "tags") {
    const text = scalarText(value);
    if (text === undefined) selector.problem ??= `${field} must be a string`;
    else selector[field] = text;
    return;
  }
  if (!(value instanceof YamlMapping)) {
    selector.problem ??= "tags must be a map of tag keys to values";
    return;
  }
  const tags = new Map<string, string>();
  for (const [key, item] of value.entries) {
    const text = item === null ? "" : scalarText(item);
    if (text === undefined) {
      selector.problem ??= "tags must be a map of tag keys to values";
      return;
    }
    tags.set(keyString(key, item), text);
  }
  selector.tags = [...tags].sort(([a], [b]) => compareBytes(a, b));
}

/** The string a YAML scalar becomes in a Go string field, per sigs.k8s.io/yaml. */
function scalarText(value: YamlValue): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (typeof value === "number") return formatFloat32(value);
  if (value instanceof YamlTimestamp) return value.rfc3339;
  return undefined;
}
