/**
 * Command-line tools built from the Go module proxy (the only place this
 * project's machines can get them): `go install <package>@<version>` into
 * `.cache/bin`, once. `.ci/run` installs helm the same way.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** A Go command to install. */
export interface GoTool {
  /** Binary name (the package's last path element). */
  name: string;
  /** Package path of the command. */
  packagePath: string;
  /** Module that holds it (for `go version -m`). */
  module: string;
  /** Module version. */
  version: string;
}

/** Helm 3, for `helm lint`, `helm template` and installs. */
export const HELM: GoTool = {
  name: "helm",
  packagePath: "helm.sh/helm/v3/cmd/helm",
  module: "helm.sh/helm/v3",
  version: "v3.22.0",
};

/** kind, for the e2e cluster. */
export const KIND: GoTool = {
  name: "kind",
  packagePath: "sigs.k8s.io/kind",
  module: "sigs.k8s.io/kind",
  version: "v0.33.0",
};

/** actionlint, which lints the GitHub workflows (.ci/run installs the same version). */
export const ACTIONLINT: GoTool = {
  name: "actionlint",
  packagePath: "github.com/rhysd/actionlint/cmd/actionlint",
  module: "github.com/rhysd/actionlint",
  version: "v1.7.12",
};

/** `.cache/bin` of this repository. */
export const CACHE_BIN = fileURLToPath(new URL("../../.cache/bin", import.meta.url));

/** Arguments of `go` that install `tool`. */
export function goInstallArgs(tool: GoTool): string[] {
  return ["install", `${tool.packagePath}@${tool.version}`];
}

/**
 * Whether `go version -m` output says the binary was built from the tool's
 * module at its version (a `mod` line for a dependency, or the `path`/`mod`
 * line of the main module).
 */
export function builtFrom(versionOutput: string, tool: GoTool): boolean {
  return versionOutput.split("\n").some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[0] === "mod" && fields[1] === tool.module && fields[2] === tool.version;
  });
}

/** Options of {@linkcode ensureGoTool}. */
export interface EnsureOptions {
  /** Where binaries go. @default {CACHE_BIN} */
  binDir?: string;
  /** Progress messages. @default {console.error} */
  log?: (message: string) => void;
}

/**
 * Returns the path of `tool`'s binary, building it with `go install` when it
 * is missing or built from another version.
 *
 * @throws {Error} when `go install` fails (the error has its output).
 */
export async function ensureGoTool(tool: GoTool, options: EnsureOptions = {}): Promise<string> {
  const binDir = options.binDir ?? CACHE_BIN;
  const log = options.log ?? console.error;
  const path = `${binDir}/${tool.name}`;
  if (await isBuiltFrom(path, tool)) return path;
  log(`building ${tool.name} ${tool.version} with go install (about a minute)…`);
  await Deno.mkdir(binDir, { recursive: true });
  const started = performance.now();
  const result = await new Deno.Command("go", {
    args: goInstallArgs(tool),
    env: { GOBIN: binDir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    const output = new TextDecoder().decode(result.stderr);
    throw new Error(`go ${goInstallArgs(tool).join(" ")} failed:\n${output}`);
  }
  log(`${tool.name} built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return path;
}

async function isBuiltFrom(path: string, tool: GoTool): Promise<boolean> {
  try {
    await Deno.stat(path);
  } catch {
    return false;
  }
  const result = await new Deno.Command("go", { args: ["version", "-m", path], stdout: "piped" })
    .output();
  return result.success && builtFrom(new TextDecoder().decode(result.stdout), tool);
}
