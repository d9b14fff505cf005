/**
 * Runs the Docker-less e2e directly:
 * `deno run --allow-read --allow-run e2e/local/main.ts [deno test args...]`.
 *
 * @module
 */

import { runLocalE2e } from "./mod.ts";

if (import.meta.main) {
  Deno.exit(await runLocalE2e({ extraArgs: Deno.args }));
}
