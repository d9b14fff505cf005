/**
 * What the kind suite runs against, from the environment: cluster name and
 * node image, the AWS emulator (moto by default; LocalStack when asked for or
 * when `LOCALSTACK_AUTH_TOKEN` is set), regions and image names. Every image
 * is pinned: node images by digest, the others by release tag.
 *
 * @module
 */

/** An AWS emulator the suite can start. */
export interface EmulatorBackend {
  /** `moto` or `localstack`. */
  name: "moto" | "localstack";
  /** Container image. */
  image: string;
  /** Port of its single endpoint (all services). */
  port: number;
  /** Path answered once it is up. */
  readyPath: string;
  /** Container environment. */
  environment: Record<string, string>;
  /** Account that owns what the suite seeds (and the IRSA role's account). */
  accountId: string;
}

/** Settings of one run of the kind suite. */
export interface E2eSettings {
  /** kind cluster name. */
  clusterName: string;
  /** Node image, by digest (`kindest/node:vX.Y.Z@sha256:…`), one of {@linkcode KIND_NODE_IMAGES}. */
  kindNodeImage: string;
  /** The AWS emulator. */
  backend: EmulatorBackend;
  /** Region of the worker node label and of the SecretProviderClasses. */
  primaryRegion: string;
  /** Second region (failover). */
  failoverRegion: string;
  /** Tag our image is built and loaded as. */
  providerImage: string;
  /** Image of the test workloads (the README's nginx, pinned). */
  workloadImage: string;
  /** Image of the Pod Identity agent stand-in's init container (adds the agent's address). */
  toolsImage: string;
  /** Keep the cluster, the containers and the work directory for debugging. */
  keep: boolean;
  /** Where diagnostics go when something fails (default: a new temporary directory). */
  artifactsDir?: string;
}

/**
 * The node images kind v0.33.0 (the kind the suite builds, go_tools.ts) was
 * released with, by digest, as its release notes list them: a node image is
 * only guaranteed to work with the kind release it was built for, and only by
 * digest. Newest first.
 */
export const KIND_NODE_IMAGES: readonly string[] = [
  "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
  "kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed",
  "kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0",
  "kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d",
];
/** kind v0.33.0's default node image (Kubernetes 1.37.0). */
export const DEFAULT_NODE_IMAGE = KIND_NODE_IMAGES[0];
/** The oldest Kubernetes the suite runs on (a CI leg; the chart allows 1.30+). */
export const OLDEST_TESTED_KUBERNETES = "1.34.11";

/** moto's image: Apache-2.0, needs no account or token. */
export const MOTO_IMAGE = "motoserver/moto:5.2.5";
/** The last LocalStack release that starts without an auth token. */
export const LOCALSTACK_FREE_IMAGE = "localstack/localstack:4.14.0";
/** A current LocalStack (its CalVer releases need `LOCALSTACK_AUTH_TOKEN`), pinned. */
export const LOCALSTACK_TOKEN_IMAGE = "localstack/localstack:2026.08.3";
/** The README's nginx, pinned to a release so runs are repeatable. */
export const WORKLOAD_IMAGE = "nginx:1.29.4";
/** busybox of the Kubernetes e2e images (its `ip` adds the Pod Identity agent's address). */
export const TOOLS_IMAGE = "registry.k8s.io/e2e-test-images/busybox:1.29-4";

/** The Kubernetes version of a kindest/node image (`kindest/node:v1.34.11@…` → `1.34.11`). */
export function nodeImageKubernetes(image: string): string {
  const match = image.match(/^kindest\/node:v(\d+\.\d+\.\d+)@sha256:[0-9a-f]{64}$/);
  if (!match) throw new Error(`${image} is not a kindest/node image by digest`);
  return match[1];
}

/**
 * Reads the settings from environment variables:
 * `E2E_CLUSTER_NAME`, `KIND_NODE_IMAGE` (one of {@linkcode KIND_NODE_IMAGES};
 * `E2E_ALLOW_UNLISTED_NODE_IMAGE=1` accepts another, still by digest),
 * `E2E_AWS_BACKEND` (`moto` | `localstack`), `E2E_EMULATOR_IMAGE`,
 * `LOCALSTACK_AUTH_TOKEN`, `E2E_PROVIDER_IMAGE`, `E2E_KEEP` (`1` keeps
 * everything), `E2E_ARTIFACTS_DIR` (diagnostics; default: a new temporary
 * directory, printed).
 *
 * @throws {Error} for an unknown backend or a node image that kind's release does not list.
 */
export function e2eSettings(env: Record<string, string | undefined>): E2eSettings {
  const token = env.LOCALSTACK_AUTH_TOKEN || undefined;
  const name = env.E2E_AWS_BACKEND || (token ? "localstack" : "moto");
  let backend: EmulatorBackend;
  if (name === "moto") {
    backend = {
      name,
      image: env.E2E_EMULATOR_IMAGE || MOTO_IMAGE,
      port: 5000,
      readyPath: "/moto-api/",
      environment: {},
      // moto's default account; it also takes the assumed role's account from the role ARN.
      accountId: "123456789012",
    };
  } else if (name === "localstack") {
    backend = {
      name,
      image: env.E2E_EMULATOR_IMAGE || (token ? LOCALSTACK_TOKEN_IMAGE : LOCALSTACK_FREE_IMAGE),
      port: 4566,
      readyPath: "/_localstack/health",
      environment: {
        SERVICES: "secretsmanager,ssm,sts",
        ...(token ? { LOCALSTACK_AUTH_TOKEN: token } : {}),
      },
      // Non-AWS-looking access keys map to LocalStack's default account.
      accountId: "000000000000",
    };
  } else {
    throw new Error(`E2E_AWS_BACKEND=${JSON.stringify(name)}: use moto or localstack`);
  }
  const kindNodeImage = env.KIND_NODE_IMAGE || DEFAULT_NODE_IMAGE;
  nodeImageKubernetes(kindNodeImage);
  if (!KIND_NODE_IMAGES.includes(kindNodeImage) && env.E2E_ALLOW_UNLISTED_NODE_IMAGE !== "1") {
    throw new Error(
      `KIND_NODE_IMAGE=${kindNodeImage} is not an image of kind's release; use one of\n  ` +
        `${KIND_NODE_IMAGES.join("\n  ")}\n(or E2E_ALLOW_UNLISTED_NODE_IMAGE=1 for your own build)`,
    );
  }
  return {
    clusterName: env.E2E_CLUSTER_NAME || "ascp-deno-e2e",
    kindNodeImage,
    backend,
    primaryRegion: "us-west-2",
    failoverRegion: "us-east-2",
    providerImage: env.E2E_PROVIDER_IMAGE || "ascp-deno/provider:e2e",
    workloadImage: WORKLOAD_IMAGE,
    toolsImage: TOOLS_IMAGE,
    keep: env.E2E_KEEP === "1",
    artifactsDir: env.E2E_ARTIFACTS_DIR || undefined,
  };
}
