/**
 * The real Secrets Store CSI driver binary as the node plugin, started with
 * the arguments its chart renders for the `secrets-store` container, with
 * only paths and hosts adapted: `$(CSI_ENDPOINT)` and `$(KUBE_NODE_NAME)` as
 * the kubelet expands them, `hostPath` mounts moved under the node's root,
 * the metrics listener on a free loopback port, and its own service
 * account's token in a kubeconfig (`--kubeconfig`, and `KUBECONFIG`, which
 * v1.5.6's rotation reconciler reads instead of the flag).
 *
 * @module
 */

import {
  baseEnvironment,
  type Child,
  freePort,
  spawnChild,
  waitUntilReady,
} from "./child_process.ts";
import { type DriverRelease, DRIVERS, ensureBuilt } from "./components.ts";
import {
  containerEnvironment,
  daemonSetContainer,
  expandReferences,
  hostMounts,
  type PathMapping,
  relocate,
} from "./host_command.ts";
import { DRIVER_CONTAINER } from "./install.ts";
import type { KubeObject } from "./kube_client.ts";

/** What the driver's command is adapted to. */
export interface DriverHostSettings {
  /** The node's root directory. */
  nodeRoot: string;
  /** The node's name (`--nodeid`, the pods' `spec.nodeName`). */
  nodeName: string;
  /** The driver's kubeconfig. */
  kubeconfig: string;
  /** Loopback port for `--metrics-addr`. */
  metricsPort: number;
  /** klog verbosity (`-v`); the chart sets none. @default {2} */
  verbosity?: number;
}

/** The driver's arguments and environment on this machine. */
export interface DriverHostCommand {
  /** Arguments. */
  args: string[];
  /** Environment (complete). */
  env: Record<string, string>;
  /** The relocated host paths. */
  mappings: PathMapping[];
  /** The CSI socket the kubelet stand-in talks to. */
  csiSocket: string;
}

/** Adapts the driver container of `daemonSet` (see the module doc). */
export function driverHostCommand(
  daemonSet: KubeObject,
  settings: DriverHostSettings,
): DriverHostCommand {
  const container = daemonSetContainer(daemonSet, DRIVER_CONTAINER);
  const mappings = hostMounts(daemonSet, container, settings.nodeRoot);
  const env = containerEnvironment(container, { "spec.nodeName": settings.nodeName });
  const args = [...(container.command ?? []), ...(container.args ?? [])]
    .map((arg: string) => relocate(expandReferences(arg, env), mappings))
    .map((arg: string) =>
      arg.startsWith("--metrics-addr=") ? `--metrics-addr=127.0.0.1:${settings.metricsPort}` : arg
    );
  const endpoint = args.find((arg) => arg.startsWith("--endpoint="))?.slice("--endpoint=".length);
  if (!endpoint?.startsWith("unix://")) {
    throw new Error(`the driver's --endpoint is not a unix socket: ${endpoint}`);
  }
  return {
    args: [...args, `--kubeconfig=${settings.kubeconfig}`, `-v=${settings.verbosity ?? 2}`],
    env: { ...baseEnvironment(), KUBECONFIG: settings.kubeconfig },
    mappings,
    csiSocket: endpoint.slice("unix://".length),
  };
}

/** A running driver. */
export interface NodeDriver {
  /** The release. */
  release: DriverRelease;
  /** The process. */
  child: Child;
  /** The CSI socket. */
  csiSocket: string;
  /** `http://127.0.0.1:<port>` of its metrics. */
  metricsUrl: string;
}

/**
 * Builds (if needed) and starts the driver; resolves once its CSI socket
 * exists.
 *
 * @throws {Error} with its output when it exits or the socket does not appear in 60 s.
 */
export async function startNodeDriver(
  release: DriverRelease,
  daemonSet: KubeObject,
  settings: Omit<DriverHostSettings, "metricsPort">,
): Promise<NodeDriver> {
  const binary = await ensureBuilt(DRIVERS[release]);
  const metricsPort = freePort();
  const command = driverHostCommand(daemonSet, { ...settings, metricsPort });
  for (const mapping of command.mappings) await Deno.mkdir(mapping.hostPath, { recursive: true });
  await Deno.remove(command.csiSocket).catch(() => {}); // a socket left by a killed driver
  const child = spawnChild(`driver ${release}`, binary, {
    args: command.args,
    env: command.env,
    // Open watches make its SIGTERM slow; the suite stops it before the API server.
    stopTimeoutMs: 15_000,
  });
  await waitUntilReady(child, "CSI socket", async () => {
    const info = await Deno.stat(command.csiSocket);
    return info.isSocket === true;
  }, { timeoutMs: 60_000, intervalMs: 100 });
  return {
    release,
    child,
    csiSocket: command.csiSocket,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
  };
}
