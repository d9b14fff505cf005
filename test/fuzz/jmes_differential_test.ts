/**
 * Property: our jmesPath extraction gives what the Go provider gives —
 * the same file contents or the same error text — on generated secrets and
 * expressions, checked against the real go-jmespath v0.4.0
 * (`devstack/go_oracle/jmespath`). Cases go to the oracle in batches, one
 * process per batch. Where Go's answer depends on its random map order the
 * oracle lists every answer it saw and ours must be one of them; where
 * go-jmespath panics (which kills the Go provider) any answer of ours is
 * accepted, and counted.
 */

import * as fc from "fast-check";
import assert from "node:assert/strict";
import {
  type JmesOracleCase,
  type JmesOracleOutcome,
  runJmesOracle,
} from "../../devstack/go_oracle/mod.ts";
import { extractJmesValues, JmesError } from "../../src/fetch/mod.ts";
import { mountLimits } from "../../src/limits/mod.ts";
import { jmesDocument, jmesExpression } from "./jmes_arbitraries.ts";
import { fuzzParameters } from "./fuzz_settings.ts";

/** Limits high enough that no generated case meets them: semantics only here. */
const LIMITS = mountLimits({ jmesPathLength: 100_000, jmesPathWork: 50_000_000 });

const BATCH = 40;

const jmesEntry = fc.record({ path: jmesExpression(), alias: fc.constantFrom("x", "alias-1") });

const jmesCase: fc.Arbitrary<JmesOracleCase> = fc.record({
  document: jmesDocument(),
  objectName: fc.constantFrom("db", "app/secret"),
  // Mostly one entry; several show that entries share one document (sort_by sorts it in place).
  entries: fc.oneof(
    { weight: 4, arbitrary: fc.tuple(jmesEntry) },
    { weight: 1, arbitrary: fc.array(jmesEntry, { minLength: 2, maxLength: 3 }) },
  ),
});

const decoder = new TextDecoder();

/** Our outcome, in the oracle's terms (JSON, values as text so that a failure reads well). */
function ours(c: JmesOracleCase): string {
  try {
    const values = extractJmesValues(
      c.document,
      c.entries.map((e) => ({ path: e.path, alias: e.alias, fileName: e.alias, mode: undefined })),
      c.objectName,
      { limits: LIMITS },
    );
    return JSON.stringify({ values: values.map((v) => [...v]) });
  } catch (error) {
    if (error instanceof JmesError) return JSON.stringify({ error: error.message });
    throw error;
  }
}

function theirs(outcome: JmesOracleOutcome): string {
  if ("values" in outcome) return JSON.stringify({ values: outcome.values.map((v) => [...v]) });
  return JSON.stringify(outcome);
}

function describe(c: JmesOracleCase, ourOutcome: string, goOutcomes: string[]): string {
  return [
    `document: ${JSON.stringify(decoder.decode(c.document).slice(0, 300))}`,
    `entries: ${JSON.stringify(c.entries)}`,
    `ours: ${ourOutcome}`,
    `go:   ${goOutcomes.join("\n      ")}`,
  ].join("\n");
}

const counts = { cases: 0, values: 0, errors: 0, goPanics: 0, goUnstable: 0 };

/**
 * fuzzParameters counted in cases (12,000 in a plain run, shared by the fixed
 * seeds; FUZZ_RUNS in a long one), run as batches of BATCH cases.
 */
function batchedParameters() {
  const parameters = fuzzParameters<[JmesOracleCase[]]>(12_000);
  return { ...parameters, numRuns: Math.ceil((parameters.numRuns ?? BATCH) / BATCH) };
}

Deno.test("generated jmesPath entries give the Go provider's files and error texts", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(jmesCase, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
      const go = await runJmesOracle(cases);
      cases.forEach((c, i) => {
        counts.cases++;
        const outcomes = go[i];
        if (outcomes.some((o) => "panic" in o)) {
          counts.goPanics++;
          ours(c); // must still end in a value or a JmesError
          return;
        }
        if (outcomes.length > 1) counts.goUnstable++;
        const mine = ours(c);
        const expected = outcomes.map(theirs);
        assert.ok(
          expected.includes(mine),
          `differs from go-jmespath:\n${describe(c, mine, expected)}`,
        );
        if (mine.startsWith('{"values"')) counts.values++;
        else counts.errors++;
      });
    }),
    batchedParameters(),
  );
  console.log(
    `jmesPath differential: ${counts.cases} cases, ${counts.values} with values, ` +
      `${counts.errors} with errors, ${counts.goPanics} where Go panics, ` +
      `${counts.goUnstable} where Go's answer depends on map order`,
  );
  // The generators must reach values, not only errors, or the property proves little.
  assert.ok(
    counts.values > counts.cases / 8,
    `only ${counts.values} of ${counts.cases} had values`,
  );
});
