/**
 * The provider under benchmark: the dev stack's provider process (`deno run`
 * with the production permission flags, the same `permissionFlags()` as
 * `deno task start`) plus `--cached-only` and `deno.provider.json` as in the
 * container image (where it is the `deno.json`), optionally with the V8
 * inspector for profiling. Start-up is timed from spawn to the first answered
 * `Version` call on the socket; the warm-up that follows ends with the
 * provider's `warmed up` line.
 *
 * @module
 */

import {
  connectDriver,
  type DriverClient,
  newPodVolume,
  type ProviderProcess,
  startProviderProcess,
} from "../devstack/mod.ts";

const REPO_ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

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

/** The provider process under benchmark, with its start-up times and a driver client. */
export interface BenchProvider extends ProviderProcess {
  /** Spawn to first answered `Version`, ms. */
  startupMs: number;
  /** Spawn to the socket accepting connections, ms. */
  socketMs: number;
  /**
   * Resolves when the provider has warmed up (its `warmed up` line), with the
   * warm-up's own duration, ms.
   */
  warmedUp: Promise<number>;
  /** DevTools WebSocket URL when started with `inspect`. */
  inspectorUrl?: string;
  /** A client playing the driver, on one connection (as the driver keeps one). */
  driver: DriverClient;
  /** A new empty CSI volume of `pod` under `mountRoot`, in the kubelet's layout. */
  newTargetPath(pod: { uid: string }): Promise<string>;
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
  const cleanUp = async () => {
    await Deno.remove(providerVolume, { recursive: true }).catch(() => {});
    await Deno.remove(mountRoot, { recursive: true }).catch(() => {});
  };
  const durations: number[] = [];
  const warmedUp = Promise.withResolvers<number>();
  const process = await startProviderProcess({
    awsEndpoint: options.awsEndpoint,
    kubeconfig: options.kubeconfig,
    args: options.args,
    providerVolume,
    mountRoot,
    // As in the container image; the inspector for profiling.
    denoFlags: [
      "--cached-only",
      `--config=${REPO_ROOT}/deno.provider.json`,
      ...(options.inspect ? ["--inspect=127.0.0.1:0"] : []),
    ],
    readyTimeoutMs: options.readyTimeoutMs,
    onLine(line) {
      const mount = line.includes('"msg":"mount"');
      if (!mount && !line.includes('"msg":"warmed up')) return;
      try {
        const duration = JSON.parse(line).durationMs;
        if (typeof duration !== "number") return;
        if (mount) durations.push(duration);
        else warmedUp.resolve(duration);
      } catch {
        // not a log line
      }
    },
  }).catch(async (error) => {
    await cleanUp();
    throw error;
  });
  const fail = async (why: string): Promise<never> => {
    await process.stop("SIGKILL");
    await cleanUp();
    throw new Error(`provider ${why}:\n${process.lines().join("\n")}`);
  };
  const socketMs = process.readyAt - process.spawnedAt;
  const driver = connectDriver(process.socketPath);
  try {
    await driver.version();
  } catch (error) {
    driver.close();
    return await fail(`did not answer Version: ${(error as Error).message}`);
  }
  const startupMs = performance.now() - process.spawnedAt;

  let inspectorUrl: string | undefined;
  if (options.inspect) {
    const line = process.lines().find((l) => l.includes("Debugger listening on ws://"));
    inspectorUrl = line?.slice(line.indexOf("ws://")).trim();
    if (inspectorUrl === undefined) return await fail("printed no inspector URL");
  }

  let counter = 0;
  let stopping: Promise<number> | undefined;
  return {
    ...process,
    startupMs,
    socketMs,
    warmedUp: warmedUp.promise,
    inspectorUrl,
    driver,
    newTargetPath: (pod) => newPodVolume(mountRoot, pod.uid, counter++),
    mountDurations: () => [...durations],
    stop: () =>
      stopping ??= (async () => {
        driver.close();
        const code = await process.stop();
        await cleanUp();
        return code;
      })(),
  };
}
