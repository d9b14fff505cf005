/**
 * Our provider on the node, started with the command line our chart renders
 * for its DaemonSet — the same `deno run` permission flags and arguments —
 * with only paths and hosts adapted:
 *
 * - `hostPath` mounts (provider volume, kubelet pods directory) move under
 *   the node's root directory;
 * - the image's `/app` is this repository, and its `/app/deno.json` is
 *   `deno.provider.json` (the Dockerfile copies it there; `--config`);
 * - the in-cluster service account directory becomes a kubeconfig holding a
 *   token of the provider's own service account (`--kubeconfig`), and
 *   `kubernetes.default.svc` the API server's loopback address;
 * - the metrics listener `[::]:<port>` and `0.0.0.0:<port>` becomes a free
 *   loopback port (`[::1]` and `127.0.0.1`);
 * - `--kubelet-pods-dir`, when the provider has that flag, names the
 *   relocated pods directory.
 *
 * @module
 */

import { PROVIDER_FLAGS } from "../../src/cli/provider_flags.ts";
import { SERVICE_ACCOUNT_DIR } from "../../src/cli/permissions.ts";
import {
  baseEnvironment,
  type Child,
  freePort,
  spawnChild,
  waitUntilReady,
} from "./child_process.ts";
import { pathExists, REPO_ROOT } from "./components.ts";
import {
  containerEnvironment,
  daemonSetContainer,
  hostMounts,
  type PathMapping,
  relocate,
  replaceHost,
} from "./host_command.ts";
import { PROVIDER_CONTAINER } from "./install.ts";
import type { KubeObject } from "./kube_client.ts";

/** Where the image keeps the provider (`WORKDIR /app` in the Dockerfile). */
export const IMAGE_APP_DIR = "/app";

/** Whether this provider has the kubelet layout flag (added by issue 13's lead). */
export const HAS_KUBELET_PODS_DIR_FLAG: boolean = PROVIDER_FLAGS.some((flag) =>
  flag.name === "kubelet-pods-dir"
);

/** What the provider's command is adapted to. */
export interface ProviderHostSettings {
  /** The node's root directory. */
  nodeRoot: string;
  /** The repository (stands in for the image's `/app`). */
  repoRoot: string;
  /** The Deno binary. */
  denoPath: string;
  /** `host:port` of the API server. */
  apiServerHost: string;
  /** The provider's kubeconfig (its service account's token). */
  kubeconfig: string;
  /** Loopback port of the metrics and health endpoint. */
  metricsPort: number;
  /**
   * The file that stands in for the image's `/app/deno.json` (the Dockerfile
   * copies `deno.provider.json` there), passed as `--config`; none when absent.
   */
  configFile?: string;
  /** Pass `--kubelet-pods-dir`. @default {HAS_KUBELET_PODS_DIR_FLAG} */
  kubeletPodsDirFlag?: boolean;
}

/** The provider's command on this machine: program, arguments and environment. */
export interface HostCommand {
  /** Program. */
  command: string;
  /** Arguments. */
  args: string[];
  /** Environment (complete). */
  env: Record<string, string>;
  /** The relocated host paths, by container path. */
  mappings: PathMapping[];
}

/** Adapts the provider container of `daemonSet` (see the module doc). */
export function providerHostCommand(
  daemonSet: KubeObject,
  settings: ProviderHostSettings,
): HostCommand {
  const container = daemonSetContainer(daemonSet, PROVIDER_CONTAINER);
  const volumeMappings = hostMounts(daemonSet, container, settings.nodeRoot);
  const mappings: PathMapping[] = [
    ...volumeMappings,
    { containerPath: IMAGE_APP_DIR, hostPath: settings.repoRoot },
    { containerPath: SERVICE_ACCOUNT_DIR, hostPath: settings.kubeconfig },
  ];
  const port = metricsPortOf(container);
  const hosts: [string, string][] = [
    ["kubernetes.default.svc", settings.apiServerHost],
    [`[::]:${port}`, `[::1]:${settings.metricsPort}`],
    [`0.0.0.0:${port}`, `127.0.0.1:${settings.metricsPort}`],
  ];
  const adapt = (arg: string) =>
    hosts.reduce(
      (text, [host, replacement]) => replaceHost(text, host, replacement),
      relocate(arg, mappings),
    );
  const [program, ...rest] = [...(container.command ?? []), ...(container.args ?? [])];
  if (program !== "deno" || rest[0] !== "run") {
    throw new Error(`the provider container does not run \`deno run\`: ${program} ${rest[0]}`);
  }
  const script = rest.findIndex((arg) => arg.endsWith("/src/main.ts"));
  if (script < 0) throw new Error("no src/main.ts in the provider container's command");
  const denoFlags = rest.slice(1, script).map(adapt);
  const providerArgs = rest.slice(script + 1).map(adapt)
    .filter((arg) => !arg.startsWith("--metrics-addr="));
  const podsDir = volumeMappings.find((mapping) => mapping.containerPath.endsWith("/kubelet/pods"))
    ?.hostPath;
  const args = [
    "run",
    ...denoFlags,
    ...(settings.configFile ? [`--config=${settings.configFile}`] : []),
    adapt(rest[script]),
    ...providerArgs,
    `--metrics-addr=127.0.0.1:${settings.metricsPort}`,
    `--kubeconfig=${settings.kubeconfig}`,
    ...((settings.kubeletPodsDirFlag ?? HAS_KUBELET_PODS_DIR_FLAG) && podsDir &&
        !providerArgs.some((arg) => arg.startsWith("--kubelet-pods-dir"))
      ? [`--kubelet-pods-dir=${podsDir}`]
      : []),
  ];
  const env = {
    ...baseEnvironment(),
    ...containerEnvironment(container, {}),
    // Never fall back to instance metadata (169.254.169.254) on a test machine.
    AWS_EC2_METADATA_DISABLED: "true",
  };
  return { command: settings.denoPath, args, env, mappings: volumeMappings };
}

/** The metrics port the container listens on (`--allow-net=…,[::]:<port>,0.0.0.0:<port>`). */
function metricsPortOf(container: Record<string, unknown>): number {
  // deno-lint-ignore no-explicit-any
  const port = (container.ports as any[] | undefined)?.find((entry) => entry.name === "metrics");
  return Number(port?.containerPort ?? 8989);
}

/** A running provider. */
export interface NodeProvider {
  /** The process. */
  child: Child;
  /** The provider's socket. */
  socketPath: string;
  /** `http://127.0.0.1:<port>` of /metrics, /healthz, /readyz. */
  metricsUrl: string;
  /** The command it runs. */
  command: HostCommand;
}

/**
 * Starts the provider from the rendered DaemonSet; resolves when it logs
 * that it listens and `/readyz` answers 200.
 *
 * @throws {Error} with its output when it exits or does not get ready in 30 s.
 */
export async function startNodeProvider(
  daemonSet: KubeObject,
  settings: Omit<ProviderHostSettings, "metricsPort" | "repoRoot" | "denoPath" | "configFile">,
): Promise<NodeProvider> {
  const metricsPort = freePort();
  const configFile = `${REPO_ROOT}/deno.provider.json`;
  const command = providerHostCommand(daemonSet, {
    ...settings,
    metricsPort,
    repoRoot: REPO_ROOT,
    denoPath: Deno.execPath(),
    configFile: await pathExists(configFile) ? configFile : undefined,
  });
  for (const mapping of command.mappings) await Deno.mkdir(mapping.hostPath, { recursive: true });
  const volume = command.args.find((arg) => arg.startsWith("--provider-volume="))
    ?.slice("--provider-volume=".length);
  if (!volume) throw new Error("the provider's arguments have no --provider-volume");
  const child = spawnChild("provider", command.command, {
    args: command.args,
    env: command.env,
    cwd: REPO_ROOT,
    stopTimeoutMs: 35_000, // it lets in-flight mounts finish for up to 30 s
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  await waitUntilReady(child, "ready socket", async () => {
    const response = await fetch(`${metricsUrl}/readyz`);
    await response.body?.cancel();
    return response.ok;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  return { child, socketPath: `${volume}/aws.sock`, metricsUrl, command };
}
