import assert from "node:assert/strict";
import * as devstack from "./mod.ts";

Deno.test("mod.ts exports every piece of the dev stack", () => {
  for (
    const name of [
      "startStack",
      "startMoto",
      "createSeeder",
      "faultBook",
      "startFaultProxy",
      "startKubeApiServer",
      "startPodIdentityAgent",
      "startProviderProcess",
      "connectDriver",
      "startDriverHarness",
      "assertNoLeaks",
      "readMount",
      "tempDir",
      "freePort",
    ] as const
  ) {
    assert.equal(typeof devstack[name], "function", name);
  }
});
