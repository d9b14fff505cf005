// Scalar text as go-yaml v2.4 scans it (block, quoted and plain styles); the
// values and errors were checked against go-yaml through devstack/go_oracle/yaml.
import assert from "node:assert/strict";
import { parseYaml11, YamlMapping, YamlSyntaxError } from "./parse.ts";

function entries(value: unknown): [unknown, unknown][] {
  assert.ok(value instanceof YamlMapping);
  return value.entries;
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

Deno.test("a literal block scalar keeps its line breaks and its final one (clip)", () => {
  assert.deepEqual(parseYaml11("- |\n  a\n   b\n\n  c\n\n\n- x"), ["a\n b\n\nc\n", "x"]);
});

Deno.test("chomping: '-' strips the final line breaks, '+' keeps them all", () => {
  assert.deepEqual(parseYaml11("- |-\n  a\n\n- |+\n  a\n\n- x"), ["a", "a\n\n", "x"]);
});

Deno.test("an indentation indicator keeps leading spaces of the first line", () => {
  assert.deepEqual(parseYaml11("- |2\n    a\n   b\n- >1-\n  c"), ["  a\n b\n", " c"]);
});

Deno.test("a folded block scalar joins lines with spaces, but not blank or more-indented ones", () => {
  assert.deepEqual(parseYaml11("- >\n  a\n  b\n\n  c\n    d\n  e\n"), ["a b\nc\n  d\ne\n"]);
});

Deno.test("leading blank lines of a block scalar are kept; a comment may follow its header", () => {
  assert.deepEqual(entries(parseYaml11("k: | # note\n\n\n  a\n")), [["k", "\n\na\n"]]);
});

Deno.test("block scalar errors", () => {
  assert.equal(parseError("- |0\n  a"), "yaml: found an indentation indicator equal to 0");
  assert.equal(parseError("- | x"), "yaml: did not find expected comment or line break");
  assert.equal(
    parseError("- |\n  a\n\tb"),
    "yaml: line 3: found a tab character where an indentation space is expected",
  );
});

Deno.test("single quotes escape a quote by doubling it", () => {
  assert.deepEqual(parseYaml11("- 'it''s'"), ["it's"]);
});

Deno.test("a line break in a quoted scalar folds to a space, a blank line to a line break", () => {
  assert.deepEqual(parseYaml11("- 'a\n  b\n\n  c  \n  d'"), ["a b\nc d"]);
  assert.deepEqual(parseYaml11('- "a\n\n\n  b"'), ["a\n\nb"]);
});

Deno.test("double-quoted escapes are libyaml's", () => {
  assert.deepEqual(
    parseYaml11(
      '- "\\0\\a\\b\\t\\\t\\n\\v\\f\\r\\e\\ \\"\\\'\\\\\\N\\_\\L\\P"\n- "\\x41\\u00e9\\U0001F600"',
    ),
    [
      "\0\x07\b\t\t\n\v\f\r\x1b \"'\\\x85\xa0\u2028\u2029",
      "Aé😀",
    ],
  );
});

Deno.test("an escaped line break joins the lines without a space", () => {
  assert.deepEqual(parseYaml11('- "a\\\n   b"'), ["ab"]);
});

Deno.test("double-quoted scalar errors", () => {
  assert.equal(parseError('- "a\\/"'), "yaml: found unknown escape character");
  assert.equal(parseError('- "\\x4g"'), "yaml: did not find expected hexdecimal number");
  assert.equal(parseError('- "\\U00110000"'), "yaml: found invalid Unicode character escape code");
  assert.equal(parseError('- "abc'), "yaml: found unexpected end of stream");
  assert.equal(parseError('- "a\n---\n"'), "yaml: line 2: found unexpected document indicator");
});

Deno.test("a plain scalar folds its lines and ends at ': ', ' #' or a document marker", () => {
  assert.deepEqual(parseYaml11("- a\n  b\n\n  c # d\n- e:f #g"), ["a b\nc", "e:f"]);
  assert.deepEqual(parseYaml11("a b\n---\nc"), "a b");
});

Deno.test("in flow context a plain scalar also ends at ',', '?', brackets and braces", () => {
  assert.deepEqual(parseYaml11("[a:b, c#d]"), ["a:b", "c#d"]);
  assert.equal(parseError("[e?f]"), "yaml: did not find expected ',' or ']'");
});

Deno.test("a tab in the indentation of a plain scalar's continuation is an error", () => {
  assert.equal(
    parseError("- a\n\tb"),
    "yaml: line 2: found a tab character that violates indentation",
  );
});

Deno.test("scalars of hundreds of kilobytes are scanned whole", () => {
  const text = "x".repeat(300_000);
  assert.deepEqual(parseYaml11(`- ${text}`), [text]);
  assert.deepEqual(parseYaml11(`- "${text}"`), [text]);
  // Without a line break at the end there is none to keep.
  assert.deepEqual(parseYaml11(`- |\n  ${text}`), [text]);
});
