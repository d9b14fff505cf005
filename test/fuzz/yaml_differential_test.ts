/**
 * Differential properties: for generated YAML documents, valid and invalid,
 * our parser gives what go-yaml v2 gives (the same value, or an error with the
 * same message), and `decodeObjects` gives what sigs.k8s.io/yaml gives the Go
 * provider (the same descriptors, or the same error); a fixed list keeps
 * go-yaml's quirks covered whatever the generators produce. Go answers
 * through the oracle in `devstack/go_oracle/yaml` (built on first use),
 * asked once for all the documents a run generates.
 *
 * Known differences are allowed: a `\ud800`-style escape (a surrogate) in a
 * double-quoted scalar is an error in go-yaml and U+FFFD for us, which
 * `src/gocompat/yaml/parse_test.ts` pins; and Go prints raw bytes and random NaN orders in
 * one error message.
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

/**
 * Whether the difference is one we accept: a surrogate escape we decode
 * where go-yaml refuses it, or an invalid-key error naming a `!!binary` value
 * that is not UTF-8 (Go prints its bytes, our strings hold U+FFFD for them)
 * or several NaN keys (whose order in Go's message is random).
 */
function knownDifference(document: string, ours: Outcome, go: Outcome): boolean {
  const error = (go.value as { error?: string } | null)?.error ?? "";
  if (error.endsWith("found invalid Unicode character escape code")) {
    return SURROGATE_ESCAPE.test(document);
  }
  const ourError = (ours.value as { error?: string } | null)?.error ?? "";
  if (
    !error.startsWith("yaml: invalid map key:") || !ourError.startsWith("yaml: invalid map key:")
  ) {
    return false;
  }
  // Go sorts NaN keys in its random map order.
  const nans = error.split("NaN:").length - 1;
  return (/\\x[89a-f][0-9a-f]/.test(error) && document.includes("!!binary")) || nans > 1;
}

/** Our parser gives go-yaml's value, or an error with its message. */
function assertSameValue(document: string, ours: Outcome, go: Outcome): void {
  if (knownDifference(document, ours, go)) return;
  assert.deepEqual(ours.value, go.value, `value differs for ${JSON.stringify(document)}`);
}

/** `decodeObjects` gives sigs.k8s.io/yaml's descriptors, or an error with its message. */
function assertSameObjects(document: string, ours: Outcome, go: Outcome): void {
  if (knownDifference(document, ours, go)) return;
  // decodeObjects runs with the provider's budgets, which Go does not have.
  const error = (ours.objects as { error?: string } | null)?.error;
  if (error?.startsWith("limit: ")) return;
  // Go names one of several bad keys at random; ours must be one it named.
  if (error !== undefined && go.objectsErrors?.includes(error)) return;
  assert.deepEqual(ours.objects, go.objects, `descriptors differ for ${JSON.stringify(document)}`);
}

/** go-yaml's quirks and corners, kept whatever the generators happen to produce. */
const HAND_PICKED: string[] = [
  "- a: 1\n  b: [x, 0600]",
  "a: [",
  "\ufeff\ufeff- a\n- b",
  "[]: b",
  "{}: b",
  "- []: b",
  "a: 1\n[]: b",
  "[[]: b]",
  "- {}: x\n  y: z",
  "- ! 12\n- ! <<",
  "%YAML 2.0\n---\n- a",
  "#c\n%YAML 2.0\n---\n- a",
  "[a:b, ?x]",
  "- &a [*a]",
  "- {a: 1, a: 2}",
  "a: |\n  x\n  y\n\nb: >-\n  p\n  q\n\n  r\n",
  "- [1.5e10, -0.0]: x",
  "? - a\n  - b\n: c",
  "- a\n b",
  "\t- a",
  "a:\n\t- b",
  "- a\r\n- b\r\n",
  "%TAG !e! tag:example.com,2000:\n---\n- !e!foo bar",
  "[? : x]",
  "[a: b, c]",
  "{? a, b: c}",
  "- &a\n- *a",
  "a: 1\n---\nb: [",
  "a: 1\n... \n%garbage",
  "- x\n-\n- y",
  "? a\n? b\n: c",
  "- - - a",
  "a:\n  - b\n  -  c\n - d",
  '"unterminated',
  "a: |2\n   x\n  y",
  "- !!binary gIA=",
  "[{~: a, true: b, 1: c, 1.5: d, s: e, 18446744073709551615: f, false: g}]: x",
  "[{.nan: a, -.inf: c, 2: d}]: x",
  "<<: [{a: !!int p}, {b: !!int q}]",
  "&a {<<: *a}",
  // go-yaml's reader checks 512 bytes at a time: where the control character stands matters.
  `a: ${"a".repeat(190)}: b\n${"a".repeat(100)}\x01`,
  `a: ${"é".repeat(190)}: b\n${"é".repeat(100)}\x01`,
  `- [${"x".repeat(600)}\x01`,
  `${"- é\n".repeat(150)}\ufeff\ufeff- a\n- b`,
];

Deno.test("hand-picked documents decode as go-yaml and sigs.k8s.io/yaml decode them", async () => {
  const results = await runYamlOracle(HAND_PICKED);
  HAND_PICKED.forEach((document, i) => {
    const [ours, go] = [ourOutcome(document), goOutcome(results[i])];
    assertSameValue(document, ours, go);
    assertSameObjects(document, ours, go);
  });
});

/**
 * Go's answers for the documents a property run generates: a first pass
 * with the same seed collects them, for one oracle call; documents met only
 * while shrinking are asked for one by one.
 */
class GoAnswers {
  #answers = new Map<string, Outcome>();

  static async forRun(parameters: fc.Parameters<[string]>): Promise<GoAnswers> {
    const generated: string[] = [];
    fc.check(
      fc.property(documents, (document) => {
        generated.push(document);
      }),
      { ...parameters, path: undefined },
    );
    const answers = new GoAnswers();
    const results = await runYamlOracle(generated);
    generated.forEach((document, i) => answers.#answers.set(document, goOutcome(results[i])));
    return answers;
  }

  async of(document: string): Promise<Outcome> {
    let answer = this.#answers.get(document);
    if (answer === undefined) {
      answer = goOutcome((await runYamlOracle([document]))[0]);
      this.#answers.set(document, answer);
    }
    return answer;
  }
}

const parameters = fuzzParameters<[string]>(2000);
let answers: Promise<GoAnswers> | undefined;

Deno.test("generated YAML documents: our parser gives go-yaml's value or error", async () => {
  const go = await (answers ??= GoAnswers.forRun(parameters));
  await fc.assert(
    fc.asyncProperty(documents, async (document) => {
      assertSameValue(document, ourOutcome(document), await go.of(document));
    }),
    parameters,
  );
});

Deno.test("generated YAML documents: decodeObjects gives sigs.k8s.io/yaml's descriptors or error", async () => {
  const go = await (answers ??= GoAnswers.forRun(parameters));
  await fc.assert(
    fc.asyncProperty(documents, async (document) => {
      assertSameObjects(document, ourOutcome(document), await go.of(document));
    }),
    parameters,
  );
});
