/**
 * Property: JMESPath extraction from any secret with any expressions gives
 * one value per entry, a JmesError or a LimitError (an expression over the
 * length limit, or one that needs too much work), within a time bound, and
 * the error never holds a value of the secret.
 */

import * as fc from "fast-check";
import assert from "node:assert/strict";
import type { JmesFile } from "../../src/config/mod.ts";
import { extractJmesValues, JmesError } from "../../src/fetch/mod.ts";
import { LimitError } from "../../src/limits/mod.ts";
import { hostileText, jmesExpression, secretContent } from "./arbitraries.ts";
import { checkProperty, timed } from "./fuzz_settings.ts";
import { contentBytes } from "./mount_world.ts";

const entries = fc.array(
  fc.record({
    path: jmesExpression(),
    alias: hostileText(),
    fileName: fc.constant("file"),
    mode: fc.constant(undefined),
  }),
  { minLength: 1, maxLength: 4 },
);

Deno.test("fuzzed JMESPath over fuzzed secrets: values, a JmesError or a LimitError without secret values", async () => {
  await checkProperty(
    "JMESPath extraction",
    fc.property(
      fc.boolean().chain((json) => secretContent(json)),
      entries,
      hostileText(),
      (content, files: JmesFile[], objectName) => {
        let values: Uint8Array[];
        try {
          values = timed(
            "extractJmesValues",
            () => extractJmesValues(contentBytes(content), files, objectName),
          );
        } catch (error) {
          assert.ok(
            error instanceof JmesError || error instanceof LimitError,
            `not a JmesError or LimitError: ${(error as Error)?.message}`,
          );
          for (const marker of content.markers) {
            assert.ok(!error.message.includes(marker), "a secret value in the error");
          }
          return;
        }
        assert.equal(values.length, files.length);
        for (const value of values) assert.ok(value instanceof Uint8Array);
      },
    ),
    { runs: 1000 },
  );
});
