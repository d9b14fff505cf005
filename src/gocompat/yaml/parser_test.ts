// Events and parser errors as libyaml (go-yaml v2.4) produces them; the error
// texts and lines were checked against go-yaml through devstack/go_oracle/yaml.
import assert from "node:assert/strict";
import {
  ALIAS_EVENT,
  DOCUMENT_END_EVENT,
  DOCUMENT_START_EVENT,
  MAPPING_END_EVENT,
  MAPPING_START_EVENT,
  SCALAR_EVENT,
  SEQUENCE_END_EVENT,
  SEQUENCE_START_EVENT,
  STREAM_END_EVENT,
  STREAM_START_EVENT,
  YamlParser,
} from "./parser.ts";
import { parseYaml11, YamlSyntaxError } from "./parse.ts";

/** The events of `source`'s first document, scalars as `=text` with their tag and `plain`. */
function events(source: string): string[] {
  const parser = new YamlParser(source);
  const out: string[] = [];
  for (;;) {
    const event = parser.next();
    const anchor = parser.anchor === "" ? "" : ` &${parser.anchor}`;
    switch (event) {
      case STREAM_START_EVENT:
      case DOCUMENT_START_EVENT:
        continue;
      case DOCUMENT_END_EVENT:
      case STREAM_END_EVENT:
        return out;
      case SCALAR_EVENT:
        out.push(
          `=${parser.value}${parser.tag === "" ? "" : ` <${parser.tag}>`}${
            parser.implicit ? " plain" : ""
          }${anchor}`,
        );
        break;
      case ALIAS_EVENT:
        out.push(`*${parser.anchor}`);
        break;
      case SEQUENCE_START_EVENT:
        out.push(`[${anchor}${parser.tag === "" ? "" : ` <${parser.tag}>`}`);
        break;
      case MAPPING_START_EVENT:
        out.push(`{${anchor}`);
        break;
      case SEQUENCE_END_EVENT:
        out.push("]");
        break;
      case MAPPING_END_EVENT:
        out.push("}");
    }
  }
}

function parseError(source: string): string {
  try {
    parseYaml11(source);
  } catch (error) {
    assert.ok(error instanceof YamlSyntaxError, String(error));
    return error.message;
  }
  assert.fail(`parseYaml11(${JSON.stringify(source)}) did not throw`);
}

Deno.test("block and flow collections give the same events", () => {
  const expected = ["{", "=a plain", "[", "=1 plain", "=2 plain", "]", "}"];
  assert.deepEqual(events("a:\n  - 1\n  - 2"), expected);
  assert.deepEqual(events("{a: [1, 2]}"), expected);
});

Deno.test("missing keys and values are empty plain scalars", () => {
  assert.deepEqual(events("? a\n: "), ["{", "=a plain", "= plain", "}"]);
  assert.deepEqual(events("- \n- b"), ["[", "= plain", "=b plain", "]"]);
  assert.deepEqual(events("{a, b: }"), ["{", "=a plain", "= plain", "=b plain", "= plain", "}"]);
});

Deno.test("a single pair in a flow sequence is a mapping", () => {
  assert.deepEqual(events("[a: 1, b]"), ["[", "{", "=a plain", "=1 plain", "}", "=b plain", "]"]);
});

Deno.test("quoted and block scalars are not plain", () => {
  assert.deepEqual(events("['a', \"b\"]"), ["[", "=a", "=b", "]"]);
  assert.deepEqual(events("- |\n  c"), ["[", "=c", "]"]);
});

Deno.test("tags resolve through the tag directives; '!' keeps a scalar plain", () => {
  assert.deepEqual(events("%TAG !e! tag:example.com,2000:\n---\n[!!int 1, !e!x 2, !l 3, ! 4]"), [
    "[",
    "=1 <tag:yaml.org,2002:int>",
    "=2 <tag:example.com,2000:x>",
    "=3 <!l>",
    "=4 <!> plain",
    "]",
  ]);
  assert.deepEqual(events("!<tag:yaml.org,2002:str> x"), ["=x <tag:yaml.org,2002:str>"]);
});

Deno.test("anchors and tags go with the node that follows, in either order", () => {
  assert.deepEqual(events("- &a !!str x\n- !!str &b y\n- *a\n- &c"), [
    "[",
    "=x <tag:yaml.org,2002:str> &a",
    "=y <tag:yaml.org,2002:str> &b",
    "*a",
    "= plain &c",
    "]",
  ]);
  assert.deepEqual(events("&s [x]"), ["[ &s", "=x plain", "]"]);
});

Deno.test("an empty or comment-only stream has no document", () => {
  assert.deepEqual(events(""), []);
  assert.deepEqual(events("# nothing\n"), []);
  assert.deepEqual(events("--- # empty\n..."), ["= plain"]);
});

Deno.test("structure errors name libyaml's expectation and go-yaml's 0-based line", () => {
  assert.equal(parseError("a: 1\n- b"), "yaml: line 1: did not find expected key");
  assert.equal(parseError("- a\nb: 1"), "yaml: line 1: did not find expected '-' indicator");
  // In flow context `- c` continues the plain scalar `b`; the error is at the end.
  assert.equal(parseError("- [a, b\n- c"), "yaml: line 2: did not find expected ',' or ']'");
  assert.equal(parseError("{a: 1\n b: 2"), "yaml: line 1: did not find expected ',' or '}'");
  assert.equal(parseError("[a, , b]"), "yaml: did not find expected node content");
  assert.equal(parseError("a: 1\nb: [\n"), "yaml: line 2: did not find expected node content");
});

Deno.test("directive errors", () => {
  assert.equal(
    parseError("%YAML 1.1\n%YAML 1.1\n---"),
    "yaml: line 1: found duplicate %YAML directive",
  );
  assert.equal(parseError("%YAML 1.2\n---"), "yaml: found incompatible YAML document");
  assert.equal(
    parseError("%TAG !a! x:\n%TAG !a! y:\n---"),
    "yaml: line 1: found duplicate %TAG directive",
  );
  assert.equal(parseError("%YAML 1.1\na"), "yaml: line 1: did not find expected <document start>");
  assert.equal(parseError("- !e!x a"), "yaml: found undefined tag handle");
});

Deno.test("a %TAG directive may redefine the secondary handle", () => {
  assert.deepEqual(events("%TAG !! tag:example.com,2000:\n---\n!!x a"), [
    "=a <tag:example.com,2000:x>",
  ]);
});
