// Expected type-error texts were printed by Go 1.26 `encoding/json`
// (json.Unmarshal into map[string]string and os.FileMode) for the same inputs.
import assert from "node:assert/strict";
import { decodeFileMode, decodeStringMap, GoJsonError, goJsonKind, parseGoJson } from "./json.ts";

Deno.test("syntax errors say where, never what the input holds", () => {
  const cases: [input: string, text: string][] = [
    ["", "unexpected end of JSON input"],
    ["   ", "unexpected end of JSON input"],
    ["{", "unexpected end of JSON input"],
    ["[1,2", "unexpected end of JSON input"],
    ['"abc', "unexpected end of JSON input"],
    ['{"token": "eyJ-secret-part"} x', "invalid JSON at offset 29"],
    ['{"a":1,}', "invalid JSON at offset 7"],
    ["not json", "invalid JSON"],
  ];
  for (const [input, text] of cases) {
    assert.throws(() => parseGoJson(input), { name: "GoJsonError", message: text }, input);
  }
  try {
    parseGoJson('{"t": "eyJhbGciOiJSUzI1NiJ9.secret-token-value" oops}');
  } catch (error) {
    assert.doesNotMatch((error as Error).message, /secret-token|eyJ/);
  }
});

Deno.test("nesting deeper than Go's 10,000 levels is accepted (the driver never writes it)", () => {
  assert.ok(Array.isArray(parseGoJson("[".repeat(10_001) + "]".repeat(10_001))));
});

Deno.test("parseGoJson returns the value or throws a GoJsonError", () => {
  assert.deepEqual(parseGoJson('{"a":[1,null]}'), { a: [1, null] });
  assert.throws(() => parseGoJson("{x}"), (error) => {
    assert.ok(error instanceof GoJsonError);
    assert.equal(error.message, "invalid JSON at offset 1");
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
    ["0644", "invalid JSON at offset 1"],
    ["420x", "invalid JSON at offset 3"],
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
