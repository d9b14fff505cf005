/**
 * The provider under benchmark: `deno run` with the production permission
 * flags (`providerCommand`, the same `permissionFlags()` as `deno task start`)
 * plus `--cached-only` as in the container image, optionally with the V8
 * inspector for profiling. Start-up is timed from spawn to the first answered
 * `Version` call on the socket.
 *
 * @module
 */

import { connectDriver, type DriverClient } from "../test/support/driver_client.ts";
import { freePort, providerCommand } from "../test/support/provider_process.ts";
import { newPodVolume } from "../test/support/local_stack.ts";

const OUTPUT_LINES = 200;

/** Options of {@linkcode launchProvider}. */
export interface LaunchOptions {
  /** AWS endpoint (the fault proxy). */
  awsEndpoint: string;
  /** Kubeconfig of the local Kubernetes API server. */
  kubeconfig: string;
  /** More provider flags (default none: the production defaults). */
  args?: string[];
  /** Start with `--inspect=127.0.0.1:0` and report the DevTools WebSocket URL. */
  inspect?: boolean;
  /** Give up waiting for the socket after this many ms. @default {20_000} */
  readyTimeoutMs?: number;
  /**
   * Directory under which the stand-in kubelet pods directory is created
   * (default: the system temporary directory). The CSI driver mounts a tmpfs
   * at every target path, where the writer's fsync costs nothing; on a disk
   * it does. `/dev/shm` cannot be used: Deno asks for `--allow-all` to write
   * under `/dev`, which the production flags do not grant.
   */
  mountDir?: string;
}

/** A running provider process. */
export interface BenchProvider {
  /** Process id (the `deno` process itself). */
  pid: number;
  /** `<provider volume>/aws.sock`. */
  socketPath: string;
  /** Directory standing in for the kubelet's pods directory. */
  mountRoot: string;
  /** Base URL of `/metrics`. */
  metricsUrl: string;
  /** The full command line. */
  command: string[];
  /** Spawn to first answered `Version`, ms. */
  startupMs: number;
  /** Spawn to the socket accepting connections, ms. */
  socketMs: number;
  /** DevTools WebSocket URL when started with `inspect`. */
  inspectorUrl?: string;
  /** A client playing the driver, on one connection (as the driver keeps one). */
  driver: DriverClient;
  /** A new empty CSI volume of `pod` under `mountRoot`, in the kubelet's layout. */
  newTargetPath(pod: { uid: string }): Promise<string>;
  /** The last lines the provider printed. */
  lines(): string[];
  /**
   * `durationMs` of every successful mount's log line so far, in log order:
   * the provider's own view of a mount (from the call's arrival to its answer
   * being ready, gRPC decoding and encoding excluded).
   */
  mountDurations(): number[];
  /** SIGTERM, waits for the exit, removes the temporary directories; returns the exit code. */
  stop(): Promise<number>;
}

/**
 * Starts the provider and waits until `Version` answers on its socket.
 *
 * @throws {Error} with the provider's output if it exits or is not ready in time.
 */
export async function launchProvider(options: LaunchOptions): Promise<BenchProvider> {
  const providerVolume = await Deno.makeTempDir({ prefix: "bench-provider-vol-" });
  const mountRoot = await Deno.makeTempDir({
    prefix: "bench-kubelet-pods-",
    dir: options.mountDir,
  });
  const socketPath = `${providerVolume}/aws.sock`;
  const metricsPort = freePort();
  const [run, ...rest] = providerCommand({
    awsEndpoint: options.awsEndpoint,
    kubeconfig: options.kubeconfig,
    args: options.args,
    providerVolume,
    mountRoot,
    metricsPort,
  });
  const command = [
    run,
    "--cached-only",
    ...(options.inspect ? ["--inspect=127.0.0.1:0"] : []),
    ...rest,
  ];
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: options.awsEndpoint,
    AWS_EC2_METADATA_DISABLED: "true",
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
  };
  for (const name of ["HOME", "DENO_DIR", "PATH"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: command,
    cwd: new URL("../", import.meta.url).pathname,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const durations: number[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts);
      for (const line of parts) {
        if (!line.includes('"msg":"mount"')) continue;
        try {
          const duration = JSON.parse(line).durationMs;
          if (typeof duration === "number") durations.push(duration);
        } catch {
          // not a log line
        }
      }
      if (lines.length > OUTPUT_LINES) lines.splice(0, lines.length - OUTPUT_LINES);
    }
    if (rest !== "") lines.push(rest);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exitCode: number | undefined;
  const exited = child.status.then(async (status) => {
    await pumps;
    exitCode = status.code;
    return status.code;
  });
  const cleanUp = async () => {
    await Deno.remove(providerVolume, { recursive: true }).catch(() => {});
    await Deno.remove(mountRoot, { recursive: true }).catch(() => {});
  };
  const fail = async (why: string): Promise<never> => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await exited;
    await cleanUp();
    throw new Error(`provider ${why}:\n${lines.join("\n")}`);
  };

  // The socket accepts connections: poll with plain connects (a gRPC channel
  // would back off for a second after a refused connection).
  const deadline = started + (options.readyTimeoutMs ?? 20_000);
  while (true) {
    if (exitCode !== undefined) return await fail(`exited with ${exitCode} before listening`);
    if (performance.now() > deadline) return await fail("did not listen in time");
    try {
      const conn = await Deno.connect({ transport: "unix", path: socketPath });
      conn.close();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  const socketMs = performance.now() - started;
  const driver = connectDriver(socketPath);
  try {
    await driver.version();
  } catch (error) {
    driver.close();
    return await fail(`did not answer Version: ${(error as Error).message}`);
  }
  const startupMs = performance.now() - started;

  let inspectorUrl: string | undefined;
  if (options.inspect) {
    const line = lines.find((l) => l.includes("Debugger listening on ws://"));
    inspectorUrl = line?.slice(line.indexOf("ws://")).trim();
    if (inspectorUrl === undefined) return await fail("printed no inspector URL");
  }

  let counter = 0;
  let stopping: Promise<number> | undefined;
  return {
    pid: child.pid,
    socketPath,
    mountRoot,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    command: [Deno.execPath(), ...command],
    startupMs,
    socketMs,
    inspectorUrl,
    driver,
    newTargetPath: (pod) => newPodVolume(mountRoot, pod.uid, counter++),
    lines: () => [...lines],
    mountDurations: () => [...durations],
    stop: () =>
      stopping ??= (async () => {
        driver.close();
        if (exitCode === undefined) {
          try {
            child.kill("SIGTERM");
          } catch {
            // already gone
          }
        }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch {
            // already gone
          }
        }, 35_000);
        const code = await exited;
        clearTimeout(timer);
        await cleanUp();
        return code;
      })(),
  };
}
