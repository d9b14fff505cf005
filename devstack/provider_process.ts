/**
 * Starts the provider as a separate process, exactly as `deno task start`
 * does — `deno run` with the permission flags of `src/cli/permissions.ts` —
 * but with test directories and loopback endpoints. It is ready when its
 * socket accepts a connection (polled every 2 ms, so that the benchmark's
 * start-up times are the provider's, not the poll's).
 *
 * @module
 */

import { parse } from "yaml";
import { permissionFlags, PROVIDER_PROCESS_ENV, SERVICE_ACCOUNT_DIR } from "../src/cli/mod.ts";
import { freePort, PortTakenError, readLines } from "./_process.ts";

const REPO_ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
/** After the stop signal, how long the provider may take before it is killed (its own drain takes at most 30 s). */
const STOP_GRACE_MS = 35_000;

/** Options of {@linkcode startProviderProcess}. */
export interface ProviderProcessOptions {
  /** AWS endpoint (moto or the fault proxy), set as `AWS_ENDPOINT_URL`. */
  awsEndpoint: string;
  /** Kubeconfig for the local Kubernetes API server. */
  kubeconfig?: string;
  /** `AWS_REGION` of the provider process. */
  awsRegion?: string;
  /** `--driver-writes-secrets`. */
  driverWritesSecrets?: boolean;
  /** More provider flags. */
  args?: string[];
  /** More hosts the provider may reach (Pod Identity agent, ...). */
  netHosts?: string[];
  /** More environment variables (names must match the allowed list). */
  env?: Record<string, string>;
  /** Socket directory (default: a new temporary directory). */
  providerVolume?: string;
  /** Directory standing in for `<kubelet>/pods` (default: a new temporary directory). */
  mountRoot?: string;
  /** Extra `deno run` flags before the script (`--cached-only`, `--inspect`, V8 flags). */
  denoFlags?: string[];
  /** Called with every line the process prints (stdout and stderr), as it comes. */
  onLine?: (line: string) => void;
  /** How long to wait for the socket, in ms. @default {20_000} */
  readyTimeoutMs?: number;
  /** Picks the metrics port of each attempt to start. @default {freePort} */
  choosePort?: () => number;
  /**
   * A command to run the provider under, given the provider's command line
   * as its last arguments (e.g. `unshare --net …`). It must exec the
   * provider, so that the process is the provider's.
   */
  runUnder?: string[];
}

/** A running provider process. */
export interface ProviderProcess {
  /** The socket directory. */
  providerVolume: string;
  /** `<providerVolume>/aws.sock`. */
  socketPath: string;
  /** Base URL of the metrics and health endpoint. */
  metricsUrl: string;
  /** Where test mounts may be created (the provider may write only here). */
  mountRoot: string;
  /** The process id. */
  pid: number;
  /** The full command line, `deno` first. */
  command: string[];
  /** `performance.now()` when the process was spawned. */
  spawnedAt: number;
  /** `performance.now()` when its socket first accepted a connection. */
  readyAt: number;
  /** Every line the process wrote so far (stdout and stderr). */
  lines(): string[];
  /**
   * Every line so far, as soon as `done(lines)` holds, or when `timeoutMs`
   * (2 s) have passed without it (the caller's assertion then shows what
   * came). A line the provider writes before it answers may still be in the
   * pipe when the answer arrives on the socket.
   */
  linesWhen(
    done: (lines: string[]) => boolean,
    options?: { timeoutMs?: number },
  ): Promise<string[]>;
  /** Sends a signal (SIGKILL 35 s later if still running) and waits for the exit; returns the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
  /** Waits until the process exits on its own. */
  exited: Promise<number>;
  /** Stops (SIGTERM) if still running. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The `deno run` argument list the provider process is started with. */
export function providerCommand(
  options: ProviderProcessOptions & {
    providerVolume: string;
    mountRoot: string;
    /** Port of the metrics endpoint; none when omitted. */
    metricsPort?: number;
  },
): string[] {
  const endpointHost = new URL(options.awsEndpoint).host;
  const readPaths = options.kubeconfig
    ? [options.kubeconfig, SERVICE_ACCOUNT_DIR]
    : [SERVICE_ACCOUNT_DIR];
  return [
    "run",
    ...permissionFlags({
      providerVolume: options.providerVolume,
      kubeletPodsDir: options.driverWritesSecrets ? undefined : options.mountRoot,
      readPaths,
      netHosts: [
        endpointHost,
        ...(options.kubeconfig ? [kubeconfigHost(options.kubeconfig)] : []),
        ...(options.metricsPort ? [`127.0.0.1:${options.metricsPort}`] : []),
        ...(options.netHosts ?? []),
      ],
    }),
    ...(options.denoFlags ?? []),
    `${REPO_ROOT}/src/main.ts`,
    `--provider-volume=${options.providerVolume}`,
    `--kubelet-pods-dir=${options.mountRoot}`,
    ...(options.driverWritesSecrets ? ["--driver-writes-secrets"] : []),
    ...(options.kubeconfig ? [`--kubeconfig=${options.kubeconfig}`] : []),
    `--metrics-addr=${options.metricsPort ? `127.0.0.1:${options.metricsPort}` : ""}`,
    ...(options.args ?? []),
  ];
}

function kubeconfigHost(path: string): string {
  const config = parse(Deno.readTextFileSync(path)) as {
    clusters?: { cluster?: { server?: string } }[];
  };
  const server = config.clusters?.[0]?.cluster?.server;
  if (!server) throw new Error(`no server in kubeconfig ${path}`);
  return new URL(server).host;
}

/**
 * Starts the provider and waits until its socket accepts a connection and
 * it serves metrics; a metrics port taken meanwhile is retried (3 attempts).
 *
 * @throws {Error} with the process output if it exits or is not ready in time
 * ({@linkcode PortTakenError} when the port was taken every time).
 */
export async function startProviderProcess(
  options: ProviderProcessOptions,
): Promise<ProviderProcess> {
  // The metrics port is chosen free and bound by the provider a moment later;
  // one taken in between is tried again with another.
  for (let attempt = 1;; attempt++) {
    try {
      return await launch(options, (options.choosePort ?? freePort)());
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === 3) throw error;
    }
  }
}

async function launch(
  options: ProviderProcessOptions,
  metricsPort: number,
): Promise<ProviderProcess> {
  // Directories made here are removed when the process has stopped; given ones are the caller's.
  const made: string[] = [];
  const makeDirectory = async (prefix: string) => {
    const path = await Deno.makeTempDir({ prefix });
    made.push(path);
    return path;
  };
  const providerVolume = options.providerVolume ?? await makeDirectory("provider-vol-");
  const mountRoot = options.mountRoot ?? await makeDirectory("kubelet-pods-");
  const socketPath = `${providerVolume}/aws.sock`;
  const env: Record<string, string> = {
    // As the image starts it.
    ...PROVIDER_PROCESS_ENV,
    AWS_ENDPOINT_URL: options.awsEndpoint,
    // Never fall back to instance metadata (169.254.169.254) in tests.
    AWS_EC2_METADATA_DISABLED: "true",
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    ...(options.awsRegion ? { AWS_REGION: options.awsRegion } : {}),
    ...(options.env ?? {}),
  };
  for (const name of ["HOME", "DENO_DIR", "PATH"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const args = providerCommand({ ...options, providerVolume, mountRoot, metricsPort });
  const spawnedAt = performance.now();
  const [program, ...programArgs] = [...options.runUnder ?? [], Deno.execPath(), ...args];
  const child = new Deno.Command(program, {
    args: programArgs,
    cwd: REPO_ROOT,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    options.onLine?.(line);
  };
  const pumps = Promise.all([readLines(child.stdout, keep), readLines(child.stderr, keep)]);
  let running = true;
  const exited = child.status.then(async (status) => {
    running = false;
    await pumps;
    for (const path of made) await Deno.remove(path, { recursive: true }).catch(() => {});
    return status.code;
  });
  const kill = (signal: Deno.Signal) => {
    try {
      if (running) child.kill(signal);
    } catch {
      // already gone
    }
  };
  // Poll with plain connects: a gRPC channel backs off for a second after a refused one.
  // The provider binds the metrics port after its socket, so it is ready once
  // it has also said it serves metrics (a taken port ends it right there).
  const deadline = spawnedAt + (options.readyTimeoutMs ?? 20_000);
  const servesMetrics = () => lines.some((line) => line.includes("/healthz and /readyz on"));
  let readyAt: number | undefined;
  for (;;) {
    const why = !running
      ? "exited before listening"
      : performance.now() > deadline
      ? "did not listen in time"
      : undefined;
    if (why !== undefined) {
      kill("SIGKILL");
      await exited;
      const output = lines.join("\n");
      if (
        why === "exited before listening" &&
        output.includes("metrics and health endpoint. error: Address already in use")
      ) {
        throw new PortTakenError(`provider ${why}:\n${output}`);
      }
      throw new Error(`provider ${why}:\n${output}`);
    }
    if (readyAt === undefined) {
      try {
        (await Deno.connect({ transport: "unix", path: socketPath })).close();
        readyAt = performance.now();
      } catch {
        // not listening yet
      }
    }
    if (readyAt !== undefined && servesMetrics()) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    kill(signal);
    const timer = setTimeout(() => kill("SIGKILL"), STOP_GRACE_MS);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return {
    providerVolume,
    socketPath,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    mountRoot,
    pid: child.pid,
    command: [Deno.execPath(), ...args],
    spawnedAt,
    readyAt,
    lines: () => [...lines],
    linesWhen: async (done, waitOptions = {}) => {
      const until = performance.now() + (waitOptions.timeoutMs ?? 2_000);
      while (!done(lines) && performance.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return [...lines];
    },
    stop,
    exited,
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}
