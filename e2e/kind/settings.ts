/**
 * What the kind suite runs against, from the environment: cluster name and
 * node image, the AWS emulator (moto by default; LocalStack when asked for or
 * when `LOCALSTACK_AUTH_TOKEN` is set), regions and image names.
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
  /** Node image (`kindest/node:vX.Y.Z`), or undefined for kind's default. */
  kindNodeImage?: string;
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
  /** Keep the cluster and containers for debugging. */
  keep: boolean;
}

/** moto's image: Apache-2.0, needs no account or token. */
export const MOTO_IMAGE = "motoserver/moto:5.2.5";
/** The last LocalStack release that starts without an auth token. */
export const LOCALSTACK_FREE_IMAGE = "localstack/localstack:4.14.0";
/** Current LocalStack (CalVer releases need `LOCALSTACK_AUTH_TOKEN`). */
export const LOCALSTACK_TOKEN_IMAGE = "localstack/localstack:latest";
/** The README's nginx, pinned so runs are repeatable. */
export const WORKLOAD_IMAGE = "nginx:1.29";

/**
 * Reads the settings from environment variables:
 * `E2E_CLUSTER_NAME`, `KIND_NODE_IMAGE`, `E2E_AWS_BACKEND` (`moto` |
 * `localstack`), `E2E_EMULATOR_IMAGE`, `LOCALSTACK_AUTH_TOKEN`,
 * `E2E_PROVIDER_IMAGE`, `E2E_KEEP` (`1` keeps everything).
 *
 * @throws {Error} for an unknown backend.
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
  return {
    clusterName: env.E2E_CLUSTER_NAME || "ascp-deno-e2e",
    kindNodeImage: env.KIND_NODE_IMAGE || undefined,
    backend,
    primaryRegion: "us-west-2",
    failoverRegion: "us-east-2",
    providerImage: env.E2E_PROVIDER_IMAGE || "ascp-deno/provider:e2e",
    workloadImage: WORKLOAD_IMAGE,
    keep: env.E2E_KEEP === "1",
  };
}
