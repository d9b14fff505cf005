/**
 * The YAML oracle: go-yaml v2 and sigs.k8s.io/yaml driven as the Go provider
 * drives them (`main.go` here), for differential tests of our YAML 1.1
 * parser. For each document it answers what `yaml.Unmarshal` (gopkg.in/yaml.v2
 * v2.4.0) makes of it as an `interface{}`, and what sigs.k8s.io/yaml v1.6.0
 * makes of it as the provider's `[]*provider.SecretDescriptor`.
 *
 * The binary is built from the Go module proxy on first use into
 * `.cache/go_oracle/yaml/`, and rebuilt only when its key changes (the Go
 * toolchain and target, the module files and the sources); the build uses
 * `-mod=readonly`, so it never edits the committed module files. Nothing
 * fetched or built is committed. One process answers a whole batch.
 *
 * @example
 * ```ts
 * const [result] = await runYamlOracle(["- objectName: a\n  filePermission: 0600"]);
 * // result.value: [{ map: [["objectName", "a"], ["filePermission", { int: "384" }]] }]
 * // result.objects: [{ objectName: "a", filePermission: "384", ... }]
 * ```
 *
 * @module
 */

const MODULE_DIR = new URL("./", import.meta.url).pathname;
const REPO_ROOT = new URL("../../../", import.meta.url).pathname.replace(/\/$/, "");
/** Files whose content changes the binary. */
const SOURCES = ["go.mod", "go.sum", "main.go", "provider/descriptor.go"];

/** Where the oracle binary and its build key live. */
export const YAML_ORACLE_DIR = `${REPO_ROOT}/.cache/go_oracle/yaml`;

/** The oracle binary. */
export const YAML_ORACLE_BIN = `${YAML_ORACLE_DIR}/yaml-oracle`;

/**
 * A go-yaml `interface{}` value in JSON: integers as `{int}` (decimal text),
 * floats as `{float}` (Go's shortest `%g`, `NaN`, `+Inf`, `-Inf`), mappings as
 * `{map}` pairs in Go's (unspecified) map order, other Go types as `{other}`.
 */
export type GoYamlValue =
  | null
  | boolean
  | string
  | GoYamlValue[]
  | { int: string }
  | { float: string }
  | { map: [GoYamlValue, GoYamlValue][] }
  | { other: string };

/** What Go makes of one document. */
export interface YamlOracleResult {
  /** go-yaml's value (`null` when it failed). */
  value: GoYamlValue;
  /** go-yaml's error. */
  valueError?: string;
  /** The descriptors sigs.k8s.io/yaml decoded (a JSON array; `null` for none or on error). */
  objects: unknown;
  /** sigs.k8s.io/yaml's error (of its first run). */
  objectsError?: string;
  /**
   * Every distinct error of several runs: sigs.k8s.io/yaml walks Go maps in
   * random order, so with two keys JSON cannot take, either may be named.
   */
  objectsErrors?: string[];
  /** A Go panic other than go-yaml's own errors. */
  panic?: string;
}

async function output(args: string[]): Promise<string> {
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command("go", { args, stdout: "piped", stderr: "piped" }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error("the YAML oracle needs Go (go is not on PATH)");
    }
    throw error;
  }
  if (!result.success) {
    throw new Error(`go ${args.join(" ")} failed: ${new TextDecoder().decode(result.stderr)}`);
  }
  return new TextDecoder().decode(result.stdout);
}

/** The build key: the toolchain, the target and every source file. */
async function buildKey(): Promise<string> {
  const parts = [
    await output(["version"]),
    await output(["env", "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS"]),
  ];
  for (const file of SOURCES) parts.push(file, await Deno.readTextFile(`${MODULE_DIR}${file}`));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\0")));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Builds the oracle unless the binary for the current key is there.
 *
 * @returns the binary's path.
 * @throws {Error} when Go is missing or the build fails.
 */
export async function ensureYamlOracle(): Promise<string> {
  const key = await buildKey();
  const stamp = `${YAML_ORACLE_BIN}.stamp`;
  const built = await Deno.readTextFile(stamp).catch(() => undefined);
  if (built === key && await Deno.stat(YAML_ORACLE_BIN).then(() => true, () => false)) {
    return YAML_ORACLE_BIN;
  }
  await Deno.mkdir(YAML_ORACLE_DIR, { recursive: true });
  // A private temporary name renamed into place: two test processes may build at once.
  const temporary = `${YAML_ORACLE_BIN}.${crypto.randomUUID()}.tmp`;
  const build = await new Deno.Command("go", {
    args: ["build", "-mod=readonly", "-o", temporary, "."],
    cwd: MODULE_DIR,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!build.success) {
    await Deno.remove(temporary).catch(() => {});
    throw new Error(`building the YAML oracle failed:\n${new TextDecoder().decode(build.stderr)}`);
  }
  await Deno.rename(temporary, YAML_ORACLE_BIN);
  await Deno.writeTextFile(stamp, key);
  return YAML_ORACLE_BIN;
}

/**
 * Decodes `documents` with Go in one oracle process (building it first when
 * needed).
 *
 * @returns one result per document, in order.
 */
export async function runYamlOracle(documents: readonly string[]): Promise<YamlOracleResult[]> {
  const binary = await ensureYamlOracle();
  const child = new Deno.Command(binary, { stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  // The oracle reads all of its input before it writes, so writing first cannot deadlock.
  await writer.write(new TextEncoder().encode(JSON.stringify(documents)));
  await writer.close();
  const result = await child.output();
  if (!result.success) {
    throw new Error(`the YAML oracle failed: ${new TextDecoder().decode(result.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(result.stdout));
}
