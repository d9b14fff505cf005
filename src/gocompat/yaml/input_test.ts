// go-yaml's reader and marks, replayed: expected behaviour checked against
// go-yaml v2.4 through the oracle in devstack/go_oracle/yaml.
import assert from "node:assert/strict";
import {
  hexValue,
  isAlpha,
  isBlankZ,
  isBreak,
  parserError,
  scannerError,
  YamlInput,
} from "./input.ts";
import { parseYaml11, YamlSyntaxError } from "./parse.ts";

function parseError(source: string): string {
  try {
    parseYaml11(source);
  } catch (error) {
    assert.ok(error instanceof YamlSyntaxError, String(error));
    return error.message;
  }
  assert.fail(`parseYaml11(${JSON.stringify(source)}) did not throw`);
}

Deno.test("line breaks are CR, LF, NEL, LS and PS", () => {
  for (const c of ["\r", "\n", "\x85", "\u2028", "\u2029"]) assert.ok(isBreak(c.charCodeAt(0)));
  for (const c of [" ", "\t", "\v", "\f", "a"]) assert.ok(!isBreak(c.charCodeAt(0)));
});

Deno.test("blanks-or-end include the NUL that ends the text", () => {
  for (const c of [" ", "\t", "\n", "\0"]) assert.ok(isBlankZ(c.charCodeAt(0)));
  assert.ok(!isBlankZ("-".charCodeAt(0)));
});

Deno.test("libyaml's alpha is ASCII letters, digits, _ and -", () => {
  for (const c of ["a", "Z", "0", "_", "-"]) assert.ok(isAlpha(c.charCodeAt(0)));
  for (const c of ["é", ".", "!", " "]) assert.ok(!isAlpha(c.charCodeAt(0)));
});

Deno.test("hex digits have their values and other characters -1", () => {
  assert.deepEqual([..."09afAFg"].map((c) => hexValue(c.charCodeAt(0))), [
    0,
    9,
    10,
    15,
    10,
    15,
    -1,
  ]);
});

Deno.test("a scanner error names the 1-based line, none on the first line", () => {
  assert.equal(scannerError(0, "oops").message, "yaml: oops");
  assert.equal(scannerError(2, "oops").message, "yaml: line 3: oops");
});

Deno.test("a parser error names the 0-based line, or its context's, as go-yaml prints them", () => {
  assert.equal(parserError("oops", { problem: 0, context: 0 }).message, "yaml: oops");
  assert.equal(parserError("oops", { problem: 2, context: 1 }).message, "yaml: line 2: oops");
  assert.equal(parserError("oops", { problem: 0, context: 4 }).message, "yaml: line 4: oops");
});

Deno.test("a leading byte order mark is dropped", () => {
  const input = new YamlInput("\ufeffa");
  assert.equal(input.pos, 1);
  assert.equal(String.fromCharCode(input.at()), "a");
  assert.equal(input.index, 0);
});

Deno.test("a character outside the BMP is one character of the mark", () => {
  const input = new YamlInput("🙂x");
  input.skip();
  assert.deepEqual([input.pos, input.index, input.column], [2, 1, 1]);
});

Deno.test("CRLF is one line break of two characters; LS and PS are kept as they are", () => {
  const crlf = new YamlInput("\r\nx");
  assert.equal(crlf.readLine(), "\n");
  assert.deepEqual([crlf.pos, crlf.index, crlf.line, crlf.column], [2, 2, 1, 0]);
  assert.equal(new YamlInput("\u2028").readLine(), "\u2028");
  assert.equal(new YamlInput("a").readLine(), "");
});

Deno.test("the text is followed by NULs", () => {
  const input = new YamlInput("a");
  assert.deepEqual([input.at(1), input.at(4)], [0, 0]);
});

Deno.test("a control character in the first 512 bytes is reported before anything else", () => {
  assert.equal(parseError("a: b: c\n\x01"), "yaml: control characters are not allowed");
  assert.equal(parseError("- a\x7f"), "yaml: control characters are not allowed");
  assert.equal(parseError("- \ufffe"), "yaml: control characters are not allowed");
});

Deno.test("a syntax error the scanner finds before reading on wins over a later control character", () => {
  assert.equal(
    parseError(`a: b: c\n${"x".repeat(1000)}\x01`),
    "yaml: mapping values are not allowed in this context",
  );
});

Deno.test("a control character is found when the scanner reads the 512 bytes that hold it", () => {
  assert.equal(
    parseError(`- [${"x".repeat(600)}\x01`),
    "yaml: control characters are not allowed",
  );
});

Deno.test("the reader validates by bytes: multi-byte characters move the 512-byte boundary", () => {
  // The second ':' is character 193; the control character is character 298.
  const document = (letter: string) => `a: ${letter.repeat(190)}: b\n${letter.repeat(100)}\x01`;
  // In ASCII both are in the first 512 bytes, which are read before any token.
  assert.equal(parseError(document("a")), "yaml: control characters are not allowed");
  // In two-byte characters the control character is past byte 512, read only later.
  assert.equal(
    parseError(document("é")),
    "yaml: mapping values are not allowed in this context",
  );
});

Deno.test("the cache check throws only when the chunk holding the character is read", () => {
  const input = new YamlInput(`${"a".repeat(600)}\x01`);
  input.cache(4);
  while (input.index < 508) input.skip();
  input.cache(4);
  input.skip();
  assert.throws(() => input.cache(4), /control characters are not allowed/);
});

Deno.test("after a refill that starts on a U+FEFF, the first character of a column-0 line is skipped", () => {
  // go-yaml checks for a byte order mark at the start of its buffer, not at the position.
  assert.equal(
    parseError("\ufeff\ufeff- a\n- b"),
    "yaml: line 1: did not find expected '-' indicator",
  );
  assert.deepEqual(parseYaml11("\ufeff- a\n- b"), ["a", "b"]);
});
