// Expected values were printed by a Go 1.26 program that calls
// sigs.k8s.io/yaml v1.6.0 `yaml.Unmarshal` into `[]*provider.SecretDescriptor`
// (a copy of the Go provider's struct types) for the same documents.
import assert from "node:assert/strict";
import {
  compareBytes,
  decodeObjects,
  ObjectsDecodeError,
  type ObjectSpec,
} from "./objects_decode.ts";

/** A descriptor with Go's zero values for every field not given. */
function spec(
  fields: Partial<Omit<ObjectSpec, "failoverObject">> & {
    failoverObject?: Partial<ObjectSpec["failoverObject"]>;
  } = {},
): ObjectSpec {
  return {
    objectName: "",
    objectAlias: "",
    objectVersion: "",
    objectVersionLabel: "",
    objectType: "",
    filePermission: "",
    jmesPath: [],
    ...fields,
    failoverObject: {
      objectName: "",
      objectVersion: "",
      objectVersionLabel: "",
      ...fields.failoverObject,
    },
  };
}

function decodeError(source: string): string {
  try {
    decodeObjects(source);
  } catch (error) {
    assert.ok(error instanceof ObjectsDecodeError);
    return error.message;
  }
  assert.fail(`decodeObjects(${JSON.stringify(source)}) did not throw`);
}

const TYPE_ERROR = "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal";

Deno.test("a list of mappings decodes into object specs", () => {
  assert.deepEqual(
    decodeObjects(
      "- objectName: MySecret\n  objectType: secretsmanager\n  objectAlias: my-file\n" +
        "  objectVersion: v1\n  objectVersionLabel: AWSCURRENT\n  filePermission: '0600'\n" +
        "  jmesPath:\n    - path: username\n      objectAlias: user\n      filePermission: '0640'\n" +
        "  failoverObject:\n    objectName: Other\n    objectVersion: v1\n    objectVersionLabel: L",
    ),
    [spec({
      objectName: "MySecret",
      objectType: "secretsmanager",
      objectAlias: "my-file",
      objectVersion: "v1",
      objectVersionLabel: "AWSCURRENT",
      filePermission: "0600",
      jmesPath: [{ path: "username", objectAlias: "user", filePermission: "0640" }],
      failoverObject: { objectName: "Other", objectVersion: "v1", objectVersionLabel: "L" },
    })],
  );
});

Deno.test("an empty, null or empty-list document gives no objects", () => {
  assert.deepEqual(decodeObjects(""), []);
  assert.deepEqual(decodeObjects("~"), []);
  assert.deepEqual(decodeObjects("[]"), []);
  assert.deepEqual(decodeObjects("# only a comment"), []);
});

Deno.test("unquoted scalars in string fields become the text go-yaml v2 resolves them to", async (t) => {
  const cases: [yaml: string, text: string][] = [
    ["0600", "384"],
    ["'0600'", "0600"],
    ["0x10", "16"],
    ["0o17", "15"],
    ["+5", "5"],
    ["-0", "0"],
    ["1_000", "1000"],
    ["yes", "true"],
    ["on", "true"],
    ["y", "true"],
    ["Off", "false"],
    ["N", "false"],
    ["1.10", "1.1"],
    ["0.5", "0.5"],
    ["1e6", "1e+06"],
    ["100000.0", "100000"],
    ["1000000.0", "1e+06"],
    ["1234567.0", "1.234567e+06"],
    ["123456789", "123456789"],
    ["16777217", "16777217"],
    ["3.14159265358979", "3.1415927"],
    ["0.0001", "0.0001"],
    ["0.00001", "1e-05"],
    ["-1.5e-7", "-1.5e-07"],
    ["9223372036854775808", "9223372036854775808"],
    ["18446744073709551616", "1.8446744e+19"],
    ["1e400", "1e400"],
    ["3.5e38", "+Inf"],
    [".inf", "+Inf"],
    ["-.Inf", "-Inf"],
    [".NaN", "NaN"],
    ["2024-01-02", "2024-01-02"],
    ["2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"],
    ["12:30", "12:30"],
    ["!!binary aGVsbG8=", "hello"],
  ];
  for (const [yaml, text] of cases) {
    await t.step(`objectName: ${yaml} gives "${text}"`, () => {
      assert.deepEqual(decodeObjects(`- objectName: ${yaml}`), [spec({ objectName: text })]);
    });
  }
});

Deno.test("~, null and an empty value leave a field unset", () => {
  for (const yaml of ["~", "null", ""]) {
    assert.deepEqual(decodeObjects(`- objectName: ${yaml}`), [spec()]);
  }
});

Deno.test("unquoted file permissions in objects and jmesPath entries are read as octal", () => {
  assert.deepEqual(
    decodeObjects(
      "- objectName: a\n  filePermission: 0644\n  jmesPath:\n" +
        "    - path: p\n      objectAlias: q\n      filePermission: 0600",
    ),
    [spec({
      objectName: "a",
      filePermission: "420",
      jmesPath: [{ path: "p", objectAlias: "q", filePermission: "384" }],
    })],
  );
});

Deno.test("keys match fields case-insensitively", () => {
  assert.deepEqual(
    decodeObjects("- OBJECTNAME: a\n  ObjectAlias: b\n  objecttype: secretsmanager"),
    [spec({ objectName: "a", objectAlias: "b", objectType: "secretsmanager" })],
  );
  assert.deepEqual(
    decodeObjects("- objectName: a\n  jmesPath:\n    - Path: '\"x\"'\n      ObjectAlias: z"),
    [spec({ objectName: "a", jmesPath: [{ path: '"x"', objectAlias: "z", filePermission: "" }] })],
  );
  assert.deepEqual(
    decodeObjects(
      "- objectName: a\n  failoverObject:\n    ObjectName: b\n    objectversion: 1\n" +
        "    OBJECTVERSIONLABEL: L",
    ),
    [spec({
      objectName: "a",
      failoverObject: { objectName: "b", objectVersion: "1", objectVersionLabel: "L" },
    })],
  );
});

Deno.test("Go folds the long s and the Kelvin sign onto s and k when matching keys", () => {
  assert.deepEqual(decodeObjects("- objectName: a\n  objectAlia\u017f: b"), [
    spec({ objectName: "a", objectAlias: "b" }),
  ]);
  assert.deepEqual(decodeObjects("- objectName: a\n  f\u0130lePermission: '0600'"), [
    spec({ objectName: "a" }),
  ]);
});

Deno.test("with two spellings of one key the byte-sorted last wins: objectName beats ObjectName", () => {
  assert.deepEqual(decodeObjects("- ObjectName: first\n  objectName: second"), [
    spec({ objectName: "second" }),
  ]);
  assert.deepEqual(decodeObjects("- objectName: second\n  ObjectName: first"), [
    spec({ objectName: "second" }),
  ]);
});

Deno.test("a null under one spelling leaves what another spelling set", () => {
  assert.deepEqual(decodeObjects("- objectName: a\n  ObjectName: ~"), [spec({ objectName: "a" })]);
});

Deno.test("two spellings of a struct or list field are decoded into the same value", () => {
  assert.deepEqual(
    decodeObjects(
      "- objectName: a\n  FailoverObject: {objectName: b}\n  failoverObject: {objectVersion: c}",
    ),
    [spec({ objectName: "a", failoverObject: { objectName: "b", objectVersion: "c" } })],
  );
  assert.deepEqual(
    decodeObjects("- objectName: a\n  JmesPath: [{path: p}]\n  jmesPath: [{objectAlias: q}]"),
    [spec({ objectName: "a", jmesPath: [{ path: "p", objectAlias: "q", filePermission: "" }] })],
  );
});

Deno.test("the last of duplicate keys wins, even when it is null", () => {
  assert.deepEqual(decodeObjects("- objectName: a\n  objectName: b\n  objectName: c"), [
    spec({ objectName: "c" }),
  ]);
  assert.deepEqual(decodeObjects("- objectName: a\n  objectName: ~"), [spec()]);
});

Deno.test("unknown keys are ignored", () => {
  assert.deepEqual(
    decodeObjects("- objectName: a\n  backupArn: x\n  inFallback: true\n  Path: x"),
    [
      spec({ objectName: "a" }),
    ],
  );
});

Deno.test("a null item stays null so that validation can report it in order", () => {
  assert.deepEqual(decodeObjects("-"), [null]);
  assert.deepEqual(decodeObjects("- objectName: a\n-\n- objectName: b"), [
    spec({ objectName: "a" }),
    null,
    spec({ objectName: "b" }),
  ]);
});

Deno.test("an empty mapping item is an object with every field unset", () => {
  assert.deepEqual(decodeObjects("- {}"), [spec()]);
});

Deno.test("null failoverObject and jmesPath leave them empty; null jmesPath entries are empty entries", () => {
  assert.deepEqual(decodeObjects("- objectName: a\n  failoverObject: ~\n  jmesPath: ~"), [
    spec({ objectName: "a" }),
  ]);
  assert.deepEqual(decodeObjects("- objectName: a\n  jmesPath: [~, {path: p}]"), [
    spec({
      objectName: "a",
      jmesPath: [
        { path: "", objectAlias: "", filePermission: "" },
        { path: "p", objectAlias: "", filePermission: "" },
      ],
    }),
  ]);
});

Deno.test("anchors, aliases and merge keys are expanded", () => {
  assert.deepEqual(decodeObjects("- &d\n  objectName: a\n  objectType: secretsmanager\n- *d"), [
    spec({ objectName: "a", objectType: "secretsmanager" }),
    spec({ objectName: "a", objectType: "secretsmanager" }),
  ]);
  assert.deepEqual(
    decodeObjects(
      "- &base {objectType: secretsmanager, objectAlias: x}\n- <<: *base\n  objectName: a",
    ),
    [
      spec({ objectType: "secretsmanager", objectAlias: "x" }),
      spec({ objectName: "a", objectType: "secretsmanager", objectAlias: "x" }),
    ],
  );
  assert.deepEqual(decodeObjects("- <<: [{objectName: m1}, {objectName: m2, objectType: t}]"), [
    spec({ objectName: "m1", objectType: "t" }),
  ]);
});

Deno.test("only the first YAML document is read", () => {
  assert.deepEqual(decodeObjects("- objectName: a\n---\n- objectName: b"), [
    spec({ objectName: "a" }),
  ]);
});

Deno.test("a top level that is not a list is a type error", () => {
  const message = `${TYPE_ERROR} object into Go value of type []*provider.SecretDescriptor`;
  assert.equal(decodeError("array:\n  - objectName: a"), message);
  assert.equal(decodeError("objects: x"), message);
  assert.equal(
    decodeError("a"),
    `${TYPE_ERROR} string into Go value of type []*provider.SecretDescriptor`,
  );
  assert.equal(
    decodeError("1"),
    `${TYPE_ERROR} number into Go value of type []*provider.SecretDescriptor`,
  );
});

Deno.test("a scalar or list item is a type error", () => {
  assert.equal(
    decodeError("- a"),
    `${TYPE_ERROR} string into Go value of type provider.SecretDescriptor`,
  );
  assert.equal(
    decodeError("- 1"),
    `${TYPE_ERROR} number into Go value of type provider.SecretDescriptor`,
  );
  assert.equal(
    decodeError("- true"),
    `${TYPE_ERROR} bool into Go value of type provider.SecretDescriptor`,
  );
  assert.equal(
    decodeError("- []"),
    `${TYPE_ERROR} array into Go value of type provider.SecretDescriptor`,
  );
});

Deno.test("type errors in fields name the Go struct field", async (t) => {
  const cases: [yaml: string, tail: string][] = [
    [
      "- objectName: [a]",
      "array into Go struct field SecretDescriptor.objectName of type string",
    ],
    [
      "- objectName: {a: b}",
      "object into Go struct field SecretDescriptor.objectName of type string",
    ],
    [
      "- objectName: a\n  jmesPath:\n    - path: [1]",
      "array into Go struct field JMESPathEntry.jmesPath.path of type string",
    ],
    [
      "- objectName: a\n  jmesPath: [1]",
      "number into Go struct field SecretDescriptor.jmesPath of type provider.JMESPathEntry",
    ],
    [
      "- objectName: a\n  jmesPath: 'x'",
      "string into Go struct field SecretDescriptor.jmesPath of type []provider.JMESPathEntry",
    ],
    [
      "- objectName: a\n  jmesPath: {}",
      "object into Go struct field SecretDescriptor.jmesPath of type []provider.JMESPathEntry",
    ],
    [
      "- objectName: a\n  failoverObject: {objectName: [x]}",
      "array into Go struct field FailoverObjectEntry.failoverObject.objectName of type string",
    ],
    [
      "- objectName: a\n  failoverObject: 1",
      "number into Go struct field SecretDescriptor.failoverObject of type provider.FailoverObjectEntry",
    ],
    [
      "- objectName: a\n  failoverObject: [1]",
      "array into Go struct field SecretDescriptor.failoverObject of type provider.FailoverObjectEntry",
    ],
  ];
  for (const [yaml, tail] of cases) {
    await t.step(`${JSON.stringify(yaml)} fails with "... ${tail}"`, () => {
      assert.equal(decodeError(yaml), `${TYPE_ERROR} ${tail}`);
    });
  }
});

Deno.test("the first type error in sorted key order and list order is reported", () => {
  assert.equal(
    decodeError("- objectName: [a]\n  objectAlias: {b: 1}"),
    `${TYPE_ERROR} object into Go struct field SecretDescriptor.objectAlias of type string`,
  );
  assert.equal(
    decodeError("- objectName: a\n- objectName: [b]\n- objectAlias: [c]"),
    `${TYPE_ERROR} array into Go struct field SecretDescriptor.objectName of type string`,
  );
  assert.equal(
    decodeError("- x\n- objectName: [1]"),
    `${TYPE_ERROR} string into Go value of type provider.SecretDescriptor`,
  );
});

Deno.test("NaN and infinities outside string fields cannot be converted to JSON", () => {
  assert.equal(
    decodeError("- objectName: a\n  extra: .inf"),
    "error converting YAML to JSON: json: unsupported value: +Inf",
  );
  assert.equal(
    decodeError("- objectName: a\n  extra: [1, .inf]"),
    "error converting YAML to JSON: json: unsupported value: +Inf",
  );
  assert.equal(
    decodeError("- objectName: a\n  failoverObject: .nan"),
    "error converting YAML to JSON: json: unsupported value: NaN",
  );
  assert.deepEqual(decodeObjects("- objectName: a\n  jmesPath: [{path: -.inf}]"), [
    spec({ objectName: "a", jmesPath: [{ path: "-Inf", objectAlias: "", filePermission: "" }] }),
  ]);
});

Deno.test("null and uint64 map keys are refused anywhere in the document", () => {
  assert.equal(
    decodeError("- objectName: a\n  ~: x"),
    'error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, value: "x"',
  );
  assert.equal(
    decodeError("- objectName: a\n  extra: {~: 1}"),
    "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, value: 1",
  );
  assert.equal(
    decodeError("- objectName: a\n  ~: [1, {b: ~}]"),
    "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, " +
      'value: []interface {}{1, map[interface {}]interface {}{"b":interface {}(nil)}}',
  );
  assert.equal(
    decodeError("- 18446744073709551615: a"),
    "error converting YAML to JSON: unsupported map key of type: uint64, " +
      'key: 0xffffffffffffffff, value: "a"',
  );
});

Deno.test("a list used as a map key is refused", () => {
  assert.equal(
    decodeError("- [1]: a\n  objectName: b"),
    "error converting YAML to JSON: yaml: invalid map key: []interface {}{1}",
  );
});

Deno.test("YAML errors are wrapped as 'error converting YAML to JSON'", () => {
  assert.equal(
    decodeError("- objectName: !!int foo"),
    "error converting YAML to JSON: yaml: cannot decode !!str `foo` as a !!int",
  );
  assert.equal(
    decodeError("%YAML 2.0\n---\n- objectName: a"),
    "error converting YAML to JSON: yaml: found incompatible YAML document",
  );
  // The syntax error wording comes from our parser; only the prefix matches go-yaml.
  assert.match(
    decodeError("- objectName: a\n objectType: b"),
    /^error converting YAML to JSON: yaml: line \d+: /,
  );
});

Deno.test("a document with %YAML 1.1 is accepted", () => {
  assert.deepEqual(decodeObjects("%YAML 1.1\n---\n- objectName: a"), [spec({ objectName: "a" })]);
});

Deno.test("compareBytes orders strings as Go orders their UTF-8 bytes", () => {
  const encoder = new TextEncoder();
  const utf8Order = (a: string, b: string) => {
    const x = encoder.encode(a);
    const y = encoder.encode(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };
  const samples = [
    "",
    "a",
    "B",
    "ab",
    "é",
    "\uffff",
    "\ue000",
    "🙂",
    "\ud800",
    "a🙂",
    "a\uffff",
    "ſ",
    "K",
    "\u212a",
  ];
  for (const a of samples) {
    for (const b of samples) {
      assert.equal(Math.sign(compareBytes(a, b)), Math.sign(utf8Order(a, b)), `${a} vs ${b}`);
    }
  }
});

Deno.test("objectEncoding is read on objects and jmesPath entries, absent when not written", () => {
  const [spec] = decodeObjects(
    "- {objectName: a, ObjectEncoding: base64, jmesPath: [{path: p, objectAlias: x, objectencoding: 1}]}",
  );
  assert.equal(spec?.objectEncoding, "base64");
  assert.equal(spec?.jmesPath[0].objectEncoding, "1");
  assert.equal("objectEncoding" in decodeObjects("- {objectName: a}")[0]!, false);
  assert.equal(
    decodeError("- {objectName: a, objectEncoding: [x]}"),
    `${TYPE_ERROR} array into Go struct field SecretDescriptor.objectEncoding of type string`,
  );
});

Deno.test("selector fields are read only without objectName, keys in any case", () => {
  assert.deepEqual(
    decodeObjects("- {Path: /app, RECURSIVE: yes, namePrefix: p, Tags: {b: 2, a: ~}}")[0]?.selector,
    { path: "/app", recursive: "true", namePrefix: "p", tags: [["a", ""], ["b", "2"]] },
  );
  assert.equal(decodeObjects("- {objectName: n, path: /app}")[0]?.selector, undefined);
  assert.deepEqual(decodeObjects("- {tags: {a: {b: c}}}")[0]?.selector, {
    problem: "tags must be a map of tag keys to values",
  });
});

Deno.test("selector fields convert to JSON like unknown keys: NaN fails as in Go", () => {
  assert.equal(
    decodeError("- {objectName: a, path: .nan}"),
    "error converting YAML to JSON: json: unsupported value: NaN",
  );
});
