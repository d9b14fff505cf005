/**
 * The Kubernetes objects the kind suite applies: the README's examples
 * (adapted to a namespace and a pinned image) and small builders for the
 * other scenarios. Pure functions; the objects are plain JSON for
 * `kubectl apply -f -`.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { type KubeObject, parseManifests } from "./chart_render.ts";

/** The examples directory of this repository. */
export const EXAMPLES_DIR = fileURLToPath(new URL("../../examples/", import.meta.url));

/** An IAM role ARN in `account`. */
export function roleArn(account: string, name: string): string {
  return `arn:aws:iam::${account}:role/${name}`;
}

/** A namespace. */
export function namespace(name: string): KubeObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name } };
}

/** A service account without annotations (Pod Identity maps it by association). */
export function serviceAccount(name: string, options: { namespace: string }): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name, namespace: options.namespace },
  };
}

/** A service account that IRSA maps to `role` (annotation `eks.amazonaws.com/role-arn`). */
export function irsaServiceAccount(
  name: string,
  options: { namespace: string; role: string },
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: {
      name,
      namespace: options.namespace,
      annotations: { "eks.amazonaws.com/role-arn": options.role },
    },
  };
}

/** One entry of a SecretProviderClass's `objects`. */
export type ObjectEntry = Record<string, unknown>;

/** A K8s Secret the driver syncs from mounted files (`secretObjects`). */
export interface SecretObject {
  /** Secret name. */
  secretName: string;
  /** Secret type. */
  type: string;
  /** Secret keys and the mounted file (`objectName`) each comes from. */
  data: { objectName: string; key: string }[];
  /** Labels of the Secret. */
  labels?: Record<string, string>;
}

/** Options of {@linkcode secretProviderClass}. */
export interface ClassOptions {
  /** Namespace. */
  namespace: string;
  /** The `objects` list (rendered as the YAML string the provider parses). */
  objects: ObjectEntry[];
  /** Other parameters (`region`, `failoverRegion`, `usePodIdentity`, …). */
  parameters?: Record<string, string>;
  /** Secrets to sync. */
  secretObjects?: SecretObject[];
}

/** A SecretProviderClass for the aws provider. */
export function secretProviderClass(name: string, options: ClassOptions): KubeObject {
  return {
    apiVersion: "secrets-store.csi.x-k8s.io/v1",
    kind: "SecretProviderClass",
    metadata: { name, namespace: options.namespace },
    spec: {
      provider: "aws",
      parameters: { objects: stringify(options.objects), ...options.parameters },
      ...(options.secretObjects ? { secretObjects: options.secretObjects } : {}),
    },
  };
}

/** Options of {@linkcode mountingDeployment}. */
export interface DeploymentOptions {
  /** Namespace. */
  namespace: string;
  /** Service account. */
  serviceAccount: string;
  /** SecretProviderClass to mount at /mnt/secrets-store. */
  secretProviderClass: string;
  /** Container image. */
  image: string;
  /** Environment variables taken from synced Secrets: name → [secret, key]. */
  envFromSecrets?: Record<string, [string, string]>;
}

/** A one-replica Deployment (label `app: <name>`) that mounts the class like the README's nginx. */
export function mountingDeployment(name: string, options: DeploymentOptions): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: options.namespace, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          serviceAccountName: options.serviceAccount,
          volumes: [{
            name: "secrets-store-inline",
            csi: {
              driver: "secrets-store.csi.k8s.io",
              readOnly: true,
              volumeAttributes: { secretProviderClass: options.secretProviderClass },
            },
          }],
          containers: [{
            name: "app",
            image: options.image,
            volumeMounts: [{
              name: "secrets-store-inline",
              mountPath: "/mnt/secrets-store",
              readOnly: true,
            }],
            env: Object.entries(options.envFromSecrets ?? {}).map(([variable, [secret, key]]) => ({
              name: variable,
              valueFrom: { secretKeyRef: { name: secret, key } },
            })),
          }],
        },
      },
    },
  };
}

/**
 * The objects of an example file, moved to `namespace`, with the nginx image
 * pinned to `image` (the examples say `nginx`, i.e. latest).
 */
export function adaptExample(
  text: string,
  options: { namespace: string; image: string },
): KubeObject[] {
  return parseManifests(text).map((object) => {
    const adapted = structuredClone(object);
    adapted.metadata.namespace = options.namespace;
    for (const container of adapted.spec?.template?.spec?.containers ?? []) {
      container.image = options.image;
    }
    return adapted;
  });
}

/** Reads and adapts `examples/<file>`. */
export async function exampleObjects(
  file: string,
  options: { namespace: string; image: string },
): Promise<KubeObject[]> {
  return adaptExample(await Deno.readTextFile(`${EXAMPLES_DIR}${file}`), options);
}

/** The EKS Pod Identity Agent's IPv4 address (link-local, on every node). */
export const POD_IDENTITY_AGENT_ADDRESS = "169.254.170.23";

/** Options of {@linkcode podIdentityAgentObjects}. */
export interface PodIdentityAgentOptions {
  /** Namespace of the stand-in. */
  namespace: string;
  /** Image that runs it (the project's Deno). */
  image: string;
  /** Image of the init container that adds the agent's address (busybox `ip`). */
  toolsImage: string;
  /** The AWS endpoint as pods reach it (`http://host:port`): STS for the stand-in. */
  sts: string;
  /** `<namespace>/<service account>` → role ARN. */
  associations: Record<string, string>;
  /** The text of pod_identity_agent_standin.ts. */
  source: string;
}

/** Name (and `app` label) of the agent stand-in's DaemonSet. */
export const POD_IDENTITY_AGENT_NAME = "eks-pod-identity-agent";

/**
 * The Pod Identity agent stand-in as EKS runs the agent: a host-network
 * DaemonSet on every node (all taints tolerated) answering on
 * 169.254.170.23:80. An init container with NET_ADMIN adds that address to
 * the node's loopback; pods reach it through their default route to the node.
 */
export function podIdentityAgentObjects(options: PodIdentityAgentOptions): KubeObject[] {
  const labels = { app: POD_IDENTITY_AGENT_NAME };
  const address = POD_IDENTITY_AGENT_ADDRESS;
  return [
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: POD_IDENTITY_AGENT_NAME, namespace: options.namespace },
      data: { "pod_identity_agent_standin.ts": options.source },
    },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: POD_IDENTITY_AGENT_NAME, namespace: options.namespace, labels },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            hostNetwork: true,
            tolerations: [{ operator: "Exists" }],
            initContainers: [{
              name: "link-local-address",
              image: options.toolsImage,
              command: [
                "sh",
                "-c",
                `ip addr add ${address}/32 dev lo 2>/dev/null || ip addr show dev lo | grep -q ${address}`,
              ],
              securityContext: { capabilities: { add: ["NET_ADMIN"] } },
            }],
            containers: [{
              name: "agent",
              image: options.image,
              // The nodes have it from the host (kind load), no registry pull.
              imagePullPolicy: "IfNotPresent",
              command: [
                "deno",
                "run",
                `--allow-net=${address}:80,${new URL(options.sts).host}`,
                "--allow-env=LISTEN,PORT,STS,ASSOCIATIONS",
                "/standin/pod_identity_agent_standin.ts",
              ],
              env: [
                { name: "LISTEN", value: address },
                { name: "PORT", value: "80" },
                { name: "STS", value: options.sts },
                { name: "ASSOCIATIONS", value: JSON.stringify(options.associations) },
                { name: "DENO_NO_UPDATE_CHECK", value: "1" },
              ],
              readinessProbe: { tcpSocket: { host: address, port: 80 }, periodSeconds: 2 },
              volumeMounts: [{ name: "source", mountPath: "/standin", readOnly: true }],
            }],
            volumes: [{ name: "source", configMap: { name: POD_IDENTITY_AGENT_NAME } }],
          },
        },
      },
    },
  ];
}
