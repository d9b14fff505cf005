// Hostile `objects` YAML against the provider's default budgets (50,000
// nodes, 32 levels, 1,000 aliases), and every construct go-yaml v2 accepts.
// Values and go-yaml errors were checked through devstack/go_oracle/yaml.
import assert from "node:assert/strict";
import { type Limit, LimitError, mountLimits } from "../../limits/mod.ts";
import {
  objectsYamlLimits,
  parseYaml11,
  YamlMapping,
  YamlSyntaxError,
  type YamlValue,
} from "./parse.ts";

function failure(source: string, limits = objectsYamlLimits()): Error {
  try {
    parseYaml11(source, limits);
  } catch (error) {
    assert.ok(error instanceof YamlSyntaxError || error instanceof LimitError, String(error));
    return error;
  }
  assert.fail("parseYaml11 did not throw");
}

function limitHit(source: string, limits = objectsYamlLimits()): Limit {
  const error = failure(source, limits);
  assert.ok(error instanceof LimitError, error.message);
  return error.limit;
}

function pairs(value: YamlValue): [YamlValue, YamlValue][] {
  assert.ok(value instanceof YamlMapping);
  return value.entries;
}

/** A flow list of `count` scalars: `count + 1` nodes. */
function flowList(count: number): string {
  return `[${Array(count).fill("a").join(",")}]`;
}

Deno.test("the default budgets are the provider's", () => {
  const limits = objectsYamlLimits();
  assert.deepEqual(
    [limits.nodes.max, limits.depth.max, limits.aliases.max],
    [50_000, 32, 1_000],
  );
  assert.deepEqual(
    [limits.nodes.flag, limits.depth.flag, limits.aliases.flag],
    ["max-objects-nodes", "max-objects-depth", "max-objects-aliases"],
  );
});

Deno.test("nodes: 49,999 and 50,000 are accepted, 50,001 is refused", () => {
  assert.equal((parseYaml11(flowList(49_998)) as YamlValue[]).length, 49_998);
  assert.equal((parseYaml11(flowList(49_999)) as YamlValue[]).length, 49_999);
  const error = failure(flowList(50_000));
  assert.ok(error instanceof LimitError);
  assert.equal(
    error.message,
    "the objects YAML has more nodes than allowed; the limit is 50000 nodes " +
      "(provider flag --max-objects-nodes)",
  );
});

Deno.test("nodes: block lines count like flow items", () => {
  assert.equal((parseYaml11("- a\n".repeat(49_999)) as YamlValue[]).length, 49_999);
  assert.equal(limitHit("- a\n".repeat(50_000)).flag, "max-objects-nodes");
});

Deno.test("depth: 31 and 32 levels are accepted, 33 are refused, in flow and block style", () => {
  const flow = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
  const block = (depth: number) =>
    Array.from({ length: depth }, (_, i) => `${"  ".repeat(i)}k:`).join("\n") + " x";
  for (const depth of [31, 32]) {
    assert.doesNotThrow(() => parseYaml11(flow(depth)));
    assert.doesNotThrow(() => parseYaml11(block(depth)));
  }
  const error = failure(flow(33));
  assert.ok(error instanceof LimitError);
  assert.equal(
    error.message,
    "the objects YAML is nested deeper than allowed; the limit is 32 levels " +
      "(provider flag --max-objects-depth)",
  );
  assert.equal(limitHit(block(33)).flag, "max-objects-depth");
});

Deno.test("depth: nesting of thousands of levels is refused at level 33, whatever follows", () => {
  assert.equal(limitHit(`${"[".repeat(100_000)}`).flag, "max-objects-depth");
  assert.equal(limitHit(`${"- ".repeat(5_000)}x`).flag, "max-objects-depth");
});

Deno.test("depth: an alias nested where it is used counts its value's levels", () => {
  const nested = (depth: number, inner: string) => "[".repeat(depth) + inner + "]".repeat(depth);
  const source = (outer: number) => `- &a ${nested(15, "x")}\n- ${nested(outer, "*a")}`;
  // The list, then `outer` levels, then the alias's 15.
  assert.doesNotThrow(() => parseYaml11(source(16)));
  assert.equal(limitHit(source(17)).flag, "max-objects-depth");
});

Deno.test("aliases: 999 and 1,000 are accepted, 1,001 are refused", () => {
  const source = (count: number) => `- &a x\n${"- *a\n".repeat(count)}`;
  assert.equal((parseYaml11(source(999)) as YamlValue[]).length, 1_000);
  assert.equal((parseYaml11(source(1_000)) as YamlValue[]).length, 1_001);
  const error = failure(source(1_001));
  assert.ok(error instanceof LimitError);
  assert.equal(
    error.message,
    "the objects YAML has more aliases than allowed; the limit is 1000 aliases " +
      "(provider flag --max-objects-aliases)",
  );
});

Deno.test("an alias bomb is go-yaml's excessive aliasing", () => {
  const levels = ["a: &l0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 9; i++) levels.push(`l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`)}]`);
  assert.equal(failure(levels.join("\n")).message, "yaml: document contains excessive aliasing");
});

Deno.test("aliasing go-yaml allows is still held to the node budget as it expands", () => {
  // 999 copies of a 51-node list: under 99% aliased, over 50,000 nodes.
  const source = `a: &a ${flowList(50)}\nb: [${Array(999).fill("*a").join(", ")}]`;
  assert.equal(limitHit(source).flag, "max-objects-nodes");
});

Deno.test("budgets are checked before a syntax error further on is reached", () => {
  assert.equal(limitHit(`${flowList(60_000).slice(0, -1)}, {`).flag, "max-objects-nodes");
});

Deno.test("scalars of 256 KiB are parsed whole in every style", () => {
  const text = "s".repeat(256 * 1024);
  assert.deepEqual(parseYaml11(`- ${text}`), [text]);
  assert.deepEqual(parseYaml11(`- '${text}'`), [text]);
  assert.deepEqual(parseYaml11(`- "${text}"`), [text]);
  assert.deepEqual(parseYaml11(`- >-\n  ${text}`), [text]);
});

Deno.test("a key over 1,024 characters is not a key, as in go-yaml", () => {
  assert.equal(
    failure(`- ${"k".repeat(2_000)}: v`).message,
    "yaml: mapping values are not allowed in this context",
  );
});

Deno.test("go-yaml's own depth limit of 10,000 flow levels applies under a larger budget", () => {
  const limits = { ...objectsYamlLimits(), depth: { max: 50_000, unit: "levels", flag: "x" } };
  assert.equal(failure("[".repeat(10_001), limits).message, "yaml: exceeded max depth of 10000");
});

Deno.test("a byte order mark, CRLF line ends and tabs after indicators", () => {
  assert.deepEqual(pairs(parseYaml11("\ufeffa:\tb\r\nc: [d,\te]\r\n")), [["a", "b"], [
    "c",
    ["d", "e"],
  ]]);
});

Deno.test("every construct go-yaml accepts, in one document", () => {
  const source = [
    "%YAML 1.1",
    "%TAG !e! tag:example.com,2000:",
    "--- # a document",
    "plain: multi",
    "  line  text",
    "single: 'it''s\n\n  two'",
    'double: "tab\\t\\x41\\u00e9\\\n  joined"',
    "literal: |2-",
    "    kept",
    "   indented",
    "folded: >",
    "  a",
    "  b",
    "",
    "  c",
    "resolved: [0600, yes, ~, 1e3, .inf, 2024-01-02, 0x1F, '0600']",
    "tagged: [!!str 0600, !!int '12', !e!thing x, !local y, !<tag:yaml.org,2002:bool> on]",
    "binary: !!binary aGVsbG8=",
    "anchor: &base {k: v, m: 1}",
    "alias: *base",
    "merged:",
    "  <<: *base",
    "  m: 2",
    "? [complex, key]",
    ": ignored",
    "nested:",
    "- - a",
    "  - b",
    "- {x: [w, {z: ~}]}",
    "empty: [{}, [], '', ]",
    "...",
    "--- second document ignored",
  ].join("\n");
  // A sequence used as a key is go-yaml's invalid map key error, even after all the rest.
  assert.equal(
    failure(source).message,
    'yaml: invalid map key: []interface {}{"complex", "key"}',
  );
  const valid = source.replace("? [complex, key]", "? complex key");
  assert.deepEqual(pairs(parseYaml11(valid)).map(([key, value]) => [key, normalize(value)]), [
    ["plain", "multi line  text"],
    ["single", "it's\ntwo"],
    ["double", "tab\tAéjoined"],
    ["literal", "  kept\n indented"],
    ["folded", "a b\nc\n"],
    ["resolved", [384n, true, null, 1000, Infinity, "2024-01-02", 31n, "0600"]],
    ["tagged", ["0600", 12n, "x", "y", true]],
    ["binary", "hello"],
    ["anchor", [["k", "v"], ["m", 1n]]],
    ["alias", [["k", "v"], ["m", 1n]]],
    ["merged", [["k", "v"], ["m", 1n], ["m", 2n]]],
    ["complex key", "ignored"],
    ["nested", [["a", "b"], [["x", ["w", [["z", null]]]]]]],
    ["empty", [[], [], ""]],
  ]);
});

/** Mappings as pair lists, for comparison. */
function normalize(value: YamlValue): unknown {
  if (value instanceof YamlMapping) return value.entries.map(([k, v]) => [k, normalize(v)]);
  return Array.isArray(value) ? value.map(normalize) : value;
}

Deno.test("the budgets follow the mount's limits", () => {
  const limits = objectsYamlLimits(mountLimits({ objectsDepth: 2, objectsNodes: 3 }));
  assert.deepEqual(parseYaml11("[[a]]", limits), [["a"]]);
  assert.equal(limitHit("[[[a]]]", limits).max, 2);
  assert.equal(limitHit("[a, b, c]", limits).max, 3);
});
