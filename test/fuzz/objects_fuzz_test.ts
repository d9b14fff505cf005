/**
 * Property: any `objects` text with any `pathTranslation` and regions is
 * either refused with an ObjectsError (or a LimitError naming a budget and its
 * flag) or gives objects whose files all pass
 * the path rules, are distinct, and never need a file as a directory — within
 * a time bound (alias bombs, deep nesting and huge scalars included).
 */

import * as fc from "fast-check";
import assert from "node:assert/strict";
import {
  filePathProblem,
  type MountObject,
  ObjectsError,
  parseMountObjects,
} from "../../src/config/mod.ts";
import { LimitError } from "../../src/limits/mod.ts";
import { hostileText, pathTranslation } from "./arbitraries.ts";
import { checkProperty, timed } from "./fuzz_settings.ts";
import { objectsDocument, type PoolEntry } from "./objects_yaml.ts";

const POOL: PoolEntry[] = [
  { name: "app/db", type: "secretsmanager", json: true },
  { name: "/app/param", type: "ssmparameter", json: false },
  { name: "api-key", type: "secretsmanager", json: false },
  { name: "../escape", type: "secretsmanager", json: false },
  { name: "a/../../b", type: "ssmparameter", json: true },
  { name: "..data", type: "secretsmanager", json: false },
  { name: "/", type: "ssmparameter", json: false },
  { name: "é/ü/🙂", type: "secretsmanager", json: true },
  {
    name: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
    type: "secretsmanager",
    json: false,
  },
  { name: "arn:aws:ssm:us-west-2:123456789012:parameter/p", type: "ssmparameter", json: false },
];

const regions: fc.Arbitrary<string[]> = fc.oneof(
  fc.constant<string[]>(["us-east-1"]),
  fc.constant<string[]>(["us-east-1", "us-west-2"]),
  fc.tuple(hostileText(), hostileText()).map((pair) => [...pair]),
  hostileText().map((region) => [region]),
);

function checkFiles(objects: MountObject[]): void {
  // A selector (a token soup may write one) has no file until its matches are known.
  const files = objects.filter((object) => object.selector === undefined).flatMap((
    object,
  ) => [object.fileName, ...object.jmesFiles.map((j) => j.fileName)]);
  for (const file of files) {
    assert.equal(filePathProblem(file), undefined, `unsafe file ${JSON.stringify(file)}`);
  }
  const unique = new Set(files);
  assert.equal(unique.size, files.length, "two objects share a file");
  for (const file of files) {
    const parts = file.split("/");
    for (let i = 1; i < parts.length; i++) {
      assert.ok(
        !unique.has(parts.slice(0, i).join("/")),
        `a file is needed as a directory: ${file}`,
      );
    }
  }
  for (const object of objects) {
    for (const mode of [object.mode, ...object.jmesFiles.map((j) => j.mode)]) {
      assert.ok(mode === undefined || (Number.isInteger(mode) && mode >= 0 && mode <= 0o7777));
    }
  }
}

for (const hostile of [false, true]) {
  Deno.test(
    `${
      hostile ? "hostile" : "valid"
    } objects YAML: an ObjectsError, a LimitError or safe, distinct file names`,
    async () => {
      await checkProperty(
        `${hostile ? "hostile" : "valid"} objects YAML`,
        fc.property(
          objectsDocument(POOL, hostile),
          fc.oneof(fc.constantFrom("", "_", "False"), pathTranslation()),
          regions,
          (text, translation, regionList) => {
            let objects: MountObject[];
            try {
              objects = timed(
                "parseMountObjects",
                () =>
                  parseMountObjects(text, { regions: regionList, pathTranslation: translation }),
              );
            } catch (error) {
              assert.ok(
                error instanceof ObjectsError ||
                  (error instanceof LimitError &&
                    / \(provider flag --max-[a-z-]+\)$/.test(error.message)),
                `not an ObjectsError or LimitError: ${(error as Error)?.name}: ${
                  (error as Error)?.message
                }`,
              );
              assert.ok(error.message.length > 0);
              return;
            }
            checkFiles(objects);
            for (const object of objects) {
              assert.ok(object.type === "secretsmanager" || object.type === "ssmparameter");
              assert.equal(object.regions.length, regionList.length);
            }
          },
        ),
        { runs: hostile ? 1500 : 500 },
      );
    },
  );
}
