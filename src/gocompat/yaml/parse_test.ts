// Expected resolutions were checked against go-yaml v2 (through
// sigs.k8s.io/yaml v1.6.0, Go 1.26): each scalar below, unmarshalled into a Go
// string field, gives the text the resolved value turns into.
import assert from "node:assert/strict";
import { parseYaml11, resolveScalar, YamlMapping, YamlSyntaxError } from "./parse.ts";

function parseError(source: string): string {
  try {
    parseYaml11(source);
  } catch (error) {
    assert.ok(error instanceof YamlSyntaxError);
    return error.message;
  }
  assert.fail(`parseYaml11(${JSON.stringify(source)}) did not throw`);
}

function mapping(value: unknown): [unknown, unknown][] {
  assert.ok(value instanceof YamlMapping);
  return value.entries;
}

Deno.test("YAML 1.1 booleans resolve to true and false", async (t) => {
  const cases: [string, boolean][] = [
    ["y", true],
    ["Y", true],
    ["yes", true],
    ["Yes", true],
    ["YES", true],
    ["true", true],
    ["True", true],
    ["TRUE", true],
    ["on", true],
    ["On", true],
    ["ON", true],
    ["n", false],
    ["N", false],
    ["no", false],
    ["No", false],
    ["NO", false],
    ["false", false],
    ["False", false],
    ["FALSE", false],
    ["off", false],
    ["Off", false],
    ["OFF", false],
  ];
  for (const [text, expected] of cases) {
    await t.step(`${text} is ${expected}`, () => assert.equal(resolveScalar(text), expected));
  }
});

Deno.test("mixed-case spellings of booleans stay strings", () => {
  assert.equal(resolveScalar("tRue"), "tRue");
  assert.equal(resolveScalar("oN"), "oN");
  assert.equal(resolveScalar("yES"), "yES");
});

Deno.test("~, null, Null, NULL and the empty scalar are null", () => {
  for (const text of ["~", "null", "Null", "NULL", ""]) assert.equal(resolveScalar(text), null);
});

Deno.test("integers resolve to 64-bit bigints with go-yaml's prefixes", async (t) => {
  const cases: [string, bigint][] = [
    ["0", 0n],
    ["-0", 0n],
    ["+0", 0n],
    ["00", 0n],
    ["+12", 12n],
    ["-12", -12n],
    ["0600", 384n],
    ["0x10", 16n],
    ["0o17", 15n],
    ["0b101", 5n],
    ["-0b101", -5n],
    ["1_000", 1000n],
    ["1__0", 10n],
    ["1_", 1n],
    ["0x_10", 16n],
    ["9223372036854775807", 9223372036854775807n],
    ["9223372036854775808", 9223372036854775808n],
    ["18446744073709551615", 18446744073709551615n],
    ["-9223372036854775808", -9223372036854775808n],
  ];
  for (const [text, expected] of cases) {
    await t.step(`${text} is ${expected}`, () => assert.equal(resolveScalar(text), expected));
  }
});

Deno.test("a leading-zero number with 8 or 9 is a decimal float, not octal", () => {
  assert.equal(resolveScalar("08"), 8);
  assert.equal(resolveScalar("09"), 9);
});

Deno.test("floats resolve to numbers", async (t) => {
  const cases: [string, number][] = [
    ["0.5", 0.5],
    [".5", 0.5],
    ["1.10", 1.1],
    ["1e6", 1e6],
    ["1.e5", 1e5],
    ["0.", 0],
    ["685_230.15", 685230.15],
    ["18446744073709551616", 18446744073709551616],
    ["1e-400", 0],
    [".inf", Infinity],
    ["+.Inf", Infinity],
    ["-.INF", -Infinity],
  ];
  for (const [text, expected] of cases) {
    await t.step(`${text} is ${expected}`, () => assert.equal(resolveScalar(text), expected));
  }
});

Deno.test(".nan, .NaN and .NAN are NaN", () => {
  for (const text of [".nan", ".NaN", ".NAN"]) assert.ok(Number.isNaN(resolveScalar(text)));
});

Deno.test("a float beyond float64 range stays a string, as Go's ParseFloat range error leaves it", () => {
  assert.equal(resolveScalar("1e400"), "1e400");
  assert.equal(resolveScalar("-1e400"), "-1e400");
});

Deno.test("timestamps stay their source text, as go-yaml v2 gives them to interface{}", () => {
  assert.equal(resolveScalar("2024-01-02"), "2024-01-02");
  assert.equal(resolveScalar("2024-1-2"), "2024-1-2");
  assert.equal(resolveScalar("2001-12-14t21:59:43.10-05:00"), "2001-12-14t21:59:43.10-05:00");
  assert.equal(resolveScalar("2024-01-02 03:04:05"), "2024-01-02 03:04:05");
});

Deno.test("other scalars stay strings", () => {
  for (const text of ["abc", "12:30", "1,000", "_1", "1.2.3", "1e", "0x", "=", "<<"]) {
    assert.equal(resolveScalar(text), text);
  }
});

Deno.test("quoted scalars are never resolved", () => {
  assert.deepEqual(parseYaml11("- '0600'\n- \"yes\"\n- '~'"), ["0600", "yes", "~"]);
});

Deno.test("block scalars are strings", () => {
  assert.deepEqual(parseYaml11("- |\n  0600\n- >-\n  yes\n  no"), ["0600\n", "yes no"]);
});

Deno.test("!!str keeps the text and other go-yaml tags resolve it", () => {
  assert.deepEqual(parseYaml11("- !!str 0600\n- !!int '12'\n- !!bool 'yes'\n- !!float 7"), [
    "0600",
    12n,
    true,
    7,
  ]);
});

Deno.test("an unknown tag leaves the text as is", () => {
  assert.deepEqual(parseYaml11("- !custom 0600"), ["0600"]);
});

Deno.test("a go-yaml tag on text of another kind is an error", () => {
  assert.equal(parseError("- !!int foo"), "yaml: cannot decode !!str `foo` as a !!int");
  assert.equal(parseError("- !!int 1.5"), "yaml: cannot decode !!float `1.5` as a !!int");
  assert.equal(parseError("- !!bool 1"), "yaml: cannot decode !!int `1` as a !!bool");
  assert.equal(parseError("- !!null foo"), "yaml: cannot decode !!str `foo` as a !!null");
  assert.equal(
    parseError("- !!timestamp foo"),
    "yaml: cannot decode !!str `foo` as a !!timestamp",
  );
});

Deno.test("a !!timestamp stays its source text", () => {
  assert.deepEqual(parseYaml11("- !!timestamp 2024-01-02"), ["2024-01-02"]);
});

Deno.test("!!binary is decoded from base64, line breaks ignored", () => {
  assert.deepEqual(parseYaml11("- !!binary aGVsbG8=\n- !!binary |\n  aGVs\n  bG8="), [
    "hello",
    "hello",
  ]);
});

Deno.test("!!binary with invalid base64 is an error", () => {
  assert.equal(
    parseError("- !!binary aGVsbG8"),
    "yaml: !!binary value contains invalid base64 data",
  );
  assert.equal(parseError("- !!binary '!!!'"), "yaml: !!binary value contains invalid base64 data");
});

Deno.test("an empty document, a comment or an empty explicit document is null", () => {
  assert.equal(parseYaml11(""), null);
  assert.equal(parseYaml11("# comment only"), null);
  assert.equal(parseYaml11("---\n..."), null);
});

Deno.test("only the first document is read", () => {
  assert.deepEqual(parseYaml11("- a\n---\n- b"), ["a"]);
});

Deno.test("YAML 1.1 boolean spellings are booleans as keys too", () => {
  assert.deepEqual(mapping(parseYaml11("n: a\nyes: b")), [[false, "a"], [true, "b"]]);
});

Deno.test("a mapping keeps every pair in order, duplicates included", () => {
  assert.deepEqual(mapping(parseYaml11("a: 1\nb: yes\na: x")), [["a", 1n], ["b", true], [
    "a",
    "x",
  ]]);
});

Deno.test("an alias repeats its anchor's value", () => {
  assert.deepEqual(mapping(parseYaml11("a: &x 0600\nb: *x")), [["a", 384n], ["b", 384n]]);
});

Deno.test("an alias to an unknown anchor is an error", () => {
  assert.equal(parseError("- *missing"), "yaml: unknown anchor 'missing' referenced");
});

Deno.test("an anchor whose value contains its own alias is an error", () => {
  assert.equal(parseError("- &a [*a]"), "yaml: anchor 'a' value contains itself");
  assert.equal(parseError("- &a {objectName: *a}"), "yaml: anchor 'a' value contains itself");
});

Deno.test("a merge key inserts the merged pairs where it stands", () => {
  assert.deepEqual(mapping(parseYaml11("a: 1\n<<: {a: 2, b: 3}\nc: 4")), [
    ["a", 1n],
    ["a", 2n],
    ["b", 3n],
    ["c", 4n],
  ]);
});

Deno.test("a merge of a sequence of maps lets the earlier maps win", () => {
  assert.deepEqual(mapping(parseYaml11("<<: [{a: 1}, {a: 2, b: 3}]")), [
    ["a", 2n],
    ["b", 3n],
    ["a", 1n],
  ]);
});

Deno.test("a merge key with an alias merges the anchored map", () => {
  const list = parseYaml11("- &base {t: x}\n- <<: *base\n  name: a") as unknown[];
  assert.deepEqual(mapping(list[1]), [
    ["t", "x"],
    ["name", "a"],
  ]);
});

Deno.test("a merge of anything but maps is an error", () => {
  const message = "yaml: map merge requires map or sequence of maps as the value";
  assert.equal(parseError("<<: x"), message);
  assert.equal(parseError("<<: [x]"), message);
  assert.equal(parseError("<<: ~"), message);
});

Deno.test("a quoted << is an ordinary key", () => {
  assert.deepEqual(mapping(parseYaml11("'<<': {a: 1}")).map(([key]) => key), ["<<"]);
});

Deno.test("a billion-laughs document is refused quickly", () => {
  const source = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]",
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]",
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]",
  ].join("\n");
  const started = performance.now();
  assert.equal(parseError(source), "yaml: document contains excessive aliasing");
  assert.ok(performance.now() - started < 1000);
});

Deno.test("aliases that make up over 99% of a small document are refused, as in go-yaml", () => {
  // 1,000+ nodes, almost all of them from alias expansion.
  const source = "a: &a [1,2,3,4,5,6,7,8,9,10]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n" +
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]";
  assert.equal(parseError(source), "yaml: document contains excessive aliasing");
});

Deno.test("moderate use of aliases is accepted", () => {
  const source = "a: &a [1,2,3,4,5,6,7,8,9,10]\nb: [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]";
  assert.equal(mapping(parseYaml11(source)).length, 2);
});

Deno.test("a large document without aliases is accepted", () => {
  const source = Array.from({ length: 10_000 }, (_, i) => `- objectName: secret-${i}`).join("\n");
  assert.equal((parseYaml11(source) as unknown[]).length, 10_000);
});

Deno.test("syntax errors use go-yaml's 'yaml: line N:' form", () => {
  assert.match(parseError("- objectName: a\n objectType: b"), /^yaml: line \d+: /);
  assert.match(parseError("- objectName: [a"), /^yaml: line 1: /);
});

Deno.test("a surrogate escape in a YAML string is go-yaml's invalid escape error", () => {
  assert.equal(parseError('- "a\\ud800b"'), "yaml: found invalid Unicode character escape code");
  assert.equal(
    parseError('- ok\n- "\\udfff"'),
    "yaml: line 2: found invalid Unicode character escape code",
  );
});
