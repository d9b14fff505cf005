// Go's %#v of decoded values, as go-yaml v2.4 prints them in "invalid map key"
// errors (checked through devstack/go_oracle/yaml).
import assert from "node:assert/strict";
import { goQuote, goSyntax } from "./go_syntax.ts";
import { YamlMapping, type YamlValue } from "./value.ts";

function mapping(...entries: [YamlValue, YamlValue][]): YamlMapping {
  const result = new YamlMapping();
  result.entries.push(...entries);
  return result;
}

Deno.test("scalars: nil, bools, ints (uint64 in hex), shortest floats, quoted strings", () => {
  assert.equal(
    goSyntax([null, true, 1n, 18446744073709551615n, "a"]),
    '[]interface {}{interface {}(nil), true, 1, 0xffffffffffffffff, "a"}',
  );
  assert.equal(
    goSyntax([1.5e10, -0, 1e-5, 123456, 1234567, 0.5, NaN, -Infinity]),
    "[]interface {}{1.5e+10, -0, 1e-05, 123456, 1.234567e+06, 0.5, NaN, -Inf}",
  );
});

Deno.test("strings are quoted like strconv.Quote", () => {
  assert.equal(goQuote('a"\\\n\t\x07'), '"a\\"\\\\\\n\\t\\a"');
  assert.equal(
    goQuote("\x7f\u00a0\ufeff\u2028 é🙂\u202e"),
    '"\\x7f\\u00a0\\ufeff\\u2028 é🙂\\u202e"',
  );
});

Deno.test("a map keeps the last of equal keys and sorts them: by type, then by value", () => {
  const value = mapping(["b", 1n], [2n, "x"], ["a", null], ["b", 2n], [1.5, true], [null, false]);
  assert.equal(
    goSyntax(value),
    'map[interface {}]interface {}{interface {}(nil):false, "a":interface {}(nil), "b":2, 2:"x", 1.5:true}',
  );
});

Deno.test("strings sort by UTF-8 bytes, NaN keys stay apart and sort first", () => {
  assert.equal(
    goSyntax(mapping(["𐀀", 1n], ["豈", 2n])),
    'map[interface {}]interface {}{"豈":2, "𐀀":1}',
  );
  assert.equal(
    goSyntax(mapping([2n, 1n], [NaN, 2n], [NaN, 3n], [-Infinity, 4n])),
    "map[interface {}]interface {}{2:1, NaN:2, NaN:3, -Inf:4}",
  );
});
