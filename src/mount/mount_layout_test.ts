import assert from "node:assert/strict";
import { parseMountObjects } from "../config/mod.ts";
import type { FetchedObject } from "../fetch/mod.ts";
import { layOutFiles } from "./mount_layout.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Objects of `yaml` as fetched: each with `content@version` and its jmesPath values. */
function fetched(yaml: string, values: [content: string, version: string, jmes?: string[]][]) {
  return parseMountObjects(yaml, { regions: ["us-east-1"], pathTranslation: "" }).map(
    (object, i): FetchedObject => ({
      object,
      bytes: encoder.encode(values[i][0]),
      version: values[i][1],
      jmesValues: (values[i][2] ?? []).map((value) => encoder.encode(value)),
      regionIndex: 0,
    }),
  );
}

const OBJECTS = `
- objectName: app/db
  objectType: secretsmanager
  filePermission: "0600"
  jmesPath:
    - {path: user, objectAlias: db-user}
    - {path: password, objectAlias: db-password, filePermission: "0400"}
- {objectName: /app/param, objectType: ssmparameter}
`;

Deno.test("each object's file is followed by its jmesPath files, in fetch order", () => {
  const { files } = layOutFiles(
    fetched(OBJECTS, [['{"user":"u","password":"p"}', "v-db", ["u", "p"]], ["param", "3"]]),
    0o644,
    new Map(),
  );
  assert.deepEqual(
    files.map(({ path, mode, contents }) => [path, mode.toString(8), decoder.decode(contents)]),
    [
      ["app_db", "600", '{"user":"u","password":"p"}'],
      ["db-user", "600", "u"], // the object's mode
      ["db-password", "400", "p"], // the entry's own mode
      ["_app_param", "644", "param"], // the request's default mode
    ],
  );
});

Deno.test("every file gets a version; jmesPath files carry their object's version", () => {
  const { versions } = layOutFiles(
    fetched(OBJECTS, [["{}", "v-db", ["u", "p"]], ["param", "3"]]),
    0o644,
    new Map(),
  );
  assert.deepEqual(versions, [
    { id: "app_db", version: "v-db" },
    { id: "db-user", version: "v-db" },
    { id: "db-password", version: "v-db" },
    { id: "_app_param", version: "3" },
  ]);
});

Deno.test("request versions of ids this mount does not produce are echoed untouched", () => {
  const { versions } = layOutFiles(
    fetched("- {objectName: a, objectType: secretsmanager}", [["A", "v-new"]]),
    0o644,
    new Map([["a", "v-old"], ["gone", "v-gone"], ["", "v-empty-id"]]),
  );
  assert.deepEqual(versions, [
    { id: "a", version: "v-new" },
    { id: "gone", version: "v-gone" },
    { id: "", version: "v-empty-id" },
  ]);
});

Deno.test("permission digits above 0777 are kept for the driver", () => {
  const { files } = layOutFiles(
    fetched('- {objectName: a, objectType: secretsmanager, filePermission: "4755"}', [["A", "1"]]),
    0o644,
    new Map(),
  );
  assert.equal(files[0].mode, 0o4755);
});

Deno.test("the default mode applies to objects without filePermission", () => {
  const { files } = layOutFiles(
    fetched("- {objectName: a, objectType: secretsmanager}", [["A", "1"]]),
    0o640,
    new Map(),
  );
  assert.equal(files[0].mode, 0o640);
});

Deno.test("content is passed on as raw bytes", () => {
  const [object] = fetched("- {objectName: bin, objectType: secretsmanager}", [["", "1"]]);
  object.bytes = new Uint8Array([0, 0xff, 0x0a]);
  assert.deepEqual(layOutFiles([object], 0o644, new Map()).files[0].contents, object.bytes);
});

Deno.test("no objects give no files and only the request's versions", () => {
  assert.deepEqual(layOutFiles([], 0o644, new Map([["x", "1"]])), {
    files: [],
    versions: [{ id: "x", version: "1" }],
  });
});
