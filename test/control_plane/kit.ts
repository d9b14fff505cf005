/**
 * Helpers of the control-plane suite: the kind scenarios' context on this
 * cluster, pods and classes of the suite's own scenarios, and what to look
 * at afterwards (the mount on the node, the provider's mount log lines, the
 * SecretProviderClassPodStatus, the synced Secret).
 *
 * @module
 */

import { type Scenario, type ScenarioContext, SCENARIOS } from "../../e2e/kind/scenarios.ts";
import { podIdentity } from "../../e2e/kind/pod_identity_scenario.ts";
import {
  irsaServiceAccount,
  namespace,
  roleArn,
  secretProviderClass,
} from "../../e2e/kind/manifests.ts";
import type { ClassOptions } from "../../e2e/kind/manifests.ts";
import { kubectlReads } from "../../e2e/kind/kubectl.ts";
import { e2eSettings } from "../../e2e/kind/settings.ts";
import type { Stack } from "../../devstack/mod.ts";
import {
  appPod,
  type Cluster,
  createPod,
  kubectlStandIn,
  type KubeObject,
  objectPath,
  type PublishOutcome,
  SECRETS_VOLUME,
} from "../../devstack/control_plane/mod.ts";

/** The kind suite's settings: regions (primary us-west-2, failover us-east-2), moto's account. */
export const SETTINGS = e2eSettings({});
/** The driver's rotation poll interval in this suite. */
export const ROTATION_INTERVAL_MS = 5_000;

/**
 * The kind scenarios that are the same here: all but EKS Pod Identity, whose
 * agent must listen on 169.254.170.23 (the local suites cover Pod Identity
 * with an agent on loopback).
 */
export const SHARED_SCENARIOS: Scenario[] = SCENARIOS.filter((scenario) =>
  scenario !== podIdentity
);

/** The kind scenarios' context on `cluster`, with waits capped at 1 s (they poll every 5 s). */
export function kindContext(cluster: Cluster, aws: Stack): ScenarioContext {
  const kubectl = kubectlStandIn(cluster);
  return {
    kubectl,
    // No controllers and no kubelet API here: the stand-in answers rollouts and logs.
    kube: kubectlReads(kubectl),
    aws: aws.seeder,
    awsEndpointForPods: aws.proxy.url,
    leakSamples: () =>
      Promise.resolve([
        ...aws.seeder.seededValues(),
        ...cluster.tokens().map((value) => ({
          value,
          what: "a web identity token (service account token of the run)",
        })),
      ]),
    setFaults(faults) {
      aws.proxy.clearFaults();
      for (const [region, status] of Object.entries(faults)) {
        aws.proxy.setFault({ region }, { kind: "status", status });
      }
      return Promise.resolve();
    },
    settings: SETTINGS,
    log: (message) => console.error(`    ${message}`),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 1_000))),
  };
}

/** A namespace with an IRSA service account `app` (role `<ns>-role` of moto's account). */
export async function appNamespace(cluster: Cluster, name: string): Promise<string> {
  const role = roleArn(SETTINGS.backend.accountId, `${name}-role`);
  await cluster.kube.apply(namespace(name) as KubeObject);
  await cluster.kube.apply(irsaServiceAccount("app", { namespace: name, role }) as KubeObject);
  return role;
}

/** Applies a SecretProviderClass. */
export async function applyClass(cluster: Cluster, name: string, options: ClassOptions) {
  await cluster.kube.apply(secretProviderClass(name, options) as KubeObject);
}

/** Creates a pod of service account `app` mounting class `spc`, on the cluster's node. */
export function startPod(
  cluster: Cluster,
  name: string,
  options: { namespace: string; spc: string; envFromSecrets?: Record<string, [string, string]> },
): Promise<KubeObject> {
  return createPod(
    cluster.kube,
    appPod(name, {
      namespace: options.namespace,
      serviceAccount: "app",
      secretProviderClass: options.spc,
      nodeName: cluster.nodeName,
      envFromSecrets: options.envFromSecrets,
    }),
  );
}

/** Publishes the pod's secrets volume and fails with the driver's message when it fails. */
export async function publishOk(cluster: Cluster, pod: KubeObject): Promise<string> {
  const outcome = await cluster.kubelet().publish(pod, SECRETS_VOLUME);
  if (!outcome.ok) {
    throw new Error(
      `NodePublishVolume for ${pod.metadata.name} failed: ${outcome.message}\n--- driver\n${
        cluster.driver().child.tail(20)
      }\n--- provider\n${cluster.provider().child.tail(10)}`,
    );
  }
  return outcome.targetPath;
}

/** Publishes the pod's secrets volume and returns the failure. */
export async function publishFails(
  cluster: Cluster,
  pod: KubeObject,
  options: { timeoutMs?: number } = {},
): Promise<Extract<PublishOutcome, { ok: false }>> {
  const outcome = await cluster.kubelet().publish(pod, SECRETS_VOLUME, options);
  if (outcome.ok) throw new Error(`NodePublishVolume for ${pod.metadata.name} succeeded`);
  return outcome;
}

/** A file of a mount as the pod sees it. */
export interface PodFile {
  /** Permission bits. */
  mode: number;
  /** Contents. */
  text: string;
}

/**
 * The files of a pod's volume as `GetMountedFiles` lists them: `..`
 * entries (the driver's atomic writer's data directory and link) skipped,
 * symlinks followed.
 */
export async function podFiles(dir: string): Promise<Record<string, PodFile>> {
  const files: Record<string, PodFile> = {};
  async function walk(relative: string) {
    for await (const entry of Deno.readDir(relative ? `${dir}/${relative}` : dir)) {
      if (entry.name.startsWith("..")) continue;
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      const info = await Deno.stat(`${dir}/${path}`);
      if (info.isDirectory) await walk(path);
      else {files[path] = {
          mode: info.mode! & 0o7777,
          text: await Deno.readTextFile(`${dir}/${path}`),
        };}
    }
  }
  await walk("");
  return files;
}

/** The file system type mounted exactly at `dir` (`tmpfs`), or undefined when it is no mount point. */
export async function mountTypeAt(dir: string): Promise<string | undefined> {
  for (const line of (await Deno.readTextFile("/proc/self/mountinfo")).split("\n")) {
    const fields = line.split(" ");
    const separator = fields.indexOf("-");
    if (fields[4] === dir && separator > 0) return fields[separator + 1];
  }
  return undefined;
}

/** One mount log line of the provider. */
export interface ProviderMountLine {
  /** `mount` or `mount failed`. */
  msg: string;
  /** Pod name. */
  pod?: string;
  /** `ok` or the error code. */
  outcome: string;
  /** `irsa:<role>` or `pod-identity:…`. */
  principal?: string;
  /** Regions asked. */
  regions?: string[];
  /** The error text. */
  error?: string;
}

/** The provider's mount log lines (every provider process so far), optionally for one pod. */
export function providerMounts(cluster: Cluster, podName?: string): ProviderMountLine[] {
  const lines: ProviderMountLine[] = [];
  for (const { where, text } of cluster.logLines()) {
    if (!where.startsWith("provider")) continue;
    try {
      const line = JSON.parse(text);
      if (
        (line.msg === "mount" || line.msg === "mount failed") && (!podName || line.pod === podName)
      ) {
        lines.push(line);
      }
    } catch {
      // not a JSON line
    }
  }
  return lines;
}

/** The SecretProviderClassPodStatus the driver keeps for a pod's class. */
export function podStatusOf(
  cluster: Cluster,
  pod: KubeObject,
  spc: string,
): Promise<KubeObject | undefined> {
  return cluster.kube.get(objectPath({
    kind: "SecretProviderClassPodStatus",
    namespace: pod.metadata.namespace,
    name: `${pod.metadata.name}-${pod.metadata.namespace}-${spc}`,
  }));
}

/** `{ id: version }` of a SecretProviderClassPodStatus. */
export function statusVersions(status: KubeObject | undefined): Record<string, string> {
  return Object.fromEntries(
    (status?.status?.objects ?? []).map((object: { id: string; version: string }) => [
      object.id,
      object.version,
    ]),
  );
}

/** Calls `check` until it returns a value, or fails after `timeoutMs` with the last error. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last = "";
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = `: ${(error as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}

/**
 * When driver v1.6 considers a volume last updated: the target directory's
 * modification time (`getLastUpdateTime`), in `Date.now()` milliseconds.
 */
export async function lastUpdate(target: string): Promise<number> {
  return (await Deno.stat(target)).mtime!.getTime();
}

/** Waits until `ms` have passed since `since` (a `Date.now()` value). */
export async function waitSince(since: number, ms: number): Promise<void> {
  const left = since + ms - Date.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
}
