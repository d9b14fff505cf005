import * as fc from "fast-check";
import assert from "node:assert/strict";
import { checkProperty, FIXED_SEEDS, fuzzPlan, type FuzzRecord } from "./fuzz_settings.ts";

Deno.test("a plain run shares its cases between the fixed seeds", () => {
  assert.deepEqual(fuzzPlan(300), FIXED_SEEDS.map((seed) => ({ seed, runs: 100 })));
  assert.deepEqual(fuzzPlan(300), fuzzPlan(300), "the same cases every run");
});

Deno.test("a long run starts from a fresh seed; a replay from the given seed and path", () => {
  const [first] = fuzzPlan(300, { runs: 20_000 });
  const [second] = fuzzPlan(300, { runs: 20_000 });
  assert.equal(first.runs, 20_000);
  assert.ok(Number.isInteger(first.seed));
  assert.notEqual(first.seed, second.seed);
  assert.deepEqual(fuzzPlan(300, { seed: -5, path: "3:1" }), [{
    seed: -5,
    runs: 300,
    path: "3:1",
  }]);
});

Deno.test("a failure names the property, its seed and path and how to replay it", async () => {
  const error: Error = await checkProperty(
    "no big numbers",
    fc.property(fc.integer(), (n) => n < 1000),
    { runs: 300, settings: {} },
  ).then(() => assert.fail("the property held"), (caught) => caught);
  assert.match(
    error.message,
    new RegExp(
      `^property "no big numbers" failed with seed ${FIXED_SEEDS[0]} \\(path [\\d:]+\\); ` +
        `replay: FUZZ_SEED=${FIXED_SEEDS[0]} FUZZ_PATH="[\\d:]+" deno test -A test/fuzz/\\n`,
    ),
  );
  assert.match(error.message, /Counterexample: \[1000\]/);
});

Deno.test("a long run records seed, cases and verdict of every property", async () => {
  const recordFile = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(recordFile, JSON.stringify({ properties: { "zz older": {} } }));
    await checkProperty("holds", fc.property(fc.nat(), (n) => n >= 0), {
      runs: 10,
      settings: { runs: 50, recordFile },
    });
    await assert.rejects(
      checkProperty("fails", fc.asyncProperty(fc.nat(), (n) => Promise.resolve(n < 5)), {
        runs: 10,
        settings: { seed: 42, runs: 200, recordFile },
      }),
      /property "fails" failed with seed 42/,
    );
    const { properties } = JSON.parse(await Deno.readTextFile(recordFile)) as {
      properties: Record<string, FuzzRecord>;
    };
    assert.deepEqual(Object.keys(properties), ["fails", "holds", "zz older"]);
    const { holds, fails } = properties;
    assert.deepEqual(
      [holds.runs, holds.ran, holds.held, holds.deno, typeof holds.seed],
      [50, 50, true, Deno.version.deno, "number"],
    );
    assert.deepEqual([fails.seed, fails.runs, fails.held], [42, 200, false]);
    assert.match(fails.counterexamplePath!, /^\d+(:\d+)*$/);
    assert.match(fails.failure!, /Property failed by returning false/);
  } finally {
    await Deno.remove(recordFile);
  }
});
