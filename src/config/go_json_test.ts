// Expected texts were printed by Go 1.26 `encoding/json` (json.Unmarshal into
// interface{}, map[string]string and os.FileMode) for the same inputs.
import assert from "node:assert/strict";
import {
  decodeFileMode,
  decodeStringMap,
  GoJsonError,
  goJsonKind,
  goJsonSyntaxError,
  parseGoJson,
} from "./go_json.ts";

const SYNTAX_ERRORS: [input: string, goError: string][] = [
  ["", "unexpected end of JSON input"],
  ["   ", "unexpected end of JSON input"],
  ["{", "unexpected end of JSON input"],
  ["[", "unexpected end of JSON input"],
  ['"abc', "unexpected end of JSON input"],
  ["{x}", "invalid character 'x' looking for beginning of object key string"],
  ['{"a"}', "invalid character '}' after object key"],
  ['{"a" 1}', "invalid character '1' after object key"],
  ['{"a":}', "invalid character '}' looking for beginning of value"],
  ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
  ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
  ['{"a":1}}', "invalid character '}' after top-level value"],
  ["[1,]", "invalid character ']' looking for beginning of value"],
  ["[1 2]", "invalid character '2' after array element"],
  ["1 2", "invalid character '2' after top-level value"],
  ["{}x", "invalid character 'x' after top-level value"],
  ["01", "invalid character '1' after top-level value"],
  ["0x10", "invalid character 'x' after top-level value"],
  ["-", "invalid character ' ' in numeric literal"],
  ["-x", "invalid character 'x' in numeric literal"],
  ["1.", "invalid character ' ' after decimal point in numeric literal"],
  ["1.x", "invalid character 'x' after decimal point in numeric literal"],
  ["1e", "invalid character ' ' in exponent of numeric literal"],
  ["1e+", "invalid character ' ' in exponent of numeric literal"],
  ["+1", "invalid character '+' looking for beginning of value"],
  [".5", "invalid character '.' looking for beginning of value"],
  ["nul", "invalid character ' ' in literal null (expecting 'l')"],
  ["nulx", "invalid character 'x' in literal null (expecting 'l')"],
  ["trux", "invalid character 'x' in literal true (expecting 'e')"],
  ["falsy", "invalid character 'y' in literal false (expecting 'e')"],
  ["True", "invalid character 'T' looking for beginning of value"],
  ["Infinity", "invalid character 'I' looking for beginning of value"],
  ["NaN", "invalid character 'N' looking for beginning of value"],
  ["'a'", "invalid character '\\'' looking for beginning of value"],
  ['"a\\x"', "invalid character 'x' in string escape code"],
  ['"a\\u12G4"', "invalid character 'G' in \\u hexadecimal character escape"],
  ['"\t"', "invalid character '\\t' in string literal"],
  ['"\n"', "invalid character '\\n' in string literal"],
  ["\\", "invalid character '\\\\' looking for beginning of value"],
  ["\u0000", "invalid character '\\x00' looking for beginning of value"],
  ["\u001b", "invalid character '\\x1b' looking for beginning of value"],
  ["\u007f", "invalid character '\\x7f' looking for beginning of value"],
  ["\u000b{}", "invalid character '\\v' looking for beginning of value"],
  // Go reports the first byte of a multi-byte character, as a Latin-1 rune.
  ["é", "invalid character 'Ã' looking for beginning of value"],
  ["[\u00ad]", "invalid character 'Â' looking for beginning of value"],
  ["\ufeff{}", "invalid character 'ï' looking for beginning of value"],
];

Deno.test("syntax errors carry Go's encoding/json texts", async (t) => {
  for (const [input, goError] of SYNTAX_ERRORS) {
    await t.step(`${JSON.stringify(input)} fails with "${goError}"`, () => {
      assert.equal(goJsonSyntaxError(input), goError);
    });
  }
});

Deno.test("valid JSON with surrounding white space has no syntax error", () => {
  assert.equal(goJsonSyntaxError("{}"), undefined);
  assert.equal(goJsonSyntaxError("\r\n{}\r\n"), undefined);
  assert.equal(
    goJsonSyntaxError('  {"a" : [1, -2.5e-3, true, false, null, "\\u00e9\\n"]}  '),
    undefined,
  );
});

Deno.test("nesting deeper than 10000 levels fails like Go", () => {
  assert.equal(goJsonSyntaxError("[".repeat(10000) + "]".repeat(10000)), undefined);
  assert.equal(
    goJsonSyntaxError("[".repeat(10001)),
    "invalid character '[' exceeded max depth",
  );
  assert.equal(
    goJsonSyntaxError('{"a":'.repeat(10000) + "{"),
    "invalid character '{' exceeded max depth",
  );
});

Deno.test("parseGoJson returns the value or throws a GoJsonError with Go's text", () => {
  assert.deepEqual(parseGoJson('{"a":[1,null]}'), { a: [1, null] });
  assert.throws(() => parseGoJson("{x}"), (error) => {
    assert.ok(error instanceof GoJsonError);
    assert.equal(error.message, "invalid character 'x' looking for beginning of object key string");
    return true;
  });
});

Deno.test("goJsonKind names JSON values with Go's words", () => {
  assert.equal(goJsonKind(null), "null");
  assert.equal(goJsonKind(true), "bool");
  assert.equal(goJsonKind(1.5), "number");
  assert.equal(goJsonKind("x"), "string");
  assert.equal(goJsonKind([]), "array");
  assert.equal(goJsonKind({}), "object");
});

function stringMapError(text: string): string {
  try {
    decodeStringMap(text);
  } catch (error) {
    assert.ok(error instanceof GoJsonError);
    return error.message;
  }
  assert.fail(`decodeStringMap(${JSON.stringify(text)}) did not throw`);
}

Deno.test("a JSON object of strings decodes into a map", () => {
  assert.deepEqual(
    decodeStringMap('{"region":"us-east-1","objects":"- objectName: x"}'),
    new Map([["region", "us-east-1"], ["objects", "- objectName: x"]]),
  );
});

Deno.test("null decodes into an empty map, and null values into empty strings", () => {
  assert.deepEqual(decodeStringMap("null"), new Map());
  assert.deepEqual(decodeStringMap("  null  "), new Map());
  assert.deepEqual(decodeStringMap('{"a":null}'), new Map([["a", ""]]));
});

Deno.test("the last of two duplicate keys wins", () => {
  assert.deepEqual(decodeStringMap('{"a":"1","a":"2"}'), new Map([["a", "2"]]));
});

Deno.test("a key named __proto__ is an ordinary key", () => {
  assert.deepEqual(decodeStringMap('{"__proto__":"x"}'), new Map([["__proto__", "x"]]));
});

Deno.test("map[string]string type errors carry Go's texts", async (t) => {
  const cases: [string, string][] = [
    ["[]", "json: cannot unmarshal array into Go value of type map[string]string"],
    ['"x"', "json: cannot unmarshal string into Go value of type map[string]string"],
    ["1", "json: cannot unmarshal number into Go value of type map[string]string"],
    ["4.2", "json: cannot unmarshal number into Go value of type map[string]string"],
    ["true", "json: cannot unmarshal bool into Go value of type map[string]string"],
    ['{"a":1}', "json: cannot unmarshal number into Go value of type string"],
    ['{"a":1.5}', "json: cannot unmarshal number into Go value of type string"],
    ['{"a":[]}', "json: cannot unmarshal array into Go value of type string"],
    ['{"a":{}}', "json: cannot unmarshal object into Go value of type string"],
    ['{"a":"x","b":true}', "json: cannot unmarshal bool into Go value of type string"],
    // The first type error wins; decoding goes on past it.
    ['{"a":1,"b":[]}', "json: cannot unmarshal number into Go value of type string"],
    ['{"a":"x","b":2,"c":"y"}', "json: cannot unmarshal number into Go value of type string"],
  ];
  for (const [input, goError] of cases) {
    await t.step(`${input} fails with "${goError}"`, () => {
      assert.equal(stringMapError(input), goError);
    });
  }
});

Deno.test("a syntax error wins over a type error in a map", () => {
  assert.equal(stringMapError(""), "unexpected end of JSON input");
  assert.equal(stringMapError('{"a":1'), "unexpected end of JSON input");
});

function fileModeError(text: string): string {
  try {
    decodeFileMode(text);
  } catch (error) {
    assert.ok(error instanceof GoJsonError);
    return error.message;
  }
  assert.fail(`decodeFileMode(${JSON.stringify(text)}) did not throw`);
}

Deno.test("a plain non-negative integer decodes into a file mode", () => {
  assert.equal(decodeFileMode("420"), 420);
  assert.equal(decodeFileMode(" 420 "), 420);
  assert.equal(decodeFileMode("0"), 0);
  assert.equal(decodeFileMode("4294967295"), 4294967295);
});

Deno.test("null decodes into file mode 0", () => {
  assert.equal(decodeFileMode("null"), 0);
});

Deno.test("fs.FileMode errors carry Go's texts", async (t) => {
  const cases: [string, string][] = [
    ["", "unexpected end of JSON input"],
    ["0644", "invalid character '6' after top-level value"],
    ["420x", "invalid character 'x' after top-level value"],
    ['"420"', "json: cannot unmarshal string into Go value of type fs.FileMode"],
    ["true", "json: cannot unmarshal bool into Go value of type fs.FileMode"],
    ["[]", "json: cannot unmarshal array into Go value of type fs.FileMode"],
    ["{}", "json: cannot unmarshal object into Go value of type fs.FileMode"],
    ["-1", "json: cannot unmarshal number -1 into Go value of type fs.FileMode"],
    ["-0", "json: cannot unmarshal number -0 into Go value of type fs.FileMode"],
    ["4.2", "json: cannot unmarshal number 4.2 into Go value of type fs.FileMode"],
    ["1.0", "json: cannot unmarshal number 1.0 into Go value of type fs.FileMode"],
    ["4e2", "json: cannot unmarshal number 4e2 into Go value of type fs.FileMode"],
    ["1E2", "json: cannot unmarshal number 1E2 into Go value of type fs.FileMode"],
    [
      "4294967296",
      "json: cannot unmarshal number 4294967296 into Go value of type fs.FileMode",
    ],
    [
      "99999999999999999999",
      "json: cannot unmarshal number 99999999999999999999 into Go value of type fs.FileMode",
    ],
  ];
  for (const [input, goError] of cases) {
    await t.step(`${JSON.stringify(input)} fails with "${goError}"`, () => {
      assert.equal(fileModeError(input), goError);
    });
  }
});

Deno.test("a lone surrogate escape in attributes becomes U+FFFD, as Go decodes it", () => {
  const decoded = decodeStringMap('{"objects": "- objectName: \\ud800x", "k\\udc00": "v"}');
  assert.equal(decoded.get("objects"), "- objectName: \ufffdx");
  assert.equal(decoded.get("k\ufffd"), "v");
});
