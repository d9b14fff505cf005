/**
 * Builds every control-plane binary that is missing or out of date
 * (`deno task control-plane:build`; `.ci/run` runs it before the suite so
 * that the build time is reported on its own). `--force` rebuilds all.
 *
 * @module
 */

import { COMPONENTS, ensureBuilt } from "./components.ts";

if (import.meta.main) {
  const force = Deno.args.includes("--force");
  const started = performance.now();
  for (const component of COMPONENTS) {
    const path = await ensureBuilt(component, { force });
    console.error(`${component.name} ${component.version}: ${path}`);
  }
  console.error(
    `control-plane binaries ready in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}
