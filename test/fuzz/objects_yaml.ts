/**
 * fast-check arbitraries for the `objects` parameter: lists of object specs
 * (mostly valid, with hostile names, aliases, modes and JMESPath entries,
 * keys in any case, wrong types, unknown keys, anchors, aliases and merge
 * keys) rendered as block or flow YAML with plain, quoted or JSON scalars;
 * plus token soup, deep nesting, alias bombs and mutated documents.
 *
 * @module
 */

import * as fc from "fast-check";
import {
  filePermission,
  fuzzName,
  HOSTILE_PIECES,
  hostileText,
  jmesExpression,
  sometimes,
  STRING_JMES,
} from "./arbitraries.ts";

/** A YAML node to render. */
export type YamlNode =
  | { kind: "scalar"; value: string | number | boolean | null }
  | { kind: "seq"; items: YamlNode[]; anchor?: string }
  | { kind: "map"; pairs: [string, YamlNode][]; anchor?: string }
  | { kind: "alias"; name: string };

/** An object that exists in the stores of a fuzzed mount. */
export interface PoolEntry {
  /** Secret or parameter name. */
  name: string;
  /** Its store. */
  type: "secretsmanager" | "ssmparameter";
  /** Whether its values are JSON documents (for JMESPath). */
  json: boolean;
}

/** How scalars are written. */
export type QuoteMode = "json" | "single" | "plain" | "mixed";

function scalar(value: string | number | boolean | null): YamlNode {
  return { kind: "scalar", value };
}

function renderScalar(value: string | number | boolean | null, quote: QuoteMode): string {
  if (typeof value !== "string") return String(value);
  // Mixed: plain where YAML 1.1 keeps it a string (no leading digit), else JSON.
  const mode = quote === "mixed"
    ? (/^[A-Za-z_./-][A-Za-z0-9_./-]*$/.test(value) ? "plain" : "json")
    : quote;
  if (mode === "json") return JSON.stringify(value);
  if (mode === "single") return `'${value.replaceAll("'", "''")}'`;
  return value;
}

function renderFlow(node: YamlNode, quote: QuoteMode): string {
  switch (node.kind) {
    case "scalar":
      return renderScalar(node.value, quote);
    case "alias":
      return `*${node.name}`;
    case "seq": {
      const anchor = node.anchor ? `&${node.anchor} ` : "";
      return `${anchor}[${node.items.map((item) => renderFlow(item, quote)).join(", ")}]`;
    }
    case "map": {
      const anchor = node.anchor ? `&${node.anchor} ` : "";
      const pairs = node.pairs.map(([key, value]) =>
        `${renderScalar(key, quote)}: ${renderFlow(value, quote)}`
      );
      return `${anchor}{${pairs.join(", ")}}`;
    }
  }
}

/** Block style; anchored, empty and aliased collections fall back to flow style. */
function renderBlock(node: YamlNode, indent: number, quote: QuoteMode): string[] {
  const pad = " ".repeat(indent);
  const flowish = node.kind === "scalar" || node.kind === "alias" || node.anchor !== undefined ||
    (node.kind === "seq" ? node.items.length === 0 : node.pairs.length === 0);
  if (flowish) return [`${pad}${renderFlow(node, quote)}`];
  if (node.kind === "seq") {
    return node.items.flatMap((item) => {
      const lines = renderBlock(item, indent + 2, quote);
      return [`${pad}- ${lines[0].slice(indent + 2)}`, ...lines.slice(1)];
    });
  }
  if (node.kind !== "map") return [];
  return node.pairs.flatMap(([key, value]) => {
    const head = `${pad}${renderScalar(key, quote)}:`;
    const nested = value.kind === "seq" || value.kind === "map";
    if (!nested || value.anchor !== undefined) {
      return [`${head} ${renderFlow(value, quote)}`];
    }
    const lines = renderBlock(value, indent + 2, quote);
    return lines.length === 1 && lines[0].trimStart().startsWith("[") ||
        lines.length === 1 && lines[0].trimStart().startsWith("{")
      ? [`${head} ${lines[0].trimStart()}`]
      : [head, ...lines];
  });
}

/** Renders `node` as a YAML document in block or flow style. */
export function renderYaml(node: YamlNode, style: "block" | "flow", quote: QuoteMode): string {
  return style === "flow" ? renderFlow(node, quote) : renderBlock(node, 0, quote).join("\n");
}

/** A key in one of the spellings Go's case-insensitive matching accepts (or a near miss). */
function keySpelling(name: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(name) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        name.toLowerCase(),
        name.toUpperCase(),
        name[0].toUpperCase() + name.slice(1),
        `${name} `,
        name.replace("e", "\u0435"),
      ),
    },
  );
}

/** A value of the wrong type, or a hostile string, where a string is expected. */
function oddValue(): fc.Arbitrary<YamlNode> {
  return fc.oneof(
    fc.constantFrom<YamlNode>(
      scalar(null),
      scalar(true),
      scalar(384),
      scalar(1.5),
      scalar(-0),
      { kind: "seq", items: [scalar("a")] },
      { kind: "map", pairs: [["a", scalar("b")]] },
      { kind: "seq", items: [] },
    ),
    hostileText().map(scalar),
  );
}

function optionalPair(
  key: string,
  value: fc.Arbitrary<YamlNode>,
  presence: number,
): fc.Arbitrary<[string, YamlNode] | null> {
  return sometimes(fc.tuple(keySpelling(key), value), presence).map((pair) => pair ?? null);
}

const SIMPLE_ALIASES = [
  "alias-a",
  "alias-b",
  "dir/file",
  "x.txt",
  "deep/er/path",
  "é",
  "with space",
];

function alias(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...SIMPLE_ALIASES) },
    { weight: 1, arbitrary: fuzzName([]) },
  );
}

function mapOf(pairs: ([string, YamlNode] | null)[]): YamlNode {
  return { kind: "map", pairs: pairs.filter((pair): pair is [string, YamlNode] => pair !== null) };
}

function jmesEntry(): fc.Arbitrary<YamlNode> {
  return fc.tuple(
    optionalPair("path", jmesExpression().map(scalar), 95),
    optionalPair("objectAlias", alias().map(scalar), 95),
    optionalPair("filePermission", filePermission().map(scalar), 30),
  ).map(mapOf);
}

/** One object spec for `target`, any field possibly hostile or of the wrong type. */
function hostileObjectNode(target: PoolEntry, pool: readonly PoolEntry[]): fc.Arbitrary<YamlNode> {
  const name = fc.oneof(
    { weight: 17, arbitrary: fc.constant(target.name).map(scalar) },
    { weight: 2, arbitrary: fuzzName(pool.map((p) => p.name)).map(scalar) },
    { weight: 1, arbitrary: oddValue() },
  );
  const type = fc.oneof(
    { weight: 17, arbitrary: fc.constant(target.type) },
    {
      weight: 3,
      arbitrary: fc.constantFrom("ssm", "", "SecretsManager", "secretsmanager ", ...HOSTILE_PIECES),
    },
  ).map(scalar);
  const version = fc.constantFrom("1", "2", "v-0", "v-1", "missing", "00000000-0000").map(scalar);
  const label = fc.constantFrom("AWSCURRENT", "AWSPREVIOUS", "label-a", "nope").map(scalar);
  const failover = fc.tuple(
    optionalPair("objectName", name, 90),
    optionalPair("objectVersion", version, 20),
    optionalPair("objectVersionLabel", label, 20),
  ).map(mapOf);
  return fc.tuple(
    fc.tuple(keySpelling("objectName"), name),
    optionalPair("objectType", type, 95),
    optionalPair("objectAlias", alias().map(scalar), 40),
    optionalPair("objectVersion", version, 10),
    optionalPair("objectVersionLabel", label, 10),
    optionalPair("filePermission", filePermission().map(scalar), 30),
    optionalPair(
      "jmesPath",
      fc.array(jmesEntry(), { maxLength: 3 }).map((items): YamlNode => ({ kind: "seq", items })),
      35,
    ),
    optionalPair("failoverObject", failover, 10),
    optionalPair("unknownField", oddValue(), 5),
    sometimes(fc.tuple(fc.constantFrom("objectname", "OBJECTTYPE", "objectalias"), oddValue()), 5)
      .map((pair) => pair ?? null),
  ).map((pairs) => mapOf(pairs));
}

/** A spelling of `name` Go matches case-insensitively. */
function caseSpelling(name: string): fc.Arbitrary<string> {
  return fc.constantFrom(name, name, name, name.toLowerCase(), name.toUpperCase());
}

/**
 * A valid object spec for `target` (number `index` of its list, which makes
 * its aliases unique): keys in any case, optional alias, pinned version,
 * file mode and, for JSON secrets, JMESPath entries that give strings.
 */
function cleanObjectNode(target: PoolEntry, index: number): fc.Arbitrary<YamlNode> {
  const pair = (key: string, value: fc.Arbitrary<string>, presence: number) =>
    sometimes(fc.tuple(caseSpelling(key), value.map(scalar)), presence).map((p) => p ?? null);
  const secrets = target.type === "secretsmanager";
  const pin = fc.constantFrom(
    ...(secrets
      ? [["objectVersion", "v-0"], ["objectVersionLabel", "AWSPREVIOUS"], [
        "objectVersionLabel",
        "AWSCURRENT",
      ]]
      : [["objectVersion", "1"], ["objectVersion", "2"], ["objectVersionLabel", "label-a"]]),
  );
  const mode = fc.integer({ min: 0, max: 0o777 }).map((m) => m.toString(8).padStart(4, "0"));
  const jmes = fc.array(
    fc.tuple(
      fc.constantFrom(...STRING_JMES),
      fc.constantFrom(...SIMPLE_ALIASES),
      sometimes(mode, 30),
    ),
    { maxLength: 3 },
  ).map((entries): YamlNode => ({
    kind: "seq",
    items: entries.map(([path, jmesAlias, jmesMode], j) =>
      mapOf([
        ["path", scalar(path)],
        ["objectAlias", scalar(`${jmesAlias}-${index}-${j}`)],
        jmesMode === undefined ? null : ["filePermission", scalar(jmesMode)],
      ])
    ),
  }));
  return fc.tuple(
    fc.tuple(caseSpelling("objectName"), fc.constant(scalar(target.name))),
    fc.tuple(caseSpelling("objectType"), fc.constant(scalar(target.type))),
    pair("objectAlias", fc.constantFrom(...SIMPLE_ALIASES).map((a) => `${a}-${index}`), 40),
    sometimes(pin, 20).map((p) =>
      p === undefined ? null : [p[0], scalar(p[1])] as [string, YamlNode]
    ),
    pair("filePermission", mode, 30),
    target.json
      ? sometimes(fc.tuple(caseSpelling("jmesPath"), jmes), 60).map((p) => p ?? null)
      : fc.constant(null),
  ).map((pairs) => mapOf(pairs));
}

/** A list of hostile object specs, sometimes with null or scalar items, anchors, aliases and merges. */
function hostileObjectList(pool: readonly PoolEntry[]): fc.Arbitrary<YamlNode> {
  const entry = pool.length > 0
    ? fc.constantFrom(...pool)
    : fc.constant<PoolEntry>({ name: "x", type: "secretsmanager", json: false });
  const twists = ["alias", "merge", "null", "scalar", "map"];
  return fc.tuple(
    fc.array(entry.chain((target) => hostileObjectNode(target, pool)), {
      minLength: 1,
      maxLength: 4,
    }),
    fc.constantFrom("none", "none", "none", "none", "none", ...twists),
  ).map(([items, twist]): YamlNode => {
    const anchored = { ...(items[0] as { kind: "map"; pairs: [string, YamlNode][] }), anchor: "o" };
    switch (twist) {
      case "alias":
        return { kind: "seq", items: [anchored, { kind: "alias", name: "o" }, ...items.slice(1)] };
      case "merge":
        return {
          kind: "seq",
          items: [
            anchored,
            mapOf([["<<", { kind: "alias", name: "o" }], [
              "objectAlias",
              scalar("merged"),
            ]]),
          ],
        };
      case "null":
        return { kind: "seq", items: [...items, scalar(null)] };
      case "scalar":
        return { kind: "seq", items: [...items, scalar("just a string")] };
      case "map":
        return items[0];
      default:
        return { kind: "seq", items };
    }
  });
}

/** A valid list: distinct pool objects with simple names, each once. */
function cleanObjectList(pool: readonly PoolEntry[]): fc.Arbitrary<YamlNode> {
  const simple = pool.filter((entry) => /^[a-z/][a-z./-]*$/.test(entry.name));
  const byName = [...new Map(simple.map((entry) => [entry.name, entry])).values()];
  if (byName.length === 0) return hostileObjectList(pool);
  return fc.shuffledSubarray(byName, { minLength: 1 }).chain((targets) =>
    fc.tuple(...targets.map((target, index) => cleanObjectNode(target, index)))
      .map((items): YamlNode => ({ kind: "seq", items }))
  );
}

/** An object list: valid for `pool` unless `hostile`. */
export function objectList(pool: readonly PoolEntry[], hostile: boolean): fc.Arbitrary<YamlNode> {
  return hostile ? hostileObjectList(pool) : cleanObjectList(pool);
}

const SOUP = [
  "- ",
  "-",
  ": ",
  ":",
  "\n",
  "\n  ",
  "  ",
  "\t",
  "{",
  "}",
  "[",
  "]",
  ", ",
  "&a ",
  "*a",
  "*b",
  "<<: ",
  "!!str ",
  "!!binary ",
  "!!map ",
  "!local ",
  "|\n",
  ">-\n",
  "'",
  '"',
  "# c",
  "---\n",
  "...\n",
  "? ",
  "%YAML 1.1\n",
  "%TAG ! tag:x,2000:\n",
  "objectName",
  "objectType",
  "objectAlias",
  "jmesPath",
  "path",
  "secretsmanager",
  "ssmparameter",
  "\\u0000",
  "\0",
  "\ufeff",
];

/** Random YAML-ish token soup. */
export function yamlSoup(): fc.Arbitrary<string> {
  return fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...SOUP) },
      { weight: 1, arbitrary: hostileText() },
    ),
    { maxLength: 40 },
  ).map((parts) => parts.join(""));
}

/** Deeply nested flow or block collections. */
export function deepYaml(): fc.Arbitrary<string> {
  return fc.tuple(
    fc.constantFrom("flow-seq", "flow-map", "block-seq", "block-map"),
    fc.integer({ min: 10, max: 2_000 }),
  ).map(([shape, depth]) => {
    switch (shape) {
      case "flow-seq":
        return `${"[".repeat(depth)}${"]".repeat(depth)}`;
      case "flow-map":
        return `${"{a: ".repeat(depth)}b${"}".repeat(depth)}`;
      case "block-seq":
        return Array.from({ length: Math.min(depth, 300) }, (_, i) => `${" ".repeat(i * 2)}- `)
          .join("\n") + "x";
      default:
        return Array.from({ length: Math.min(depth, 300) }, (_, i) => `${" ".repeat(i)}k${i}:`)
          .join("\n") + " x";
    }
  });
}

/** "Billion laughs": `levels` anchors each referring `width` times to the previous one. */
export function aliasBomb(): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 2, max: 12 })).map((
    [levels, width],
  ) => {
    const lines = [`l0: &l0 [${Array(width).fill("x").join(", ")}]`];
    for (let level = 1; level < levels; level++) {
      lines.push(`l${level}: &l${level} [${Array(width).fill(`*l${level - 1}`).join(", ")}]`);
    }
    lines.push(`objects: [*l${levels - 1}]`);
    return lines.join("\n");
  });
}

/** Deletes, duplicates or inserts characters of `text` at random positions. */
export function mutated(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(
    text,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom("delete", "insert", "double")), {
      minLength: 1,
      maxLength: 4,
    }),
    fc.constantFrom(...SOUP),
  ).map(([source, edits, insert]) => {
    let result = source;
    for (const [at, edit] of edits) {
      const index = result.length === 0 ? 0 : at % result.length;
      if (edit === "delete") result = result.slice(0, index) + result.slice(index + 1);
      if (edit === "insert") result = result.slice(0, index) + insert + result.slice(index);
      if (edit === "double") result = result.slice(0, index) + result.slice(index - 1);
    }
    return result;
  });
}

/** An object list for `pool` rendered in any style (plain scalars only when `hostile`). */
export function renderedObjects(
  pool: readonly PoolEntry[],
  hostile: boolean,
): fc.Arbitrary<string> {
  const quotes: QuoteMode[] = hostile
    ? ["json", "mixed", "single", "plain"]
    : ["json", "mixed", "single"];
  return fc.tuple(
    objectList(pool, hostile),
    fc.constantFrom<"block" | "flow">("block", "flow"),
    fc.constantFrom(...quotes),
  ).map(([node, style, quote]) => renderYaml(node, style, quote));
}

/**
 * An `objects` text: a valid list for `pool`, or (when `hostile`) mostly
 * hostile lists, some token soup, deep nesting, alias bombs and mutants.
 */
export function objectsDocument(
  pool: readonly PoolEntry[],
  hostile: boolean,
): fc.Arbitrary<string> {
  if (!hostile) return renderedObjects(pool, false);
  return fc.oneof(
    { weight: 12, arbitrary: renderedObjects(pool, true) },
    { weight: 2, arbitrary: mutated(renderedObjects(pool, true)) },
    { weight: 2, arbitrary: yamlSoup() },
    { weight: 1, arbitrary: deepYaml() },
    { weight: 1, arbitrary: aliasBomb() },
  );
}
