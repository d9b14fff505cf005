/**
 * Differential property: for generated YAML documents, valid and invalid,
 * our parser gives what go-yaml v2 gives (the same value, or an error with the
 * same message), and `decodeObjects` gives what sigs.k8s.io/yaml gives the Go
 * provider (the same descriptors, or the same error). Go answers through the
 * oracle in `devstack/go_oracle/yaml` (built on first use), asked once for
 * all the documents a run generates and again only for shrunk ones.
 *
 * One known difference is allowed: a `\ud800`-style escape (a surrogate) in a
 * double-quoted scalar is an error in go-yaml and U+FFFD for us, which
 * `yaml_1_1_test.ts` pins.
 */

import * as fc from "fast-check";
import assert from "node:assert/strict";
import { runYamlOracle } from "../../devstack/go_oracle/yaml/oracle.ts";
import { fuzzParameters } from "./fuzz_settings.ts";
import { objectsDocument, type PoolEntry } from "./objects_yaml.ts";
import { goOutcome, ourOutcome, type Outcome } from "./yaml_compare.ts";
import { yamlDocument } from "./yaml_documents.ts";

const POOL: PoolEntry[] = [
  { name: "app/db", type: "secretsmanager", json: true },
  { name: "/app/param", type: "ssmparameter", json: false },
  { name: "arn:aws:ssm:us-west-2:123456789012:parameter/p", type: "ssmparameter", json: false },
];

/** Deepest bracket or indentation nesting (the comparison walks values recursively). */
function nesting(document: string): number {
  let depth = 0;
  let deepest = 0;
  for (const char of document) {
    if (char === "[" || char === "{") deepest = Math.max(deepest, ++depth);
    if (char === "]" || char === "}") depth--;
  }
  const indents = document.split("\n").map((line) => line.length - line.trimStart().length);
  return Math.max(deepest, ...indents.map((indent) => indent / 2));
}

const documents: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: yamlDocument() },
  { weight: 1, arbitrary: objectsDocument(POOL, true) },
  { weight: 1, arbitrary: objectsDocument(POOL, false) },
).filter((document) => nesting(document) <= 200);

const SURROGATE_ESCAPE = /\\(u[dD][89a-fA-F][0-9a-fA-F]{2}|U0000[dD][89a-fA-F][0-9a-fA-F]{2})/;

/** Whether the difference is the surrogate escape we decode where go-yaml refuses it. */
function knownDifference(document: string, go: Outcome): boolean {
  const error = (go.value as { error?: string } | null)?.error ?? "";
  return error.endsWith("found invalid Unicode character escape code") &&
    SURROGATE_ESCAPE.test(document);
}

function assertSame(document: string, ours: Outcome, go: Outcome): void {
  if (knownDifference(document, go)) return;
  const context = `document ${JSON.stringify(document)}`;
  assert.deepEqual(ours.value, go.value, `go-yaml value differs for ${context}`);
  // decodeObjects runs with the provider's budgets, which Go does not have.
  const error = (ours.objects as { error?: string } | null)?.error;
  if (error?.startsWith("limit: ")) return;
  // Go names one of several bad keys at random; ours must be one it named.
  if (error !== undefined && go.objectsErrors?.includes(error)) return;
  assert.deepEqual(ours.objects, go.objects, `descriptors differ for ${context}`);
}

Deno.test("generated YAML documents decode as go-yaml and sigs.k8s.io/yaml decode them", async () => {
  const parameters = fuzzParameters<[string]>(2000);
  // A first pass with the same seed collects the documents the property will see, for one Go call.
  const generated: string[] = [];
  fc.check(
    fc.property(documents, (document) => {
      generated.push(document);
    }),
    { ...parameters, path: undefined },
  );
  const answers = new Map<string, Outcome>();
  const results = await runYamlOracle(generated);
  generated.forEach((document, i) => answers.set(document, goOutcome(results[i])));
  await fc.assert(
    fc.asyncProperty(documents, async (document) => {
      let go = answers.get(document);
      if (go === undefined) {
        go = goOutcome((await runYamlOracle([document]))[0]);
        answers.set(document, go);
      }
      assertSame(document, ourOutcome(document), go);
    }),
    parameters,
  );
});
