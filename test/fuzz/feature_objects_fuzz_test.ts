/**
 * Properties of the `objects` fields that are ours (issue 12):
 * (a) any list mixing listed objects with `objectEncoding` and hostile
 *     selector entries is refused with an ObjectsError (or a LimitError
 *     naming its flag), or gives objects that keep every rule: a selector
 *     has no file, its store matches its fields, its path or filter values
 *     pass AWS's rules, at most 4 tags; listed files are safe and distinct;
 *     every encoding is one of the three;
 * (b) selector keys on an entry that has an `objectName` change nothing:
 *     such an entry decodes exactly as the Go provider's descriptor does
 *     (whose YAML-to-JSON step fails on NaN anywhere, so NaN is left out).
 */

import * as fc from "fast-check";
import assert from "node:assert/strict";
import {
  decodeObjects,
  fileOwners,
  filePathProblem,
  type MountObject,
  ObjectsError,
  parseMountObjects,
  ssmPathProblem,
} from "../../src/config/mod.ts";
import { LimitError } from "../../src/limits/mod.ts";
import { hostileText, pathTranslation } from "./arbitraries.ts";
import { encodedListedEntry, filterValue, selectorEntry } from "./feature_arbitraries.ts";
import { checkProperty, timed } from "./fuzz_settings.ts";

const NAMES = ["app/db", "/app/param", "api-key", "é/ü", "../escape"];
const FILTER_VALUE = /^[a-zA-Z0-9 :_@\/+=.\-][a-zA-Z0-9 :_@\/+=.\-!]*$/;

function checkObjects(objects: MountObject[]): void {
  for (const object of objects) {
    assert.ok(
      object.encoding === undefined || object.encoding === "base64" || object.encoding === "hex",
      `encoding ${object.encoding}`,
    );
    for (const jmes of object.jmesFiles) {
      assert.ok(jmes.encoding === undefined || ["base64", "hex"].includes(jmes.encoding));
    }
    const selector = object.selector;
    if (selector === undefined) continue;
    assert.equal(object.fileName, "");
    assert.deepEqual(object.jmesFiles, []);
    assert.equal(object.type, selector.store);
    assert.equal(object.spec.objectName, "");
    assert.equal(object.spec.objectAlias, "");
    assert.equal(object.spec.objectVersion, "");
    assert.equal(object.spec.objectVersionLabel, "");
    if (selector.store === "ssmparameter") {
      assert.equal(ssmPathProblem(selector.path), undefined, selector.path);
    } else {
      assert.ok(selector.namePrefix !== "" || selector.tags.length > 0);
      assert.ok(selector.tags.length <= 4);
      for (const value of [selector.namePrefix, ...selector.tags.map(([key]) => key)]) {
        assert.ok(value === "" || (FILTER_VALUE.test(value) && value.length <= 512), value);
      }
      for (const [, value] of selector.tags) {
        assert.ok(value === "" || FILTER_VALUE.test(value), value);
      }
    }
  }
  const files = fileOwners(objects).map((file) => file.fileName);
  for (const file of files) assert.equal(filePathProblem(file), undefined, file);
  assert.equal(new Set(files).size, files.length, "two objects share a file");
}

Deno.test("objects with selectors and objectEncoding: refused clearly or keeping every rule", async () => {
  let runs = 0;
  let selecting = 0;
  await checkProperty(
    "objects with selectors and objectEncoding",
    fc.property(
      fc.array(fc.oneof(selectorEntry(), encodedListedEntry(NAMES)), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.oneof(fc.constantFrom("", "_", "False"), pathTranslation()),
      (entries, translation) => {
        runs++;
        let objects: MountObject[];
        try {
          objects = timed("parseMountObjects", () =>
            parseMountObjects(entries.join("\n"), {
              regions: ["us-east-1", "us-west-2"],
              pathTranslation: translation,
            }));
        } catch (error) {
          assert.ok(
            error instanceof ObjectsError ||
              (error instanceof LimitError &&
                / \(provider flag --max-[a-z-]+\)$/.test(error.message)),
            `${(error as Error)?.name}: ${(error as Error)?.message}`,
          );
          assert.ok(error.message.length > 0 && error.message.length < 2_000, error.message);
          return;
        }
        checkObjects(objects);
        if (objects.some((object) => object.selector !== undefined)) selecting++;
      },
    ),
    { runs: 600 },
  );
  // The rules say little unless a good share of the lists holds a selector that passes them.
  assert.ok(selecting >= runs / 10, `only ${selecting} of ${runs} lists passed with a selector`);
});

Deno.test("selector keys on an entry with objectName decode as the Go provider ignores them", async () => {
  const extraValue = fc.oneof(
    hostileText().map((text) => JSON.stringify(text)),
    fc.array(filterValue(), { maxLength: 3 }).map((list) => JSON.stringify(list)),
    fc.dictionary(fc.constantFrom("a", "team", "x"), filterValue()).map((map) =>
      JSON.stringify(map)
    ),
  );
  await checkProperty(
    "selector keys beside objectName",
    fc.property(
      fc.constantFrom(...NAMES),
      fc.array(
        fc.tuple(
          fc.constantFrom("path", "Path", "recursive", "namePrefix", "NAMEPREFIX", "tags", "Tags"),
          extraValue,
        ),
        { minLength: 1, maxLength: 4 },
      ),
      (name, extras) => {
        const plain = `- {objectName: ${JSON.stringify(name)}, objectType: secretsmanager}`;
        const withExtras = `- {objectName: ${JSON.stringify(name)}, objectType: secretsmanager, ${
          extras.map(([key, value]) => `${key}: ${value}`).join(", ")
        }}`;
        let expected: unknown;
        try {
          expected = decodeObjects(plain);
        } catch (error) {
          expected = (error as Error).message;
        }
        let actual: unknown;
        try {
          actual = decodeObjects(withExtras);
        } catch (error) {
          actual = (error as Error).message;
        }
        // Text that is not YAML at all (a lone surrogate's escape) fails in Go as it does here.
        fc.pre(!String(actual).startsWith("error converting YAML to JSON: yaml: "));
        assert.deepEqual(actual, expected);
      },
    ),
    { runs: 400 },
  );
});
