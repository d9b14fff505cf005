/**
 * The control plane's binaries — etcd, kube-apiserver and the Secrets Store
 * CSI driver (v1.6.0 and v1.5.6) — built from the Go module proxy by the
 * wrapper modules in `go/` and cached under `.cache/control_plane/bin`.
 *
 * A build is skipped when its key is unchanged: the key hashes the Go
 * toolchain and target, the wrapper module's `go.mod` and `go.sum`, the
 * sources of local replacements (the `monis.app/mlog` stand-in) and the
 * build arguments. Builds use `-mod=readonly`, so they never edit the
 * committed module files, and take a lock so that two test processes do not
 * build the same binary at once.
 *
 * @example
 * ```ts
 * const apiserver = await ensureBuilt(KUBE_APISERVER);
 * // .cache/control_plane/bin/kube-apiserver, built on first use
 * ```
 *
 * @module
 */

import { withLock } from "../_process.ts";

const HERE = new URL("./", import.meta.url).pathname;

/** The repository root, without a trailing slash. */
export const REPO_ROOT: string = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
/** Where built binaries and their build keys live. */
export const CACHE_DIR: string = `${REPO_ROOT}/.cache/control_plane`;

/** A command built from a wrapper module in `go/`. */
export interface GoComponent {
  /** Binary name under the cache's `bin/`. */
  name: string;
  /** The wrapper module's directory. */
  moduleDir: string;
  /** The package of the command (a `tool` of the wrapper module). */
  packagePath: string;
  /** Version of the module the command comes from, for messages and keys. */
  version: string;
  /** `-X` assignments passed to the linker. */
  linkerVariables: Record<string, string>;
  /** Local modules the wrapper replaces dependencies with; their files are part of the key. */
  localModules: string[];
}

/** Driver releases the suite runs. */
export type DriverRelease = "v1.6.0" | "v1.5.6";

/** etcd v3.6.16: the server module's root package is its `main`. */
export const ETCD: GoComponent = {
  name: "etcd",
  moduleDir: `${HERE}go/etcd`,
  packagePath: "go.etcd.io/etcd/server/v3",
  version: "v3.6.16",
  linkerVariables: {},
  localModules: [],
};

/**
 * kube-apiserver v1.35.4. Without the version variables `/version` would
 * answer v0.0.0, which clients such as the driver's discovery read.
 */
export const KUBE_APISERVER: GoComponent = {
  name: "kube-apiserver",
  moduleDir: `${HERE}go/kube_apiserver`,
  packagePath: "k8s.io/kubernetes/cmd/kube-apiserver",
  version: "v1.35.4",
  linkerVariables: {
    "k8s.io/component-base/version.gitVersion": "v1.35.4",
    "k8s.io/component-base/version.gitMajor": "1",
    "k8s.io/component-base/version.gitMinor": "35",
    "k8s.io/component-base/version.gitTreeState": "clean",
  },
  localModules: [],
};

function driverComponent(release: DriverRelease, dir: string): GoComponent {
  return {
    name: `secrets-store-csi-driver-${release}`,
    moduleDir: `${HERE}go/${dir}`,
    packagePath: "sigs.k8s.io/secrets-store-csi-driver/cmd/secrets-store-csi-driver",
    version: release,
    linkerVariables: { "sigs.k8s.io/secrets-store-csi-driver/pkg/version.BuildVersion": release },
    localModules: [`${HERE}go/mlog`],
  };
}

/** The driver's node plugin, by release. */
export const DRIVERS: Record<DriverRelease, GoComponent> = {
  "v1.6.0": driverComponent("v1.6.0", "driver_v1_6"),
  "v1.5.6": driverComponent("v1.5.6", "driver_v1_5"),
};

/** Every component, in the order `.ci/run` builds them. */
export const COMPONENTS: GoComponent[] = [
  ETCD,
  KUBE_APISERVER,
  DRIVERS["v1.6.0"],
  DRIVERS["v1.5.6"],
];

/** The `go` arguments that build `component` into `output` (run in its module directory). */
export function goBuildArgs(component: GoComponent, output: string): string[] {
  const assignments = Object.entries(component.linkerVariables)
    .map(([name, value]) => `-X ${name}=${value}`);
  return [
    "build",
    "-mod=readonly",
    "-trimpath",
    `-ldflags=${["-s", "-w", ...assignments].join(" ")}`,
    "-o",
    output,
    component.packagePath,
  ];
}

/** What a build key is made of; {@linkcode buildKey} hashes it. */
export interface BuildInputs {
  /** `go version` and the `go env` values that change the output. */
  toolchain: string;
  /** The build arguments (output path excluded). */
  args: string[];
  /** Input files: path (relative to the component's module) and contents. */
  files: { path: string; contents: Uint8Array }[];
}

/** A hex SHA-256 over `inputs`; any change of toolchain, arguments or file contents changes it. */
export async function buildKey(inputs: BuildInputs): Promise<string> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [encoder.encode(`${inputs.toolchain}\0${inputs.args.join("\0")}\0`)];
  for (const file of [...inputs.files].sort((a, b) => a.path < b.path ? -1 : 1)) {
    parts.push(encoder.encode(`${file.path}\0${file.contents.length}\0`), file.contents);
  }
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  const digest = await crypto.subtle.digest("SHA-256", joined);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Options of {@linkcode ensureBuilt}. */
export interface EnsureBuiltOptions {
  /** Cache directory (binaries in `bin/`). @default {CACHE_DIR} */
  cacheDir?: string;
  /** Rebuild even when the key matches. */
  force?: boolean;
  /** Progress messages. @default {console.error} */
  log?: (message: string) => void;
}

/**
 * Returns the path of `component`'s binary, building it first when it is
 * missing or its key changed.
 *
 * @throws {Error} with `go build`'s output when the build fails.
 */
export async function ensureBuilt(
  component: GoComponent,
  options: EnsureBuiltOptions = {},
): Promise<string> {
  const cacheDir = options.cacheDir ?? CACHE_DIR;
  const log = options.log ?? console.error;
  const binary = `${cacheDir}/bin/${component.name}`;
  const stamp = `${cacheDir}/bin/.${component.name}.key`;
  await Deno.mkdir(`${cacheDir}/bin`, { recursive: true });
  const key = await buildKey(await buildInputs(component));
  const upToDate = async () =>
    !options.force && await pathExists(binary) && await readText(stamp) === key;
  if (await upToDate()) return binary;
  return await withLock(`${cacheDir}/bin/.${component.name}.lock`, async () => {
    if (await upToDate()) return binary; // another process just built it
    log(`building ${component.name} ${component.version} (go build ${component.packagePath})…`);
    const started = performance.now();
    const output = await new Deno.Command("go", {
      args: goBuildArgs(component, `${binary}.tmp`),
      cwd: component.moduleDir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      const text = new TextDecoder().decode(output.stderr).split("\n").slice(-40).join("\n");
      throw new Error(`go build of ${component.name} failed:\n${text}`);
    }
    await Deno.rename(`${binary}.tmp`, binary);
    await Deno.writeTextFile(stamp, key);
    log(`built ${component.name} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return binary;
  }, { waitMs: 30 * 60_000 }); // a cold kube-apiserver build on a slow machine
}

/** Reads the toolchain description and input files of `component`. */
export async function buildInputs(component: GoComponent): Promise<BuildInputs> {
  const toolchain = await goOutput(["version"], component.moduleDir) +
    await goOutput(
      ["env", "GOOS", "GOARCH", "GOAMD64", "CGO_ENABLED", "GOFLAGS"],
      component.moduleDir,
    );
  const files: BuildInputs["files"] = [];
  for (const name of ["go.mod", "go.sum"]) {
    files.push({
      path: name,
      contents: await Deno.readFile(`${component.moduleDir}/${name}`),
    });
  }
  for (const dir of component.localModules) {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || entry.name.endsWith("_test.go")) continue;
      files.push({
        path: `${dir.split("/").pop()}/${entry.name}`,
        contents: await Deno.readFile(`${dir}/${entry.name}`),
      });
    }
  }
  return { toolchain, args: goBuildArgs(component, "<output>"), files };
}

async function goOutput(args: string[], cwd: string): Promise<string> {
  const output = await new Deno.Command("go", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(`go ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return new TextDecoder().decode(output.stdout);
}

/** Whether `path` exists (following links). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch {
    return undefined;
  }
}
