// The node list of a document and the budgets checked while it is built.
// Error texts checked against go-yaml through devstack/go_oracle/yaml.
import assert from "node:assert/strict";
import { type Limit, LimitError } from "../../limits/mod.ts";
import {
  ALIAS_NODE,
  composeYaml,
  MAPPING_NODE,
  SCALAR_NODE,
  SEQUENCE_NODE,
  type YamlLimits,
} from "./compose.ts";
import { YamlSyntaxError } from "./value.ts";

function limit(max: number, unit: string): Limit {
  return { max, unit, flag: `max-${unit}` };
}

function limits(nodes = 100, depth = 10, aliases = 10): YamlLimits {
  return {
    nodes: limit(nodes, "nodes"),
    depth: limit(depth, "levels"),
    aliases: limit(aliases, "aliases"),
  };
}

function composeError(source: string, budgets = limits()): Error {
  try {
    composeYaml(source, budgets);
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail(`composing ${JSON.stringify(source)} did not fail`);
}

Deno.test("a collection's link is the index after its last descendant; an alias links its anchor", () => {
  const tape = composeYaml("- &x a\n- [b, *x]\n- c", limits());
  assert.deepEqual(Array.from(tape.kinds.subarray(0, tape.size)), [
    SEQUENCE_NODE,
    SCALAR_NODE,
    SEQUENCE_NODE,
    SCALAR_NODE,
    ALIAS_NODE,
    SCALAR_NODE,
  ]);
  assert.deepEqual(Array.from(tape.links.subarray(0, tape.size)), [6, 0, 5, 0, 1, 0]);
  assert.deepEqual(tape.texts, ["", "a", "", "b", "x", "c"]);
});

Deno.test("scalars keep their tag and whether they were plain", () => {
  const tape = composeYaml("{'a': !!int 1}", limits());
  assert.equal(tape.kinds[0], MAPPING_NODE);
  assert.deepEqual([tape.tag(1), tape.implicit[1]], ["", 0]);
  assert.deepEqual([tape.tag(2), tape.implicit[2]], ["tag:yaml.org,2002:int", 0]);
});

Deno.test("an empty text has an empty tape", () => {
  assert.equal(composeYaml("", limits()).size, 0);
  assert.equal(composeYaml("# only a comment", limits()).size, 0);
});

Deno.test("an alias to an anchor not yet defined is an error while parsing", () => {
  const error = composeError("- *x\n- &x a");
  assert.ok(error instanceof YamlSyntaxError);
  assert.equal(error.message, "yaml: unknown anchor 'x' referenced");
});

Deno.test("an anchor is bound when its collection opens, so it can refer to itself", () => {
  const tape = composeYaml("&a [*a]", limits());
  assert.deepEqual([tape.kinds[1], tape.links[1]], [ALIAS_NODE, 0]);
});

Deno.test("a redefined anchor refers to its latest node", () => {
  const tape = composeYaml("[&a x, &a y, *a]", limits());
  assert.equal(tape.links[3], 2);
});

Deno.test("the token after the document is still scanned, as libyaml does", () => {
  assert.equal(composeError('[a]\n"open').message, "yaml: line 2: found unexpected end of stream");
  assert.equal(composeYaml("[a]\n---\n]", limits()).size, 2);
});

Deno.test("nodes: at the budget is accepted, one more is a LimitError", () => {
  assert.equal(composeYaml("[a, b, c]", limits(4)).size, 4);
  const error = composeError("[a, b, c, d]", limits(4));
  assert.ok(error instanceof LimitError);
  assert.equal(
    error.message,
    "the objects YAML has more nodes than allowed; the limit is 4 nodes (provider flag --max-nodes)",
  );
});

Deno.test("depth: at the budget is accepted, one level more is a LimitError", () => {
  assert.equal(composeYaml("[[[]]]", limits(100, 3)).size, 3);
  assert.equal(composeYaml("a:\n  b: [x]", limits(100, 3)).size, 6);
  const error = composeError("[[[[]]]]", limits(100, 3));
  assert.ok(error instanceof LimitError);
  assert.equal(
    error.message,
    "the objects YAML is nested deeper than allowed; the limit is 3 levels (provider flag --max-levels)",
  );
});

Deno.test("aliases: at the budget is accepted, one more is a LimitError", () => {
  assert.equal(composeYaml("[&a x, *a, *a]", limits(100, 10, 2)).size, 4);
  const error = composeError("[&a x, *a, *a, *a]", limits(100, 10, 2));
  assert.ok(error instanceof LimitError);
  assert.match(error.message, /^the objects YAML has more aliases than allowed; the limit is 2 /);
});

Deno.test("budgets stop the parse before the rest of the text is read", () => {
  // The syntax error at the end is never reached.
  const error = composeError(`[${"a, ".repeat(10)}`, limits(5));
  assert.ok(error instanceof LimitError);
});
