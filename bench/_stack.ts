/**
 * The benchmark's local stack: moto behind the fault proxy (fixed latency per
 * AWS call), the local Kubernetes API server, and the data the scenarios
 * mount, seeded in both regions straight into moto (not through the proxy).
 *
 * @module
 */

import { DEFAULT_POD, type TestPod } from "../test/support/driver_client.ts";
import {
  type AwsEmulator,
  FAILOVER_REGION,
  PRIMARY_REGION,
  startAwsEmulator,
  startTestKube,
  TEST_ROLE_ARN,
} from "../test/support/local_stack.ts";
import type { KubeApiServer } from "../test/support/kube_api_server.ts";

/** Regions seeded: primary first. */
export const REGIONS = [PRIMARY_REGION, FAILOVER_REGION] as const;

/** Name of the i-th Secrets Manager secret (plain text value). */
export const secretName = (i: number): string => `bench/sm/${pad(i)}`;
/** Name of the i-th SSM parameter (SecureString). */
export const parameterName = (i: number): string => `/bench/ssm/${pad(i)}`;
/** Name of the i-th JSON secret (`{"username", "password"}`) for jmesPath. */
export const jsonSecretName = (i: number): string => `bench/json/${pad(i)}`;

/** How much data to seed. */
export interface SeedCounts {
  /** Secrets Manager secrets. */
  secrets: number;
  /** SSM parameters. */
  parameters: number;
  /** JSON secrets. */
  jsonSecrets: number;
}

/** The running stack. */
export interface BenchStack {
  /** moto + fault proxy. */
  aws: AwsEmulator;
  /** The Kubernetes API server. */
  kube: KubeApiServer;
  /** Kubeconfig pointing at it. */
  kubeconfig: string;
  /** moto's version (from the pinned requirements). */
  motoVersion: string;
  /** A pod of the default service account (`app-sa`, IRSA role set). */
  pod(name: string): TestPod;
  /** Creates `count` service accounts `prefix-<i>` with the IRSA role annotation. */
  addServiceAccounts(prefix: string, count: number): void;
  /** Stops everything. */
  stop(): Promise<void>;
}

/** Starts moto (behind the proxy with `latencyMs` per call) and the Kubernetes API; seeds data. */
export async function startBenchStack(latencyMs: number, counts: SeedCounts): Promise<BenchStack> {
  const aws = await startAwsEmulator({ latencyMs });
  let kube: KubeApiServer | undefined;
  try {
    const started = await startTestKube();
    kube = started.kube;
    await seed(aws, counts);
    const requirements = await Deno.readTextFile(
      new URL("../test/support/requirements.txt", import.meta.url),
    ).catch(() => "");
    const motoVersion = /^moto\[server\]==(\S+)$/m.exec(requirements)?.[1] ?? "unknown";
    const kubeServer = kube;
    return {
      aws,
      kube,
      kubeconfig: started.kubeconfig,
      motoVersion,
      pod: (name) => ({
        name,
        namespace: DEFAULT_POD.namespace,
        uid: crypto.randomUUID(),
        serviceAccount: DEFAULT_POD.serviceAccount,
      }),
      addServiceAccounts(prefix, count) {
        for (let i = 0; i < count; i++) {
          kubeServer.putServiceAccount(DEFAULT_POD.namespace, `${prefix}-${i}`, {
            "eks.amazonaws.com/role-arn": TEST_ROLE_ARN,
          });
        }
      },
      async stop() {
        await kubeServer.stop();
        await aws.stop();
      },
    };
  } catch (error) {
    await kube?.stop();
    await aws.stop();
    throw error;
  }
}

async function seed(aws: AwsEmulator, counts: SeedCounts): Promise<void> {
  const jobs: (() => Promise<unknown>)[] = [];
  for (const region of REGIONS) {
    for (let i = 0; i < counts.secrets; i++) {
      jobs.push(() =>
        aws.seeder.createSecret(region, secretName(i), `secret-${region}-${pad(i)}-${filler(48)}`)
      );
    }
    for (let i = 0; i < counts.parameters; i++) {
      jobs.push(() =>
        aws.seeder.putParameter(
          region,
          parameterName(i),
          `param-${region}-${pad(i)}-${filler(48)}`,
          {
            type: "SecureString",
          },
        )
      );
    }
    for (let i = 0; i < counts.jsonSecrets; i++) {
      jobs.push(() =>
        aws.seeder.createSecret(
          region,
          jsonSecretName(i),
          JSON.stringify({ username: `user-${pad(i)}`, password: filler(32), host: "db.local" }),
        )
      );
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
}

function pad(i: number): string {
  return String(i).padStart(3, "0");
}

function filler(length: number): string {
  return "x".repeat(length);
}
