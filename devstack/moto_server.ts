/**
 * A real AWS emulator for tests: moto's server (pinned in `requirements.txt`),
 * installed from PyPI into `<repo>/.venv` on first use and run by
 * `moto_launch.py` on a free 127.0.0.1 port.
 *
 * @example
 * ```ts
 * await using moto = await startMoto();
 * // point SDK clients at moto.url; moto.reset() between tests
 * ```
 *
 * @module
 */

import { freePort, PortTakenError, readLines, withLock } from "./_process.ts";

const DEVSTACK_DIR = new URL("./", import.meta.url);
const REPO_ROOT = new URL("../", import.meta.url);
const REQUIREMENTS = pathOf(new URL("requirements.txt", DEVSTACK_DIR));
const OUTPUT_LINES = 200;

/** Options of {@linkcode startMoto}. */
export interface StartMotoOptions {
  /** Python interpreter with moto installed. @default {await ensureMotoInstalled()} */
  python?: string;
  /** How long to wait for moto to answer HTTP, in ms. @default {30_000} */
  readyTimeoutMs?: number;
}

/** A running moto server; stop it with `stop()` or `await using`. */
export interface MotoServer extends AsyncDisposable {
  /** Base URL, `http://127.0.0.1:PORT`: the AWS endpoint for every service. */
  readonly url: string;
  /** The port moto listens on. */
  readonly port: number;
  /** Deletes all data in every account and region (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  /** The last lines moto printed (request log, tracebacks), for failure messages. */
  output(): string;
  /** Kills moto and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

let installation: Promise<string> | undefined;

/**
 * Returns a Python interpreter that can import the pinned moto: `$MOTO_PYTHON`
 * if set, else `<repo>/.venv/bin/python`, creating that venv (`python3 -m
 * venv`, then `pip install -r devstack/requirements.txt`) when moto is
 * missing or another version. Concurrent test processes wait on a lock in
 * the temp dir so that only one installs.
 */
export function ensureMotoInstalled(): Promise<string> {
  installation ??= install().catch((error) => {
    installation = undefined; // let a later call try again
    throw error;
  });
  return installation;
}

/**
 * Starts moto on a free 127.0.0.1 port and waits until it answers HTTP.
 * A port taken between choosing and binding it is retried with another.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const python = options.python ?? await ensureMotoInstalled();
  for (let attempt = 1;; attempt++) {
    try {
      return await launch(python, freePort(), options.readyTimeoutMs ?? 30_000);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === 3) throw error;
    }
  }
}

async function launch(python: string, port: number, readyTimeoutMs: number): Promise<MotoServer> {
  const child = new Deno.Command(python, {
    args: ["-u", pathOf(new URL("moto_launch.py", DEVSTACK_DIR)), "--port", String(port)],
    stdin: "piped", // moto_launch.py exits when this closes
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // The last lines only, so that the request log neither floods a failure message nor blocks.
  const tail: string[] = [];
  const keep = (line: string) => tail.push(line) > OUTPUT_LINES && tail.shift();
  const drained = Promise.all([readLines(child.stdout, keep), readLines(child.stderr, keep)]);
  const stdin = child.stdin.getWriter();
  const url = `http://127.0.0.1:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      await stdin.close().catch(() => {});
      const timer = setTimeout(() => kill(child, "SIGKILL"), 5_000);
      kill(child, "SIGTERM");
      await child.status;
      clearTimeout(timer);
      await drained;
    })();

  try {
    await waitReady(url, child, readyTimeoutMs);
  } catch (error) {
    await stop();
    const output = tail.join("\n");
    if (/address already in use/i.test(output)) throw new PortTakenError(output);
    throw new Error(`${(error as Error).message}; moto output:\n${output}`);
  }

  return {
    url,
    port,
    async reset() {
      const response = await fetch(`${url}/moto-api/reset`, { method: "POST" });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`moto reset: HTTP ${response.status}`);
    },
    output: () => tail.join("\n"),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function waitReady(url: string, child: Deno.ChildProcess, timeoutMs: number): Promise<void> {
  let exited: Deno.CommandStatus | undefined;
  child.status.then((status) => exited = status);
  const deadline = Date.now() + timeoutMs;
  while (exited === undefined) {
    try {
      const response = await fetch(`${url}/moto-api/config`);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto not ready on ${url} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto exited with code ${exited.code} before it was ready`);
}

function kill(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // already exited
  }
}

/** The moto version `requirements.txt` pins (`moto[server]==X`). */
export async function pinnedMotoVersion(): Promise<string> {
  const version = /^moto\[server\]==(\S+)$/m.exec(await Deno.readTextFile(REQUIREMENTS))?.[1];
  if (version === undefined) throw new Error(`${REQUIREMENTS} does not pin moto[server]==X`);
  return version;
}

async function install(): Promise<string> {
  const fromEnv = readEnv("MOTO_PYTHON");
  if (fromEnv) return fromEnv;
  const venv = pathOf(new URL(".venv", REPO_ROOT));
  const python = `${venv}/bin/python`;
  const version = await pinnedMotoVersion();
  if (await hasMoto(python, version)) return python;
  await withLock(`${tempDir()}/secrets-store-provider-aws-moto-install.lock`, async () => {
    if (await hasMoto(python, version)) return; // another process just installed it
    await run("python3", ["-m", "venv", venv]);
    await run(`${venv}/bin/pip`, [
      "install",
      "-q",
      "--disable-pip-version-check",
      "-r",
      REQUIREMENTS,
    ]);
    if (!await hasMoto(python, version)) throw new Error(`moto ${version} missing after install`);
  });
  return python;
}

async function hasMoto(python: string, version: string): Promise<boolean> {
  const script = "import sys, moto; sys.exit(moto.__version__ != sys.argv[1])";
  try {
    const { success } = await new Deno.Command(python, {
      args: ["-c", script, version],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false; // no interpreter there yet
  }
}

async function run(command: string, args: string[]): Promise<void> {
  const { success, code, stderr } = await new Deno.Command(command, { args, stdout: "null" })
    .output();
  if (!success) {
    const tail = new TextDecoder().decode(stderr).split("\n").slice(-30).join("\n");
    throw new Error(`${command} ${args.join(" ")} failed with code ${code}:\n${tail}`);
  }
}

function readEnv(name: string): string | undefined {
  // Under Deno reading an env var that is not allowed throws; treat it as unset.
  const { state } = Deno.permissions.querySync({ name: "env", variable: name });
  return state === "granted" ? Deno.env.get(name) : undefined;
}

function tempDir(): string {
  return readEnv("TMPDIR") || "/tmp";
}

function pathOf(url: URL): string {
  return decodeURIComponent(url.pathname);
}
