// What a scalar becomes for its tag and style, as go-yaml v2.4 decodes it into
// interface{} (checked through devstack/go_oracle/yaml). Plain resolution
// itself (YAML 1.1 bools, octal, floats...) is tested in yaml_1_1_test.ts.
import assert from "node:assert/strict";
import { decodeScalar } from "./yaml_resolve.ts";
import { YamlSyntaxError } from "./yaml_value.ts";

const TAG = "tag:yaml.org,2002:";

function decodeError(text: string, tag: string): string {
  try {
    decodeScalar(text, tag);
  } catch (error) {
    assert.ok(error instanceof YamlSyntaxError);
    return error.message;
  }
  assert.fail(`decodeScalar(${JSON.stringify(text)}, ${tag}) did not throw`);
}

Deno.test("a plain scalar without a tag is resolved, a quoted or block one (tag '!') is text", () => {
  assert.equal(decodeScalar("0600", ""), 384n);
  assert.equal(decodeScalar("0600", "!"), "0600");
  assert.equal(decodeScalar("", ""), null);
  assert.equal(decodeScalar("", "!"), "");
});

Deno.test("!!str keeps the text; a non-go-yaml tag, even the bare '!', leaves it as is", () => {
  assert.equal(decodeScalar("yes", `${TAG}str`), "yes");
  assert.equal(decodeScalar("yes", "!"), "yes");
  assert.equal(decodeScalar("12", "!local"), "12");
  assert.equal(decodeScalar("x", `${TAG}merge`), "x");
});

Deno.test("go-yaml's resolvable tags take the text only when it resolves to them", () => {
  assert.equal(decodeScalar("0x10", `${TAG}int`), 16n);
  assert.equal(decodeScalar("7", `${TAG}float`), 7);
  assert.equal(decodeScalar("Off", `${TAG}bool`), false);
  assert.equal(decodeScalar("~", `${TAG}null`), null);
  assert.equal(decodeScalar("2024-01-02", `${TAG}timestamp`), "2024-01-02");
  assert.equal(
    decodeError("18446744073709551615", `${TAG}float`),
    "yaml: cannot decode !!int `18446744073709551615` as a !!float",
  );
  assert.equal(decodeError("", `${TAG}int`), "yaml: cannot decode !!null `` as a !!int");
});

Deno.test("!!binary is base64 with line breaks ignored", () => {
  assert.equal(decodeScalar("aGVs\nbG8=", `${TAG}binary`), "hello");
  assert.equal(
    decodeError("aGVsbG8", `${TAG}binary`),
    "yaml: !!binary value contains invalid base64 data",
  );
});

Deno.test("!!binary bytes that are not UTF-8 are one U+FFFD each, as Go's JSON writes them", () => {
  // 0xE2 0x82 is a truncated three-byte sequence: two bad bytes for Go.
  assert.equal(decodeScalar(btoa("a\xe2\x82b"), `${TAG}binary`), "a\ufffd\ufffdb");
  // An encoded surrogate (0xED 0xA0 0x80) is three bad bytes; four-byte sequences are fine.
  assert.equal(decodeScalar(btoa("\xed\xa0\x80"), `${TAG}binary`), "\ufffd\ufffd\ufffd");
  assert.equal(decodeScalar(btoa("\xf0\x9f\x99\x82"), `${TAG}binary`), "🙂");
});
