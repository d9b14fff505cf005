// Decoding as go-yaml v2.4 decodes into interface{}: merges, aliases, map
// keys, the alias guard and our budgets on expansion. Values and error texts
// checked against go-yaml through devstack/go_oracle/yaml.
import assert from "node:assert/strict";
import { type Limit, LimitError } from "../../limits/mod.ts";
import { composeYaml, type YamlLimits } from "./compose.ts";
import { decodeYaml } from "./decode.ts";
import { YamlMapping, YamlSyntaxError, type YamlValue } from "./value.ts";

function limit(max: number, unit: string): Limit {
  return { max, unit, flag: `max-${unit}` };
}

const LARGE: YamlLimits = {
  nodes: limit(10_000_000, "nodes"),
  depth: limit(10_000, "levels"),
  aliases: limit(10_000_000, "aliases"),
};

function decode(source: string, limits = LARGE): YamlValue {
  return decodeYaml(composeYaml(source, limits), limits);
}

function decodeError(source: string, limits = LARGE): Error {
  try {
    decode(source, limits);
  } catch (error) {
    assert.ok(error instanceof YamlSyntaxError || error instanceof LimitError, String(error));
    return error;
  }
  assert.fail(`decoding ${JSON.stringify(source)} did not fail`);
}

function pairs(value: YamlValue): [YamlValue, YamlValue][] {
  assert.ok(value instanceof YamlMapping);
  return value.entries;
}

Deno.test("an empty document is null", () => {
  assert.equal(decode(""), null);
});

Deno.test("a merged map's pairs go where the merge key stands", () => {
  assert.deepEqual(pairs(decode("a: 1\n<<: {b: 2}\nc: 3")), [["a", 1n], ["b", 2n], ["c", 3n]]);
});

Deno.test("a merge sequence is merged last map first, so earlier maps win", () => {
  assert.deepEqual(pairs((decode("- &x {k: x}\n- <<: [*x, {k: w, z: 1}]") as YamlValue[])[1]), [
    ["k", "w"],
    ["z", 1n],
    ["k", "x"],
  ]);
});

Deno.test("merges nest: a merged map's own merge keys are expanded", () => {
  assert.deepEqual(pairs(decode("<<: {<<: {a: 1}, b: 2}")), [["a", 1n], ["b", 2n]]);
});

Deno.test("only a plain or !!merge-tagged << is a merge key", () => {
  assert.deepEqual(pairs(decode("!!merge '<<': {a: 1}")), [["a", 1n]]);
  assert.deepEqual(pairs(decode("'<<': {a: 1}")).map(([key]) => key), ["<<"]);
  assert.deepEqual(pairs(decode("! <<: {a: 1}")), [["a", 1n]]);
});

Deno.test("a merge value must be a map, an alias to one, or a sequence of those", () => {
  const message = "yaml: map merge requires map or sequence of maps as the value";
  for (const source of ["<<: 1", "<<: [1]", "<<: [[{}]]", "- &s [x]\n- <<: *s", "<<: [{}, *x]"]) {
    const error = source.includes("*x") ? decodeError(`- &x 1\n- ${source}`) : decodeError(source);
    assert.equal(error.message, message, source);
  }
});

Deno.test("a sequence or mapping used as a key is an error with Go's %#v of it", () => {
  assert.equal(decodeError("[a, 1]: x").message, 'yaml: invalid map key: []interface {}{"a", 1}');
  assert.equal(
    decodeError("? {b: ~, a: 2}\n: x").message,
    'yaml: invalid map key: map[interface {}]interface {}{"a":2, "b":interface {}(nil)}',
  );
});

Deno.test("a key is checked before its value is decoded", () => {
  assert.equal(decodeError("[a]: !!int x").message, 'yaml: invalid map key: []interface {}{"a"}');
  assert.equal(decodeError("!!int x: [a]").message, "yaml: cannot decode !!str `x` as a !!int");
});

Deno.test("an alias is expanded again where it is used", () => {
  const value = decode("- &a {k: [1]}\n- *a\n- *a") as YamlValue[];
  assert.deepEqual(value[1], value[0]);
  assert.notEqual(value[1], value[0]);
});

Deno.test("an alias inside its own anchored value is an error", () => {
  assert.equal(decodeError("&a {k: *a}").message, "yaml: anchor 'a' value contains itself");
  assert.equal(decodeError("&a {<<: *a}").message, "yaml: anchor 'a' value contains itself");
});

Deno.test("go-yaml's guard: over 99% of 1,000+ decodes from aliases is excessive aliasing", () => {
  const bomb =
    "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]";
  assert.equal(decodeError(bomb).message, "yaml: document contains excessive aliasing");
  const moderate =
    "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]";
  assert.equal(pairs(decode(moderate)).length, 2);
});

Deno.test("nodes an alias expands to count toward the node budget", () => {
  const source = "- &a [x, x, x, x]\n- *a\n- *a";
  const budget = (nodes: number): YamlLimits => ({ ...LARGE, nodes: limit(nodes, "nodes") });
  // 1 list + 5 + 5 + 5 after expansion; 7 in the text.
  assert.equal((decode(source, budget(16)) as YamlValue[]).length, 3);
  const error = decodeError(source, budget(15));
  assert.ok(error instanceof LimitError);
  assert.match(error.message, /^the objects YAML has more nodes than allowed; the limit is 15 /);
});

Deno.test("an alias expanded inside collections counts their depth too", () => {
  const source = "- &a [[x]]\n- [[*a]]";
  const budget = (depth: number): YamlLimits => ({ ...LARGE, depth: limit(depth, "levels") });
  assert.equal((decode(source, budget(5)) as YamlValue[]).length, 2);
  const error = decodeError(source, budget(4));
  assert.ok(error instanceof LimitError);
  assert.match(error.message, /^the objects YAML is nested deeper than allowed; the limit is 4 /);
});

Deno.test("the first error in go-yaml's decoding order wins", () => {
  // Merge sequences are decoded from the last map, so its error comes first.
  assert.equal(
    decodeError("<<: [{a: !!int p}, {b: !!int q}]").message,
    "yaml: cannot decode !!str `q` as a !!int",
  );
});
