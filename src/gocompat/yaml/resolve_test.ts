// What a scalar becomes for its tag and style, as go-yaml v2.4 decodes it into
// interface{} (checked through devstack/go_oracle/yaml). Plain resolution
// itself (YAML 1.1 bools, octal, floats...) is tested in parse_test.ts.
import assert from "node:assert/strict";
import { decodeScalar } from "./resolve.ts";
import { YamlSyntaxError } from "./value.ts";

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

Deno.test("!!timestamp takes only real dates and times, as Go's time.Parse does", () => {
  for (const text of ["2024-02-29", "2000-02-29", "2024-1-2t3:4:5.5Z", "2024-01-02 03:04:05,123"]) {
    assert.equal(decodeScalar(text, `${TAG}timestamp`), text);
  }
  assert.equal(decodeScalar("2024-01-02  3:04:05", `${TAG}timestamp`), "2024-01-02  3:04:05");
  assert.equal(
    decodeScalar("2024-01-02T10:00:00-24:00", `${TAG}timestamp`),
    "2024-01-02T10:00:00-24:00",
  );
  for (
    const text of [
      "2024-02-30",
      "2023-02-29",
      "1900-02-29",
      "2024-04-31",
      "2024-00-10",
      "2024-01-02T03:04:05",
      "2024-01-02T24:00:00Z",
      "2024-01-02T23:59:60Z",
      "2024-01-02T10:00:00+25:00",
    ]
  ) {
    assert.equal(
      decodeError(text, `${TAG}timestamp`),
      `yaml: cannot decode !!str \`${text}\` as a !!timestamp`,
    );
  }
});

Deno.test("integers: leading zeros do not count, more digits than 64 bits hold are text", () => {
  assert.equal(decodeScalar("0000000000000000000000000000000001", ""), 1n);
  assert.equal(decodeScalar("0x00000000000000000000000000001F", ""), 31n);
  assert.equal(decodeScalar("01777777777777777777777", ""), 18446744073709551615n);
  // Out of range as an integer, it is still a float (Go reads it as decimal then).
  assert.equal(decodeScalar("02000000000000000000000", ""), 2e21);
  assert.equal(decodeScalar("1".repeat(100_000), ""), "1".repeat(100_000));
});
