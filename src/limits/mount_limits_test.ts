import assert from "node:assert/strict";
import { MOUNT_LIMIT_DEFINITIONS, mountLimits } from "./mount_limits.ts";

Deno.test("every limit has a distinct max- flag and a positive default", () => {
  const flags = MOUNT_LIMIT_DEFINITIONS.map((definition) => definition.flag);
  assert.equal(new Set(flags).size, flags.length);
  for (const definition of MOUNT_LIMIT_DEFINITIONS) {
    assert.match(definition.flag, /^max-[a-z-]+$/);
    assert.ok(definition.defaultMax > 0, definition.flag);
  }
});

Deno.test("mountLimits fills in defaults and takes overrides by key", () => {
  const limits = mountLimits({ objectsBytes: 1024 });
  assert.deepEqual(limits.objectsBytes, { max: 1024, unit: "bytes", flag: "max-objects-bytes" });
  assert.equal(limits.attributesBytes.max, 512 * 1024);
  assert.equal(Object.keys(limits).length, MOUNT_LIMIT_DEFINITIONS.length);
});

Deno.test("the README's limits table lists every limit with its flag, default and unit", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.slice(readme.indexOf("## Limits"), readme.indexOf("## Differences"));
  const rows = [...section.matchAll(/^\| .+ \| `--(max-[a-z-]+)`\s*\| (\d+) ([a-z]+)\s*\|/gm)]
    .map(([, flag, max, unit]) => ({ flag, max: Number(max), unit }));
  assert.deepEqual(
    rows,
    MOUNT_LIMIT_DEFINITIONS.map(({ flag, defaultMax, unit }) => ({ flag, max: defaultMax, unit })),
  );
});
