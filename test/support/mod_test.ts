import assert from "node:assert/strict";
import * as support from "./mod.ts";

Deno.test("mod.ts exports the test support surface", () => {
  for (
    const name of [
      "classifyAwsRequest",
      "createSeeder",
      "ensureMotoInstalled",
      "startFaultProxy",
      "startMoto",
      "testClientConfig",
    ] as const
  ) {
    assert.equal(typeof support[name], "function", name);
  }
});
