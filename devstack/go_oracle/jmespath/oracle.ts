/**
 * The JMESPath oracle: go-jmespath v0.4.0 driven exactly as the Go provider
 * drives it (`main.go` here), for differential tests of our evaluator. The
 * binary is built from the Go module proxy on first use into
 * `.cache/go_oracle/jmespath/`, and rebuilt only when its key changes (the
 * Go toolchain and target, `go.mod`, `go.sum` and `main.go`); the build uses
 * `-mod=readonly`, so it never edits the committed module files. Nothing
 * fetched or built is committed.
 *
 * @example
 * ```ts
 * const [outcomes] = await runJmesOracle([{
 *   document: new TextEncoder().encode('{"a": "x"}'),
 *   objectName: "db",
 *   entries: [{ path: "a", alias: "a" }],
 * }]);
 * // outcomes: [{ values: [Uint8Array of "x"] }]
 * ```
 *
 * @module
 */

const MODULE_DIR = new URL("./", import.meta.url).pathname;
const REPO_ROOT = new URL("../../../", import.meta.url).pathname.replace(/\/$/, "");

/** Where the oracle binary and its build key live. */
export const JMES_ORACLE_DIR = `${REPO_ROOT}/.cache/go_oracle/jmespath`;

/** The oracle binary. */
export const JMES_ORACLE_BIN = `${JMES_ORACLE_DIR}/jmes-oracle`;

/** One secret and its jmesPath entries, extracted as the Go provider would. */
export interface JmesOracleCase {
  /** The secret's bytes. */
  document: Uint8Array;
  /** The object's name (it appears in the invalid-JSON error). */
  objectName: string;
  /** The entries, evaluated in order on one decoded document. */
  entries: { path: string; alias: string }[];
}

/** What the Go provider does with one case. */
export type JmesOracleOutcome =
  | { values: Uint8Array[] }
  | { error: string }
  | { panic: string };

/** Options of {@linkcode ensureJmesOracle}. */
export interface EnsureOracleOptions {
  /** Rebuild even when the key is unchanged. */
  force?: boolean;
}

async function output(command: string, args: string[]): Promise<string> {
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`the JMESPath oracle needs Go (${command} is not on PATH)`);
    }
    throw error;
  }
  if (!result.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${new TextDecoder().decode(result.stderr)}`,
    );
  }
  return new TextDecoder().decode(result.stdout);
}

/** The build key: everything that changes the binary. */
async function buildKey(): Promise<string> {
  const parts = [
    await output("go", ["version"]),
    await output("go", ["env", "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS"]),
  ];
  for (const file of ["go.mod", "go.sum", "main.go"]) {
    parts.push(file, await Deno.readTextFile(`${MODULE_DIR}${file}`));
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\0")));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Builds the oracle unless the binary for the current key is there.
 *
 * @returns the binary's path.
 * @throws {Error} when Go is missing or the build fails.
 */
export async function ensureJmesOracle(options: EnsureOracleOptions = {}): Promise<string> {
  const key = await buildKey();
  const stamp = `${JMES_ORACLE_BIN}.stamp`;
  if (!options.force) {
    try {
      if ((await Deno.readTextFile(stamp)) === key) {
        await Deno.stat(JMES_ORACLE_BIN);
        return JMES_ORACLE_BIN;
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  await Deno.mkdir(JMES_ORACLE_DIR, { recursive: true });
  // A private temporary name, renamed into place: two test processes building at once both succeed.
  const temporary = `${JMES_ORACLE_BIN}.${crypto.randomUUID()}.tmp`;
  const build = await new Deno.Command("go", {
    args: ["build", "-mod=readonly", "-o", temporary, "."],
    cwd: MODULE_DIR,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!build.success) {
    await Deno.remove(temporary).catch(() => {});
    throw new Error(
      `building the JMESPath oracle failed:\n${new TextDecoder().decode(build.stderr)}`,
    );
  }
  await Deno.rename(temporary, JMES_ORACLE_BIN);
  await Deno.writeTextFile(stamp, key);
  return JMES_ORACLE_BIN;
}

interface WireOutcome {
  values?: string[];
  error?: string;
  panic?: string;
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Evaluates `cases` with go-jmespath in one oracle process (building it
 * first when needed).
 *
 * @returns for each case, every distinct outcome Go gave over its runs (more
 *   than one when the outcome depends on Go's random map order).
 */
export async function runJmesOracle(cases: JmesOracleCase[]): Promise<JmesOracleOutcome[][]> {
  const binary = await ensureJmesOracle();
  const child = new Deno.Command(binary, { stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const input = JSON.stringify(cases.map((c) => ({
    document: toBase64(c.document),
    objectName: c.objectName,
    entries: c.entries,
  })));
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const result = await child.output();
  if (!result.success) {
    throw new Error(`the JMESPath oracle failed: ${new TextDecoder().decode(result.stderr)}`);
  }
  const results: { outcomes: WireOutcome[] }[] = JSON.parse(
    new TextDecoder().decode(result.stdout),
  );
  return results.map(({ outcomes }) =>
    outcomes.map((outcome): JmesOracleOutcome => {
      if (outcome.values !== undefined) return { values: outcome.values.map(fromBase64) };
      if (outcome.error !== undefined) return { error: outcome.error };
      return { panic: outcome.panic ?? "no outcome" };
    })
  );
}
