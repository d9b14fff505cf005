/**
 * One node of a real cluster, on this machine: the control plane (etcd,
 * kube-apiserver), the install rendered from our chart with the driver
 * chart of the release under test, a Node object, the real driver binary as
 * the node plugin, our provider as its DaemonSet would run it, and a kubelet
 * stand-in. Everything listens on loopback or Unix sockets under a temporary
 * directory, which is the node's root file system for host paths.
 *
 * @example
 * ```ts
 * await using aws = await startStack({ provider: false }); // devstack/mod.ts
 * await using cluster = await startCluster({ release: "v1.6.0", awsEndpointUrl: aws.proxy.url });
 * await cluster.kube.apply(secretProviderClass(...));
 * const outcome = await cluster.kubelet.publish(pod, "secrets-store-inline");
 * ```
 *
 * @module
 */

import { ensureGoTool, HELM } from "../../e2e/kind/go_tools.ts";
import type { Child } from "./child_process.ts";
import { type DriverRelease, DRIVERS } from "./components.ts";
import { type ControlPlane, startControlPlane } from "./control_plane.ts";
import {
  daemonSetOf,
  DRIVER_CONTAINER,
  goModuleDir,
  kindInstallValues,
  objectsToApply,
  PROVIDER_CONTAINER,
  renderInstall,
} from "./install.ts";
import { type KubeClient, type KubeObject, objectPath } from "./kube_client.ts";
import { type Kubelet, startKubelet } from "./kubelet.ts";
import { type NodeDriver, startNodeDriver } from "./node_driver.ts";
import { type NodeProvider, startNodeProvider } from "./node_provider.ts";
import { unmountUnder } from "./mounts.ts";
import { podFromTemplate } from "./workloads.ts";

/** Options of {@linkcode startCluster}. */
export interface ClusterOptions {
  /** Driver release. */
  release: DriverRelease;
  /** The AWS endpoint (the fault proxy), rendered as the chart's `awsEndpointUrl`. */
  awsEndpointUrl: string;
  /** Node name (`--nodeid`). @default {"devstack-node"} */
  nodeName?: string;
  /** Node labels besides `kubernetes.io/os` and `kubernetes.io/hostname`. */
  nodeLabels?: Record<string, string>;
  /** The driver's `rotationPollInterval` (the kind suite's 30 s is too slow here). @default {"5s"} */
  rotationPollInterval?: string;
  /** Render the provider with `driverWritesSecrets=true`. */
  driverWritesSecrets?: boolean;
  /** Kubelet's NodePublishVolume deadline. @default {KUBELET_CSI_TIMEOUT_MS} */
  kubeletCallTimeoutMs?: number;
  /** How often the kubelet stand-in republishes running pods. @default {2_000} */
  republishIntervalMs?: number;
  /** Driver verbosity (`-v`). @default {2} */
  driverVerbosity?: number;
  /** Progress messages. @default {console.error} */
  log?: (message: string) => void;
}

/** A running single-node cluster. */
export interface Cluster extends AsyncDisposable {
  /** The release of the driver. */
  release: DriverRelease;
  /** etcd and the API server. */
  plane: ControlPlane;
  /** The admin client. */
  kube: KubeClient;
  /** The node's name. */
  nodeName: string;
  /** The node's root directory (host paths live under it). */
  nodeRoot: string;
  /** The rendered install (every object, hooks and DaemonSets included). */
  objects: KubeObject[];
  /** The driver (replaced by `restartDriver`). */
  driver(): NodeDriver;
  /** The provider (replaced by `restartProvider`). */
  provider(): NodeProvider;
  /** The kubelet stand-in (replaced by `restartDriver`). */
  kubelet(): Kubelet;
  /** Stops the provider with `signal` (SIGKILL: a crash, leaving its socket file behind). */
  stopProvider(signal?: Deno.Signal): Promise<void>;
  /**
   * Starts the provider (after `stopProvider`), from the chart rendered with
   * `driverWritesSecrets` when given (the install is re-applied).
   */
  startProvider(options?: { driverWritesSecrets?: boolean }): Promise<void>;
  /** `stopProvider()` then `startProvider(options)`: mounts stay in place. */
  restartProvider(options?: { driverWritesSecrets?: boolean }): Promise<void>;
  /** Stops the driver and starts it again, mounts left in place. */
  restartDriver(): Promise<void>;
  /** Every log line of every provider and driver process so far, with where it came from. */
  logLines(): { where: string; text: string }[];
  /**
   * The Pod objects of the provider's and the driver's DaemonSets on the
   * node (their service account tokens are bound to them, as the kubelet's
   * projected tokens are); `podLogs` reads their processes' output.
   */
  daemonPods: { provider: KubeObject; driver: KubeObject };
  /**
   * `kubectl logs` of a DaemonSet pod: the current process's lines, or with
   * `previous` the process before the last restart; undefined when there is none.
   */
  podLogs(namespace: string, name: string, options?: { previous?: boolean }): string[] | undefined;
  /**
   * Every token of the run, for the leak check: those the driver and the
   * provider run with and those every kubelet stand-in requested for pods.
   */
  tokens(): string[];
  /** Stops everything and removes the node's files (unmounting what the driver left). */
  stop(): Promise<void>;
}

/** Starts a cluster (see the module doc). */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const log = options.log ?? console.error;
  await checkPrivileges();
  const nodeName = options.nodeName ?? "devstack-node";
  const workDir = await Deno.makeTempDir({ prefix: "control-plane-" });
  const nodeRoot = `${workDir}/node`;
  await Deno.mkdir(`${workDir}/plane`, { recursive: true });
  await Deno.mkdir(nodeRoot, { recursive: true });
  const cleanups: (() => Promise<unknown>)[] = [
    () => Deno.remove(workDir, { recursive: true }),
    () => unmountUnder(nodeRoot),
  ];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error) => log(`cleanup: ${(error as Error).message}`));
    }
  };
  const past: Child[] = [];
  try {
    const helm = await ensureGoTool(HELM, { log });
    const plane = await startControlPlane({ dir: `${workDir}/plane`, log });
    cleanups.push(() => plane.stop());
    const kube = plane.admin;
    const render = (driverWritesSecrets: boolean) =>
      renderInstall({
        helm,
        release: options.release,
        set: kindInstallValues(options.awsEndpointUrl, [
          `secrets-store-csi-driver.rotationPollInterval=${options.rotationPollInterval ?? "5s"}`,
          ...(driverWritesSecrets ? ["driverWritesSecrets=true"] : []),
        ]),
      });
    let objects = await render(options.driverWritesSecrets ?? false);
    await installObjects(kube, objects);
    await kube.apply({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: nodeName,
        labels: {
          "kubernetes.io/os": "linux",
          "kubernetes.io/hostname": nodeName,
          ...options.nodeLabels,
        },
      },
    });

    // The DaemonSets' pods, as their controller and the scheduler would create them.
    const daemonPod = async (daemonSet: KubeObject) =>
      await kube.create(podFromTemplate(daemonSet, {
        name: `${daemonSet.metadata.name}-${nodeName}`,
        nodeName,
      }));
    const daemonPods = {
      provider: await daemonPod(daemonSetOf(objects, PROVIDER_CONTAINER)),
      driver: await daemonPod(daemonSetOf(objects, DRIVER_CONTAINER)),
    };
    // A token of the pod's service account, bound to the pod, as its projected volume has it.
    const credentials = async (pod: KubeObject, name: string) => {
      const token = (await kube.requestToken(
        pod.metadata.namespace!,
        pod.spec.serviceAccountName,
        {
          audiences: [],
          expirationSeconds: 4 * 3600,
          boundPod: { name: pod.metadata.name, uid: pod.metadata.uid! },
        },
      )).token;
      return { token, kubeconfig: await plane.writeKubeconfig(name, token) };
    };
    const tokens: string[] = [];
    const startProvider = async () => {
      const daemonSet = daemonSetOf(objects, PROVIDER_CONTAINER);
      const { token, kubeconfig } = await credentials(daemonPods.provider, "provider");
      tokens.push(token);
      return await startNodeProvider(daemonSet, {
        nodeRoot,
        kubeconfig,
        apiServerHost: new URL(plane.server).host,
      });
    };
    const csiProto = `${await goModuleDir(
      "github.com/container-storage-interface/spec",
      "",
      DRIVERS[options.release].moduleDir,
    )}/csi.proto`;
    const kubelets: Kubelet[] = [];
    const startDriver = async () => {
      const daemonSet = daemonSetOf(objects, DRIVER_CONTAINER);
      const { token, kubeconfig } = await credentials(daemonPods.driver, "driver");
      tokens.push(token);
      const driver = await startNodeDriver(options.release, daemonSet, {
        nodeRoot,
        nodeName,
        kubeconfig,
        verbosity: options.driverVerbosity,
      });
      const kubelet = startKubelet({
        kube,
        nodeName,
        podsDir: `${nodeRoot}/var/lib/kubelet/pods`,
        csiSocket: driver.csiSocket,
        csiProto,
        callTimeoutMs: options.kubeletCallTimeoutMs,
        republishIntervalMs: options.republishIntervalMs,
      });
      kubelets.push(kubelet);
      return { driver, kubelet };
    };

    let provider = await startProvider();
    cleanups.push(() => provider.child.stop());
    let { driver, kubelet } = await startDriver();
    // The driver before the API server: its open watches make a late SIGTERM take a minute.
    cleanups.push(async () => {
      await kubelet.close();
      await driver.child.stop();
    });
    log(`cluster up: driver ${options.release} on node ${nodeName}, API server ${plane.server}`);

    const cluster: Cluster = {
      release: options.release,
      plane,
      kube,
      nodeName,
      nodeRoot,
      get objects() {
        return objects;
      },
      driver: () => driver,
      provider: () => provider,
      kubelet: () => kubelet,
      daemonPods,
      podLogs(namespace, name, logOptions = {}) {
        const which = Object.entries(daemonPods).find(([, pod]) =>
          pod.metadata.namespace === namespace && pod.metadata.name === name
        )?.[0];
        if (!which) return undefined;
        const current = which === "provider" ? provider.child : driver.child;
        if (!logOptions.previous) return current.lines();
        const earlier = past.filter((child) => child !== current && child.name === current.name);
        return earlier.at(-1)?.lines();
      },
      async stopProvider(signal: Deno.Signal = "SIGTERM") {
        if (signal !== "SIGTERM") provider.child.signal(signal);
        await provider.child.stop();
        if (!past.includes(provider.child)) past.push(provider.child);
      },
      async startProvider(start = {}) {
        if (provider.child.running()) throw new Error("the provider is running: stop it first");
        if (start.driverWritesSecrets !== undefined) {
          objects = await render(start.driverWritesSecrets);
          await installObjects(kube, objects);
        }
        provider = await startProvider();
      },
      async restartProvider(restart = {}) {
        await cluster.stopProvider();
        await cluster.startProvider(restart);
      },
      async restartDriver() {
        await kubelet.close();
        await driver.child.stop();
        past.push(driver.child);
        ({ driver, kubelet } = await startDriver());
      },
      logLines() {
        const current = [provider.child, driver.child].filter((child) => !past.includes(child));
        return [...past, ...current].flatMap((child, index) =>
          child.lines().map((text, line) => ({
            where: `${child.name} (process ${index + 1}) log line ${line + 1}`,
            text,
          }))
        );
      },
      tokens: () => [...tokens, ...kubelets.flatMap((each) => each.tokensIssued())],
      stop: stopAll,
      [Symbol.asyncDispose]: stopAll,
    };
    return cluster;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** What keeps this process from running a cluster, or undefined when nothing does. */
export function privilegeProblem(
  facts: { uid: number | null; mountinfo: string | Error },
): string | undefined {
  if (facts.uid !== 0) {
    return "the control plane needs root: the CSI driver mounts a tmpfs for each volume";
  }
  if (facts.mountinfo instanceof Error) {
    return "the control plane needs --allow-all: it reads /proc/self/mountinfo to unmount what " +
      `the driver leaves (${facts.mountinfo.message})`;
  }
  return undefined;
}

/**
 * Fails before anything starts unless the driver can mount (root) and the
 * clean-up can find its mounts (`/proc/self/mountinfo`, which Deno reads
 * only with `--allow-all`): otherwise a run would leave tmpfs mounts behind.
 *
 * @throws {Error} saying what is missing.
 */
export async function checkPrivileges(): Promise<void> {
  const problem = privilegeProblem({
    uid: Deno.uid(),
    mountinfo: await Deno.readTextFile("/proc/self/mountinfo").catch((error) => error as Error),
  });
  if (problem) throw new Error(problem);
}

/**
 * Applies the rendered install: CRDs first (then waits until they are
 * established), then the rest, server-side apply.
 */
export async function installObjects(kube: KubeClient, objects: KubeObject[]): Promise<void> {
  await waitFor(
    "namespace kube-system",
    async () =>
      await kube.get(objectPath({ kind: "Namespace", name: "kube-system" })) !== undefined,
  );
  const ordered = objectsToApply(objects);
  const crds = ordered.filter((object) => object.kind === "CustomResourceDefinition");
  for (const crd of crds) await kube.apply(crd);
  for (const crd of crds) {
    await waitFor(`CRD ${crd.metadata.name} established`, async () => {
      const current = await kube.get(
        objectPath({ kind: "CustomResourceDefinition", name: crd.metadata.name }),
      );
      return (current?.status?.conditions ?? []).some((
        condition: { type: string; status: string },
      ) => condition.type === "Established" && condition.status === "True");
    });
  }
  for (const object of ordered) {
    if (object.kind !== "CustomResourceDefinition") await kube.apply(object);
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
