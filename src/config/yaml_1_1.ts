/**
 * YAML 1.1 as the Go provider reads it.
 *
 * The Go provider decodes the `objects` parameter with sigs.k8s.io/yaml, which
 * runs go-yaml v2 (YAML 1.1 scalar rules). We parse the syntax with npm:yaml,
 * keeping every scalar as text, and resolve plain scalars ourselves with go-yaml
 * v2's rules, so `0600` is the octal integer 384, `yes` is true and `2024-01-02`
 * is a timestamp, exactly as users of the Go provider have come to rely on.
 *
 * @module
 */

import { type Document, isAlias, isMap, isScalar, isSeq, type Node, parseAllDocuments } from "yaml";

/** A YAML mapping, kept as ordered pairs so that later duplicates can win. */
export class YamlMapping {
  /** The key/value pairs in document order (merge keys already expanded). */
  readonly entries: [YamlValue, YamlValue][] = [];
}

/** A YAML timestamp, kept as the RFC 3339 text Go's `time.Time` marshals to. */
export class YamlTimestamp {
  /** Creates a timestamp holding Go's JSON rendering of the time. */
  constructor(readonly rfc3339: string) {}
}

/**
 * A resolved YAML value: integers are `bigint` (go-yaml keeps 64 bits), floats
 * are `number`.
 */
export type YamlValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | YamlTimestamp
  | YamlValue[]
  | YamlMapping;

/** A YAML syntax error, with go-yaml's `yaml: line N: ...` wording. */
export class YamlSyntaxError extends Error {
  /** Creates the error from a message already in go-yaml's form. */
  constructor(message: string) {
    super(message);
    this.name = "YamlSyntaxError";
  }
}

/**
 * go-yaml v2's "billion laughs" guard: counts of decoded nodes, of nodes
 * decoded through an alias, and the alias nodes being expanded.
 */
interface DecodeBudget {
  decodes: number;
  aliased: number;
  expanding: Set<unknown>;
}

/** go-yaml v2's `allowedAliasRatio`: 99% for small documents, down to 10% for large ones. */
function allowedAliasRatio(decodes: number): number {
  if (decodes <= 400_000) return 0.99;
  if (decodes >= 4_000_000) return 0.10;
  return 0.99 - 0.89 * ((decodes - 400_000) / 3_600_000);
}

const STR_TAG = "tag:yaml.org,2002:str";
const BINARY_TAG = "tag:yaml.org,2002:binary";
const TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp";
const RESOLVABLE_TAGS = new Set(
  ["bool", "null", "int", "float", "timestamp"].map((name) => `tag:yaml.org,2002:${name}`),
);

/**
 * Parses the first YAML document of `source` with go-yaml v2's YAML 1.1 rules.
 * An empty document is `null`.
 *
 * @throws {YamlSyntaxError} when the document is not valid YAML.
 */
export function parseYaml11(source: string): YamlValue {
  const docs = parseAllDocuments(source, {
    version: "1.1",
    schema: "failsafe",
    uniqueKeys: false,
  });
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length === 0) return null;
  const doc = list[0] as Document.Parsed;
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const line = error.linePos?.[0]?.line;
    const text = error.message.split(" at line ")[0];
    throw new YamlSyntaxError(line === undefined ? `yaml: ${text}` : `yaml: line ${line}: ${text}`);
  }
  const versionWarning = doc.warnings.some((warning) => warning.message.includes("YAML version"));
  if (doc.directives?.yaml.explicit && (doc.directives.yaml.version !== "1.1" || versionWarning)) {
    // go-yaml v2 reads only `%YAML 1.1`; it names the directive's 0-based line, and omits line 0.
    const line = source.split("\n").findIndex((text) => text.startsWith("%YAML"));
    const where = line > 0 ? `line ${line}: ` : "";
    throw new YamlSyntaxError(`yaml: ${where}found incompatible YAML document`);
  }
  // The document node counts as one decode, as in go-yaml.
  const budget: DecodeBudget = { decodes: 1, aliased: 0, expanding: new Set() };
  return convert(doc.contents, doc, budget);
}

function convert(node: unknown, doc: Document.Parsed, budget: DecodeBudget): YamlValue {
  budget.decodes++;
  if (budget.expanding.size > 0) budget.aliased++;
  if (
    budget.aliased > 100 && budget.decodes > 1000 &&
    budget.aliased / budget.decodes > allowedAliasRatio(budget.decodes)
  ) {
    throw new YamlSyntaxError("yaml: document contains excessive aliasing");
  }
  if (node === null || node === undefined) return null;
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (target === undefined) {
      throw new YamlSyntaxError(`yaml: unknown anchor '${node.source}' referenced`);
    }
    if (budget.expanding.has(target)) {
      throw new YamlSyntaxError(`yaml: anchor '${node.source}' value contains itself`);
    }
    budget.expanding.add(target);
    try {
      return convert(target, doc, budget);
    } finally {
      budget.expanding.delete(target);
    }
  }
  if (isScalar(node)) {
    // A lone surrogate (from a `\ud800` escape) becomes U+FFFD, as in Go's UTF-8 strings.
    const text = node.value === null || node.value === undefined
      ? ""
      : String(node.value).toWellFormed();
    const plain = node.type === "PLAIN";
    if (node.tag === undefined) return plain ? resolveScalar(text) : text;
    if (node.tag === STR_TAG) return text;
    if (node.tag === BINARY_TAG) return decodeBinary(text);
    // go-yaml resolves only its own tags; any other tag leaves the text as is.
    return RESOLVABLE_TAGS.has(node.tag) ? resolveTagged(text, node.tag) : text;
  }
  if (isSeq(node)) {
    return node.items.map((item) => convert(item, doc, budget));
  }
  if (isMap(node)) {
    const mapping = new YamlMapping();
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      if (isScalar(key) && key.type === "PLAIN" && key.value === "<<") {
        // go-yaml decodes the maps of a merge sequence directly, last first, so earlier ones win.
        const sources = isSeq(pair.value)
          ? pair.value.items.map((item) => convert(item, doc, budget)).reverse()
          : [convert(pair.value, doc, budget)];
        for (const source of sources) mergeInto(mapping, source);
        continue;
      }
      mapping.entries.push([convert(key, doc, budget), convert(pair.value, doc, budget)]);
    }
    return mapping;
  }
  throw new YamlSyntaxError("yaml: unsupported node");
}

/** Applies one mapping of a `<<` merge key. */
function mergeInto(target: YamlMapping, source: YamlValue): void {
  if (!(source instanceof YamlMapping)) {
    throw new YamlSyntaxError("yaml: map merge requires map or sequence of maps as the value");
  }
  target.entries.push(...source.entries);
}

/** go-yaml v2's `!!binary`: standard base64 (line breaks ignored) decoded to a string. */
function decodeBinary(text: string): string {
  const base64 = text.replace(/[\r\n]/g, "");
  if (!/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(base64)) {
    throw new YamlSyntaxError("yaml: !!binary value contains invalid base64 data");
  }
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * go-yaml v2's `resolve` with an explicit tag: the text must resolve to that
 * tag (an integer is accepted as a float), else decoding fails.
 */
function resolveTagged(text: string, tag: string): YamlValue {
  const value = resolveScalar(text);
  const isTimestamp = tag === TIMESTAMP_TAG && parseTimestamp(text) !== undefined;
  const resolved = isTimestamp ? "timestamp" : resolvedTag(value);
  const wanted = tag.slice(tag.lastIndexOf(":") + 1);
  if (resolved === wanted) return value;
  if (
    wanted === "float" && typeof value === "bigint" && value >= INT64_MIN && value <= INT64_MAX
  ) {
    return Number(value);
  }
  throw new YamlSyntaxError(`yaml: cannot decode !!${resolved} \`${text}\` as a !!${wanted}`);
}

function resolvedTag(value: YamlValue): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float";
  }
  return "str";
}

const BOOL_TRUE = new Set([
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "true",
  "True",
  "TRUE",
  "on",
  "On",
  "ON",
]);
const BOOL_FALSE = new Set([
  "n",
  "N",
  "no",
  "No",
  "NO",
  "false",
  "False",
  "FALSE",
  "off",
  "Off",
  "OFF",
]);
const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const FLOAT_STYLE = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Resolves a plain scalar like go-yaml v2's `resolve`: bools (YAML 1.1
 * spellings), nulls, special floats, timestamps, integers (`0` prefix is octal,
 * `0x` hex, `0b` binary, `_` ignored), floats; everything else is a string.
 */
export function resolveScalar(text: string): YamlValue {
  if (BOOL_TRUE.has(text)) return true;
  if (BOOL_FALSE.has(text)) return false;
  if (NULLS.has(text)) return null;
  switch (text) {
    case ".nan":
    case ".NaN":
    case ".NAN":
      return NaN;
    case ".inf":
    case ".Inf":
    case ".INF":
    case "+.inf":
    case "+.Inf":
    case "+.INF":
      return Infinity;
    case "-.inf":
    case "-.Inf":
    case "-.INF":
      return -Infinity;
  }
  const first = text[0];
  if (first === ".") {
    const float = parseGoFloat(text);
    return float === undefined ? text : float;
  }
  if (first !== "+" && first !== "-" && !(first >= "0" && first <= "9")) return text;
  // go-yaml v2 hands a timestamp to an interface{} target (sigs.k8s.io/yaml's
  // first step) as its source text, so it stays a string.
  if (parseTimestamp(text) !== undefined) return text;
  const plain = text.replaceAll("_", "");
  const integer = parseGoInt(plain);
  if (integer !== undefined) return integer;
  if (FLOAT_STYLE.test(plain)) {
    const float = parseGoFloat(plain);
    if (float !== undefined) return float;
  }
  if (plain.startsWith("0b") || plain.startsWith("-0b")) {
    const negative = plain.startsWith("-");
    const digits = plain.slice(negative ? 3 : 2);
    if (/^[01]+$/.test(digits)) {
      const value = BigInt("0b" + digits) * (negative ? -1n : 1n);
      if (value >= INT64_MIN && value <= UINT64_MAX) return value;
    }
  }
  return text;
}

/** Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint(s, 0, 64)`. */
function parseGoInt(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(
    text,
  );
  if (match === null) return undefined;
  const [, sign, body] = match;
  let magnitude: bigint;
  if (/^0[xXbBoO]/.test(body)) {
    magnitude = BigInt(body.slice(0, 2).toLowerCase() + body.slice(2));
  } else if (body.length > 1 && body.startsWith("0")) {
    magnitude = BigInt("0o" + body.slice(1));
  } else {
    magnitude = BigInt(body);
  }
  const value = sign === "-" ? -magnitude : magnitude;
  if (sign === "-" ? value >= INT64_MIN : value <= INT64_MAX) return value;
  if (sign === "" && value <= UINT64_MAX) return value;
  return undefined;
}

/** Go's `strconv.ParseFloat(s, 64)` for the decimal forms YAML allows. */
function parseGoFloat(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  // Out of float64 range is a strconv range error: go-yaml then keeps the text.
  return Number.isFinite(value) ? value : undefined;
}

const TIMESTAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?)|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?))?$/;

/**
 * go-yaml v2's timestamp forms (`2006-1-2`, `2006-1-2T15:4:5Z07:00`,
 * `2006-1-2 15:4:5`), rendered as Go's `time.Time` JSON text.
 */
function parseTimestamp(text: string): YamlTimestamp | undefined {
  const match = TIMESTAMP.exec(text);
  if (match === null) return undefined;
  const [, year, month, day] = match;
  const hour = match[4] ?? match[9] ?? "0";
  const minute = match[5] ?? match[10] ?? "0";
  const second = match[6] ?? match[11] ?? "0";
  const fraction = (match[7] ?? match[12] ?? "").replace(/0+$/, "").replace(/^\.$/, "");
  const zone = match[8] ?? "Z";
  if (match[4] !== undefined && match[8] === undefined) return undefined; // T form needs a zone
  const parts = [Number(month), Number(day), Number(hour), Number(minute), Number(second)];
  const limits = [12, 31, 23, 59, 59];
  if (parts.some((part, i) => part > limits[i]) || parts[0] < 1 || parts[1] < 1) return undefined;
  const pad = (value: number) => String(value).padStart(2, "0");
  const date = `${year}-${pad(parts[0])}-${pad(parts[1])}`;
  const time = `${pad(parts[2])}:${pad(parts[3])}:${pad(parts[4])}${fraction}`;
  return new YamlTimestamp(`${date}T${time}${zone === "+00:00" ? "Z" : zone}`);
}
