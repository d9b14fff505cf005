/**
 * Pods as the API server would hold them on a cluster with a scheduler and
 * controllers: created from a Deployment's or DaemonSet's pod template (what
 * their controllers do) and already bound to the node (what the scheduler
 * does), so the kubelet stand-in and the driver — which watches only pods
 * with its `spec.nodeName` — see them as on a real node.
 *
 * @module
 */

import { mountingDeployment } from "../../e2e/kind/manifests.ts";
import { WORKLOAD_IMAGE } from "../../e2e/kind/settings.ts";
import { type KubeClient, type KubeObject, objectPath } from "./kube_client.ts";

/** The CSI volume name the kind suite's pods use. */
export const SECRETS_VOLUME = "secrets-store-inline";

/**
 * A pod built from the pod template of `workload` (a Deployment or a
 * DaemonSet), named `name`, bound to `nodeName`.
 */
export function podFromTemplate(
  workload: KubeObject,
  options: { name: string; nodeName: string },
): KubeObject {
  const template = structuredClone(workload.spec.template);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: options.name,
      namespace: workload.metadata.namespace,
      labels: template.metadata?.labels ?? {},
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
    },
    spec: { ...template.spec, nodeName: options.nodeName },
  };
}

/** Options of {@linkcode appPod}. */
export interface AppPodOptions {
  /** Namespace. */
  namespace: string;
  /** Service account. */
  serviceAccount: string;
  /** The SecretProviderClass of its CSI volume. */
  secretProviderClass: string;
  /** Node. */
  nodeName: string;
  /** Environment from synced Secrets: name → [secret, key]. */
  envFromSecrets?: Record<string, [string, string]>;
}

/** A single pod with the kind suite's workload (one CSI volume at /mnt/secrets-store). */
export function appPod(name: string, options: AppPodOptions): KubeObject {
  const deployment = mountingDeployment(name, {
    namespace: options.namespace,
    serviceAccount: options.serviceAccount,
    secretProviderClass: options.secretProviderClass,
    image: WORKLOAD_IMAGE,
    envFromSecrets: options.envFromSecrets,
  }) as KubeObject;
  return podFromTemplate(deployment, { name, nodeName: options.nodeName });
}

/** Creates `pod` and returns it as stored (with its UID). */
export function createPod(kube: KubeClient, pod: KubeObject): Promise<KubeObject> {
  return kube.create(pod);
}

/**
 * A container's environment as the kubelet resolves it at container start:
 * literal values and `secretKeyRef`s read from the API.
 *
 * @throws {Error} when a referenced Secret or key is missing (the kubelet's
 * `CreateContainerConfigError`).
 */
export async function containerEnv(
  kube: KubeClient,
  pod: KubeObject,
  containerIndex = 0,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const variable of pod.spec.containers[containerIndex].env ?? []) {
    if (typeof variable.value === "string") {
      env[variable.name] = variable.value;
      continue;
    }
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) throw new Error(`unsupported env source of ${variable.name}`);
    const secret = await kube.get(
      objectPath({ kind: "Secret", namespace: pod.metadata.namespace, name: ref.name }),
    );
    const encoded = secret?.data?.[ref.key];
    if (typeof encoded !== "string") {
      throw new Error(
        `CreateContainerConfigError: secret "${ref.name}" key "${ref.key}" not found`,
      );
    }
    env[variable.name] = new TextDecoder().decode(
      Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0)),
    );
  }
  return env;
}
