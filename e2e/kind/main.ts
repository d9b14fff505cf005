/**
 * `deno task e2e`: the kind suite (e2e/kind) where Docker runs, the local-stack
 * suite (e2e/local) where it does not. See e2e/kind/README.md.
 *
 * @module
 */

import { runLocalE2e } from "../local/mod.ts";
import { dockerInfoSucceeds, runE2e } from "./run_e2e.ts";
import { e2eSettings } from "./settings.ts";

if (import.meta.main) {
  const code = await runE2e({
    dockerAvailable: dockerInfoSucceeds,
    runKind: async () => {
      // Loaded only with Docker: the local suite needs none of the kind tooling.
      const { runKindE2e } = await import("./kind_suite.ts");
      return await runKindE2e(e2eSettings(Deno.env.toObject()));
    },
    runLocal: () => runLocalE2e(),
  });
  Deno.exit(code);
}
