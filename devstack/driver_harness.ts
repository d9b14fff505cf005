/**
 * The real CSI driver's node side as a test tool: builds and runs the Go
 * program in `e2e/driver_harness/` (the driver's own `NewPluginClientBuilder`,
 * `MountContent` and `GetMountedFiles`, compiled against driver v1.6.0 or
 * v1.5.6) and speaks its newline-delimited JSON protocol.
 *
 * @example
 * ```ts
 * const binary = await ensureDriverHarness("v1.5");
 * await using driver = await startDriverHarness("v1.5", { providerDir, workDir });
 * const result = await driver.mount({ parameters: { objects, region }, targetPath });
 * if (!result.ok) throw new Error(result.error); // the driver's own text
 * ```
 *
 * @module
 */

import { DEFAULT_POD, TEST_TOKENS, type TestPod, tokensIn, tokensJson } from "./driver_client.ts";
import type { LeakWitness } from "./leak_check.ts";
import { withLock } from "./_process.ts";

/** Driver release a harness binary is built against. */
export type DriverVersion = "v1.6" | "v1.5";

/** The harness sources: `e2e/driver_harness/`. */
export const DRIVER_HARNESS_DIR = new URL("../e2e/driver_harness", import.meta.url).pathname;

/** The pod of a mount, as the harness protocol names its fields. */
export interface HarnessPod {
  /** Pod name. */
  name: string;
  /** Namespace. */
  namespace: string;
  /** UID. */
  uid: string;
  /** Service account name. */
  serviceAccountName: string;
}

/** A test pod in harness form. */
export function harnessPod(pod: TestPod): HarnessPod {
  return {
    name: pod.name,
    namespace: pod.namespace,
    uid: pod.uid,
    serviceAccountName: pod.serviceAccount,
  };
}

/** The default test pod ({@linkcode DEFAULT_POD}) in harness form. */
export const DEFAULT_HARNESS_POD: HarnessPod = harnessPod(DEFAULT_POD);

/** {@linkcode TEST_TOKENS} as the driver passes them, expiring in an hour. */
export function testTokensJson(): string {
  const inAnHour = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");
  return tokensJson(TEST_TOKENS, inAnHour);
}

/** A `mount` command; see the harness README for each field. */
export interface MountCommand {
  /** SecretProviderClass `spec.parameters`. */
  parameters: Record<string, string>;
  /** The pod. @default {DEFAULT_HARNESS_POD} */
  pod?: HarnessPod;
  /** Tokens attribute (JSON string); `null` sends none. @default {testTokensJson()} */
  tokens?: string | null;
  /** `secrets` passed verbatim. @default {"null"} */
  secrets?: string;
  /** Target directory (created if missing); a fresh one under the work dir when omitted. */
  targetPath?: string;
  /** `permission` passed verbatim. @default {"420"} */
  permission?: string;
  /** `oldObjectVersions` for `MountContent` (what a v1.5 rotation sends). */
  oldObjectVersions?: Record<string, string>;
  /** Deadline of the call. @default {30000} */
  timeoutMs?: number;
  /** The `secretProviderClass` volume attribute. */
  secretProviderClass?: string;
  /** Return file contents (base64). */
  readContents?: boolean;
}

/** A `mountMany` command: `count` mounts over the one connection, each into a fresh dir. */
export interface MountManyCommand extends Omit<MountCommand, "targetPath"> {
  /** Number of mounts. */
  count: number;
  /** At most this many at a time. @default {count} */
  concurrency?: number;
}

/** A file in the target dir after a mount, as listed by `GetMountedFiles`. */
export interface HarnessFile {
  /** Relative path (`dir/file` for nested). */
  path: string;
  /** Permission bits after following symlinks. */
  mode: number;
  /** Size in bytes. */
  size: number;
  /** SHA-256 of the contents, hex. */
  sha256: string;
  /** Base64 contents (with `readContents`). */
  contents?: string;
  /** Why the file could not be read. */
  error?: string;
}

interface MountResultBase {
  /** The target directory. */
  targetPath: string;
  /** What is in the target dir after the call. */
  files: HarnessFile[];
  /** The driver's atomic writer wrote (`..data` exists). */
  driverWroteFiles: boolean;
  /** `GetMountedFiles` failed and a plain walk was used. */
  listError?: string;
  /** Duration of the RPC in ms. */
  durationMs: number;
}

/** `MountContent` succeeded. */
export interface MountSuccess extends MountResultBase {
  /** Success. */
  ok: true;
  /** Object versions returned by `MountContent`. */
  objectVersions: Record<string, string>;
  /** Always `""` on success. */
  errorCode: string;
}

/** `MountContent` (or connecting) failed. */
export interface MountFailure extends MountResultBase {
  /** Failure. */
  ok: false;
  /** `err.Error()` — what the driver reports to the pod. */
  error: string;
  /** `GRPCProviderError`, `FileWriteError` or the provider's error code. */
  errorCode: string;
  /** gRPC status code name, when the error is a gRPC status. */
  grpcCode?: string;
  /** gRPC status message, when the error is a gRPC status. */
  grpcMessage?: string;
}

/** What a mount returned. */
export type MountResult = MountSuccess | MountFailure;

/** What `mountMany` returned: one result per mount, in order. */
export interface MountManyResult {
  /** Always true (individual mounts carry their own outcome). */
  ok: true;
  /** Per-mount results. */
  results: MountResult[];
  /** Total duration in ms. */
  durationMs: number;
}

/** What `version` returned. */
export type VersionResult =
  & {
    /** Driver module version the binary was built with, e.g. `v1.6.0`. */
    driverModule: string;
    /** grpc-go module version, e.g. `v1.56.3`. */
    grpcModule: string;
    /** Duration in ms. */
    durationMs: number;
  }
  & (
    | {
      /** Success. */
      ok: true;
      /** The provider's `runtime_version`. */
      runtimeVersion: string;
    }
    | {
      /** Failure. */
      ok: false;
      /** The driver's error text. */
      error: string;
      /** gRPC status code name. */
      grpcCode?: string;
    }
  );

/** Options of {@linkcode startDriverHarness}. */
export interface DriverHarnessOptions {
  /** Directory holding `aws.sock` (the provider volume). */
  providerDir: string;
  /** Where fresh target dirs are created (kept after exit). @default {a temp dir removed at exit} */
  workDir?: string;
  /** Give up on a command after this long (kills the harness). @default {120000} */
  commandTimeoutMs?: number;
}

/**
 * A running harness: one process, one gRPC connection to the provider. As a
 * {@linkcode LeakWitness} it keeps every error the driver reported and every
 * token it sent, for the leak proof (`TestProvider.watch`).
 */
export interface DriverHarness extends AsyncDisposable, LeakWitness {
  /** Which driver release the binary was built against. */
  readonly driverVersion: DriverVersion;
  /** The process id. */
  readonly pid: number;
  /** `secretsstore.Version` over the connection. */
  version(options?: { timeoutMs?: number }): Promise<VersionResult>;
  /** One `MountContent`. */
  mount(command: MountCommand): Promise<MountResult>;
  /** Many concurrent `MountContent` calls over the one connection. */
  mountMany(command: MountManyCommand): Promise<MountManyResult>;
  /** Everything the harness wrote to stderr so far (the driver's logs). */
  stderr(): string;
  /** Sends `exit` and waits for the process (kills it after 5 s). */
  close(): Promise<void>;
}

/** Where the binary for `version` is built. */
export function driverHarnessBinary(version: DriverVersion): string {
  return `${DRIVER_HARNESS_DIR}/bin/driver-${version}`;
}

async function hasGo(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("go", {
      args: ["version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

const builds = new Map<DriverVersion, Promise<string>>();

/**
 * Returns the path of the harness binary for `version` once
 * `e2e/driver_harness/build.sh <version>` has made sure it is current (the
 * script rebuilds only when the hash of the sources, module files and Go
 * toolchain changed). Concurrent calls share one build (in this process) or
 * wait for a lock file (across processes).
 *
 * @throws {Error} with the build output when the build fails, or when `go`
 * is not installed: a binary left from an earlier build is never used
 * without checking that it is up to date, so a missing Go fails the tests
 * instead of running them against stale code.
 */
export function ensureDriverHarness(version: DriverVersion): Promise<string> {
  let pending = builds.get(version);
  if (!pending) {
    pending = buildIfNeeded(version);
    builds.set(version, pending);
    pending.catch(() => builds.delete(version));
  }
  return pending;
}

async function buildIfNeeded(version: DriverVersion): Promise<string> {
  const binary = driverHarnessBinary(version);
  if (!await hasGo()) {
    throw new Error(
      `driver harness: go is not installed, so ${binary} cannot be built or checked against ` +
        `its sources; install Go (a binary left from an earlier build is never used unchecked)`,
    );
  }
  await Deno.mkdir(`${DRIVER_HARNESS_DIR}/bin`, { recursive: true });
  return await withLock(`${DRIVER_HARNESS_DIR}/bin/.build-${version}.lock`, async () => {
    const output = await new Deno.Command(`${DRIVER_HARNESS_DIR}/build.sh`, {
      args: [version],
      cwd: DRIVER_HARNESS_DIR,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    if (!output.success) {
      throw new Error(`driver harness: build.sh ${version} failed (exit ${output.code}):\n${text}`);
    }
    return binary;
  });
}

/** Why a harness command could not be answered (the process died, timed out, or the protocol broke). */
export class DriverHarnessError extends Error {
  /** Creates the error; `stderr` is the harness's stderr so far. */
  constructor(message: string, readonly stderr: string) {
    super(`${message}\n--- driver harness stderr ---\n${tail(stderr, 60)}`);
    this.name = "DriverHarnessError";
  }
}

function tail(text: string, lines: number): string {
  return text.split("\n").slice(-lines).join("\n");
}

/**
 * Builds (if needed) and starts the harness for `version` against the socket
 * in `options.providerDir`. Commands are sent one at a time (later ones wait
 * in a queue); each gets exactly one JSON answer.
 *
 * @throws {Error} when the binary cannot be built.
 */
export async function startDriverHarness(
  version: DriverVersion,
  options: DriverHarnessOptions,
): Promise<DriverHarness> {
  const binary = await ensureDriverHarness(version);
  const args = ["-provider-dir", options.providerDir];
  if (options.workDir) args.push("-work-dir", options.workDir);
  const commandTimeoutMs = options.commandTimeoutMs ?? 120_000;
  const child = new Deno.Command(binary, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let stderrText = "";
  const stderrDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderrText += chunk;
    }
  })();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(lineSplitter())
    .getReader();
  const writer = child.stdin.getWriter();
  let exited = false;
  const status = child.status.then(async (s) => {
    exited = true;
    await stderrDone.catch(() => {});
    return s;
  });

  let queue: Promise<unknown> = Promise.resolve();
  let nextId = 1;
  let broken: DriverHarnessError | undefined;
  const errorsSeen: { call: number; message: string }[] = [];
  const tokensSent: string[] = [];

  const send = <T>(command: Record<string, unknown>): Promise<T> => {
    const run = async (): Promise<T> => {
      if (broken) throw broken;
      const id = nextId++;
      const line = JSON.stringify({ id, ...command }) + "\n";
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer to ${command.op} within ${commandTimeoutMs} ms`)),
          commandTimeoutMs,
        );
      });
      try {
        await writer.write(new TextEncoder().encode(line));
        const read = await Promise.race([lines.read(), timedOut]);
        if (read.done) {
          const { code } = await status;
          throw new Error(`harness exited (code ${code}) before answering ${command.op}`);
        }
        const answer = JSON.parse(read.value) as { id?: number; ok: boolean; error?: string };
        if (answer.id !== id) {
          throw new Error(`answer id ${answer.id} does not match command id ${id}: ${read.value}`);
        }
        delete answer.id;
        errorsSeen.push(...errorsIn(answer).map((message) => ({ call: id, message })));
        if (!answer.ok && answer.error?.startsWith("bad command:")) {
          throw new Error(`harness rejected ${command.op}: ${answer.error}`);
        }
        return answer as T;
      } catch (error) {
        broken = new DriverHarnessError(
          `driver harness ${version}: ${(error as Error).message}`,
          stderrText,
        );
        kill();
        throw broken;
      } finally {
        clearTimeout(timer);
      }
    };
    const result = queue.then(run, run);
    queue = result.catch(() => {});
    return result;
  };

  const kill = () => {
    if (exited) return;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  };

  const withDefaults = (command: MountCommand | MountManyCommand): Record<string, unknown> => {
    const { tokens, ...rest } = command;
    const resolvedTokens = tokens === undefined ? testTokensJson() : tokens;
    if (resolvedTokens !== null) tokensSent.push(...tokensIn(resolvedTokens));
    return {
      ...rest,
      pod: command.pod ?? DEFAULT_HARNESS_POD,
      ...(resolvedTokens === null ? {} : { tokens: resolvedTokens }),
    };
  };

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      if (!exited && !broken) {
        await queue;
        try {
          await writer.write(new TextEncoder().encode(`{"op":"exit"}\n`));
        } catch {
          // the process is gone
        }
      }
      await writer.close().catch(() => {});
      const timer = setTimeout(kill, 5_000);
      await status;
      clearTimeout(timer);
      await lines.cancel().catch(() => {});
    })();
    return closing;
  };

  return {
    driverVersion: version,
    pid: child.pid,
    version: (versionOptions = {}) => send<VersionResult>({ op: "version", ...versionOptions }),
    mount: (command) => send<MountResult>({ op: "mount", ...withDefaults(command) }),
    mountMany: (command) => send<MountManyResult>({ op: "mountMany", ...withDefaults(command) }),
    stderr: () => stderrText,
    errors: () => [...errorsSeen],
    tokensSent: () => [...tokensSent],
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The error texts an answer carries: its own, or those of the mounts of a `mountMany`. */
function errorsIn(answer: Record<string, unknown>): string[] {
  const texts: string[] = [];
  for (const result of [answer, ...(Array.isArray(answer.results) ? answer.results : [])]) {
    if (result?.ok !== false) continue;
    for (const key of ["error", "grpcMessage", "listError"]) {
      if (typeof result[key] === "string" && result[key] !== "") texts.push(result[key]);
    }
  }
  return texts;
}

function lineSplitter(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const part of parts) if (part.trim() !== "") controller.enqueue(part);
    },
    flush(controller) {
      if (rest.trim() !== "") controller.enqueue(rest);
    },
  });
}
