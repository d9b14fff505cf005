// Token streams and scanner errors as libyaml (go-yaml v2.4) produces them;
// the error texts were checked against go-yaml through devstack/go_oracle/yaml.
import assert from "node:assert/strict";
import { YamlScanner } from "./scanner.ts";
import { STREAM_END, type Token } from "./token.ts";
import { YamlSyntaxError } from "./value.ts";

const NAMES = [
  "",
  "STREAM-START",
  "STREAM-END",
  "VERSION",
  "TAG-DIRECTIVE",
  "DOC-START",
  "DOC-END",
  "BSEQ",
  "BMAP",
  "BEND",
  "[",
  "]",
  "{",
  "}",
  "-",
  ",",
  "KEY",
  "VALUE",
  "ALIAS",
  "ANCHOR",
  "TAG",
  "SCALAR",
];

function describe(token: Token): string {
  const name = NAMES[token.type];
  if (token.suffix !== "") return `${name}(${token.value}|${token.suffix})`;
  return token.value === "" ? name : `${name}(${token.value})`;
}

/** The tokens of `source`, without STREAM-START and STREAM-END. */
function tokens(source: string): string[] {
  const scanner = new YamlScanner(source);
  const names: string[] = [];
  for (;;) {
    const token = scanner.peek();
    if (token.type === STREAM_END) return names.slice(1);
    names.push(describe(token));
    scanner.skipToken();
  }
}

function scanError(source: string): string {
  try {
    tokens(source);
  } catch (error) {
    assert.ok(error instanceof YamlSyntaxError, String(error));
    return error.message;
  }
  assert.fail(`scanning ${JSON.stringify(source)} did not fail`);
}

Deno.test("a block sequence is opened by indentation and closed by BLOCK-END", () => {
  assert.deepEqual(tokens("- a\n- b"), ["BSEQ", "-", "SCALAR(a)", "-", "SCALAR(b)", "BEND"]);
});

Deno.test("a simple key gets KEY (and the mapping start) inserted before it when ':' follows", () => {
  assert.deepEqual(tokens("a: 1\nb: 2"), [
    "BMAP",
    "KEY",
    "SCALAR(a)",
    "VALUE",
    "SCALAR(1)",
    "KEY",
    "SCALAR(b)",
    "VALUE",
    "SCALAR(2)",
    "BEND",
  ]);
});

Deno.test("a sequence under a key at the same indentation has no block start of its own", () => {
  assert.deepEqual(tokens("k:\n- a"), [
    "BMAP",
    "KEY",
    "SCALAR(k)",
    "VALUE",
    "-",
    "SCALAR(a)",
    "BEND",
  ]);
});

Deno.test("flow collections are bracket tokens with entries between", () => {
  assert.deepEqual(tokens("[a, {b: c}]"), [
    "[",
    "SCALAR(a)",
    ",",
    "{",
    "KEY",
    "SCALAR(b)",
    "VALUE",
    "SCALAR(c)",
    "}",
    "]",
  ]);
});

Deno.test("an explicit key is '?' in block and flow context", () => {
  assert.deepEqual(tokens("? a\n: b"), ["BMAP", "KEY", "SCALAR(a)", "VALUE", "SCALAR(b)", "BEND"]);
  assert.deepEqual(tokens("{? a}"), ["{", "KEY", "SCALAR(a)", "}"]);
});

Deno.test("anchors, aliases and tags are tokens of their own", () => {
  assert.deepEqual(tokens("- &x !!str a\n- *x\n- !local b\n- ! c\n- !<tag:x> d"), [
    "BSEQ",
    "-",
    "ANCHOR(x)",
    "TAG(!!|str)",
    "SCALAR(a)",
    "-",
    "ALIAS(x)",
    "-",
    "TAG(!|local)",
    "SCALAR(b)",
    "-",
    "TAG(|!)",
    "SCALAR(c)",
    "-",
    "TAG(|tag:x)",
    "SCALAR(d)",
    "BEND",
  ]);
});

Deno.test("percent escapes in a tag are UTF-8 bytes", () => {
  assert.deepEqual(tokens("!!%69nt 1"), ["TAG(!!|int)", "SCALAR(1)"]);
  assert.deepEqual(tokens("!a%C3%A9 x"), ["TAG(!|aé)", "SCALAR(x)"]);
});

Deno.test("directives and document markers", () => {
  assert.deepEqual(tokens("%YAML 1.1\n%TAG !e! tag:e,2000:\n---\na\n...\n"), [
    "VERSION(1.1)",
    "TAG-DIRECTIVE(!e!|tag:e,2000:)",
    "DOC-START",
    "SCALAR(a)",
    "DOC-END",
  ]);
  assert.deepEqual(tokens("%YAML 01.01 # same version\n---"), ["VERSION(1.1)", "DOC-START"]);
});

Deno.test("comments, blank lines and a leading byte order mark are skipped", () => {
  assert.deepEqual(tokens("\ufeff# c\n\n  # d\na # e\n"), ["SCALAR(a)"]);
});

Deno.test("a tab separates tokens after a value indicator but not as indentation", () => {
  assert.deepEqual(tokens("a:\tb"), ["BMAP", "KEY", "SCALAR(a)", "VALUE", "SCALAR(b)", "BEND"]);
  assert.equal(scanError("\t- a"), "yaml: found character that cannot start any token");
});

Deno.test("a character that starts no token is an error on its line", () => {
  assert.equal(scanError("a: 1\n@b"), "yaml: line 2: found character that cannot start any token");
  assert.equal(scanError("`"), "yaml: found character that cannot start any token");
});

Deno.test("context errors of '-', '?' and ':'", () => {
  assert.equal(
    scanError("a: - b"),
    "yaml: block sequence entries are not allowed in this context",
  );
  assert.equal(scanError("a: b: c"), "yaml: mapping values are not allowed in this context");
  assert.equal(scanError("a: ? b"), "yaml: mapping keys are not allowed in this context");
});

Deno.test("a key at the indentation of its mapping must find its ':' on the same line", () => {
  assert.equal(scanError("a: 1\nb\nc: 2"), "yaml: line 3: could not find expected ':'");
});

Deno.test("a simple key longer than 1024 characters is not a key", () => {
  const key = "k".repeat(1025);
  assert.equal(scanError(`- ${key}: v`), "yaml: mapping values are not allowed in this context");
  assert.deepEqual(tokens(`${"k".repeat(1020)}: v`).slice(0, 3), [
    "BMAP",
    "KEY",
    `SCALAR(${"k".repeat(1020)})`,
  ]);
});

Deno.test("anchor, tag and directive errors", () => {
  assert.equal(scanError("&é a"), "yaml: did not find expected alphabetic or numeric character");
  assert.equal(scanError("*"), "yaml: did not find expected alphabetic or numeric character");
  assert.equal(scanError("!<x"), "yaml: did not find the expected '>'");
  assert.equal(scanError("!a! x"), "yaml: did not find expected tag URI");
  assert.equal(scanError("!a{ x"), "yaml: did not find expected whitespace or line break");
  assert.equal(scanError("!a%zz x"), "yaml: did not find URI escaped octet");
  assert.equal(scanError("!a%80 x"), "yaml: found an incorrect leading UTF-8 octet");
  assert.equal(scanError("!a%C3%41 x"), "yaml: found an incorrect trailing UTF-8 octet");
  assert.equal(scanError("%FOO"), "yaml: found unknown directive name");
  assert.equal(scanError("%"), "yaml: could not find expected directive name");
  assert.equal(scanError("%YAML. 1.1"), "yaml: found unexpected non-alphabetical character");
  assert.equal(scanError("%YAML 1"), "yaml: did not find expected digit or '.' character");
  assert.equal(scanError("%YAML 1.123"), "yaml: found extremely long version number");
  assert.equal(scanError("%YAML x"), "yaml: did not find expected version number");
  assert.equal(scanError("%YAML 1.1 x"), "yaml: did not find expected comment or line break");
  assert.equal(scanError("%TAG !x y"), "yaml: did not find expected '!'");
  assert.equal(scanError("%TAG !x!y"), "yaml: did not find expected whitespace");
});

Deno.test("more than 10,000 nested flow collections is go-yaml's own depth error", () => {
  assert.equal(scanError("[".repeat(10_001)), "yaml: exceeded max depth of 10000");
  assert.equal(tokens("[".repeat(10_000) + "]".repeat(10_000)).length, 20_000);
});
