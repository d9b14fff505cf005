/**
 * The Docker-less end-to-end run: the real CSI driver's client code (both
 * harness builds, v1.6.0 and v1.5.6) against the provider process, and the
 * integration tests over the provider's socket, all on moto and a local
 * Kubernetes API. `deno task e2e` uses it when Docker is not available.
 *
 * @example
 * ```ts
 * import { runLocalE2e } from "./mod.ts";
 * Deno.exit(await runLocalE2e());
 * ```
 *
 * @module
 */

const REPO_ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** The test directories the local e2e runs, relative to the repository root. */
export const LOCAL_E2E_TEST_DIRS = ["test/driver/", "test/integration/"];

/** Options of {@linkcode runLocalE2e}. */
export interface LocalE2eOptions {
  /** More `deno test` arguments (e.g. `--filter`, `--fail-fast`), placed before the directories. */
  extraArgs?: string[];
}

/**
 * The permission flags of the `test` task in `deno.json` (every `--` flag
 * after `deno test`), so the e2e run cannot drift from `deno task test`.
 *
 * @throws {Error} when `deno.json` has no `test` task of the form `deno test ...`.
 */
export function testTaskFlags(denoJson: string): string[] {
  const config = JSON.parse(denoJson) as { tasks?: Record<string, string | { command?: string }> };
  const task = config.tasks?.test;
  const command = typeof task === "string" ? task : task?.command;
  const words = command?.trim().split(/\s+/) ?? [];
  if (words[0] !== "deno" || words[1] !== "test") {
    throw new Error(`deno.json: the test task is not "deno test ...": ${JSON.stringify(command)}`);
  }
  return words.slice(2).filter((word) => word.startsWith("--"));
}

/** The `deno` arguments of the local e2e run. */
export function localE2eArgs(denoJson: string, options: LocalE2eOptions = {}): string[] {
  return ["test", ...testTaskFlags(denoJson), ...(options.extraArgs ?? []), ...LOCAL_E2E_TEST_DIRS];
}

/**
 * Runs `deno test` on {@linkcode LOCAL_E2E_TEST_DIRS} with the `test` task's
 * permission flags, from the repository root, with inherited output.
 *
 * @returns the exit code of `deno test`.
 */
export async function runLocalE2e(options: LocalE2eOptions = {}): Promise<number> {
  const args = localE2eArgs(await Deno.readTextFile(`${REPO_ROOT}/deno.json`), options);
  console.error(`local e2e (no Docker): deno ${args.join(" ")}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return code;
}
