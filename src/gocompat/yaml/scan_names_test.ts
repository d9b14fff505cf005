// Directives, anchor names and tags as libyaml scans them (errors checked
// against go-yaml through devstack/go_oracle/yaml in yaml_scanner_test.ts).
import assert from "node:assert/strict";
import { YamlInput } from "./input.ts";
import { scanAnchor, scanDirective, scanTag } from "./scan_names.ts";
import { TAG_DIRECTIVE, VERSION_DIRECTIVE } from "./token.ts";

Deno.test("a %YAML directive gives its version with the numbers as numbers", () => {
  assert.deepEqual(scanDirective(new YamlInput("%YAML 01.1 # c\nx")), {
    type: VERSION_DIRECTIVE,
    value: "1.1",
    suffix: "",
  });
});

Deno.test("a %TAG directive gives its handle and prefix and consumes its line", () => {
  const input = new YamlInput("%TAG !e! tag:example.com,2000:\n---");
  assert.deepEqual(scanDirective(input), {
    type: TAG_DIRECTIVE,
    value: "!e!",
    suffix: "tag:example.com,2000:",
  });
  assert.deepEqual([input.line, input.column], [1, 0]);
});

Deno.test("an anchor name is libyaml's alpha characters up to a blank or indicator", () => {
  const input = new YamlInput("&a-b_1, x");
  assert.equal(scanAnchor(input), "a-b_1");
  assert.equal(String.fromCharCode(input.at()), ",");
  assert.throws(() => scanAnchor(new YamlInput("&a.b")), /alphabetic or numeric character/);
});

Deno.test("tags: secondary and named handles, local tags, a lone '!', verbatim tags", () => {
  const tag = (text: string) => scanTag(new YamlInput(text));
  assert.deepEqual(tag("!!int 1"), ["!!", "int"]);
  assert.deepEqual(tag("!e!x 1"), ["!e!", "x"]);
  assert.deepEqual(tag("!local 1"), ["!", "local"]);
  assert.deepEqual(tag("! 1"), ["", "!"]);
  assert.deepEqual(tag("!<tag:yaml.org,2002:str> 1"), ["", "tag:yaml.org,2002:str"]);
});

Deno.test("percent escapes in a tag are decoded as UTF-8", () => {
  assert.deepEqual(scanTag(new YamlInput("!!%69nt%C3%A9 x")), ["!!", "inté"]);
  assert.throws(() => scanTag(new YamlInput("!a%E2%82 x")), /did not find URI escaped octet/);
});
