/**
 * The benchmark's local stack: one moto per region (and one more for STS)
 * behind one fault proxy that routes each call by its SigV4 region and adds
 * a fixed latency, the local Kubernetes API server, and the data the
 * scenarios mount, seeded into each region's moto directly (not through the
 * proxy).
 *
 * One moto serves every request in one Python process: calls of different
 * regions (failover) or of many pods at once (storm) would queue there, and
 * the benchmark would measure moto instead of the provider. The provider
 * still sees one AWS endpoint, the proxy.
 *
 * @module
 */

import {
  DEFAULT_POD,
  FAILOVER_REGION,
  pinnedMotoVersion,
  PRIMARY_REGION,
  type Seeder,
  type Stack,
  startStack,
  TEST_ROLE_ARN,
  type TestPod,
} from "../devstack/mod.ts";

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

/** Options of {@linkcode startBenchStack}. */
export interface BenchStackOptions {
  /** Latency the proxy adds to every AWS call, ms. */
  latencyMs: number;
  /** What to seed. */
  counts: SeedCounts;
}

/** The dev stack (one moto per region, no provider) with what the scenarios need. */
export interface BenchStack extends Stack {
  /** moto's version (from the pinned requirements). */
  motoVersion: string;
  /** A pod of the default service account (`app-sa`, IRSA role set). */
  pod(name: string): TestPod;
  /** Creates `count` service accounts `prefix-<i>` with the IRSA role annotation. */
  addServiceAccounts(prefix: string, count: number): void;
}

/**
 * Starts the dev stack with a moto of its own per region (the default one
 * serves STS), the fault proxy adding `latencyMs` per call, and the
 * Kubernetes API; seeds each region's data into its own moto.
 */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const stack = await startStack({
    latencyMs: options.latencyMs,
    ownEmulators: REGIONS,
    provider: false,
  });
  try {
    await seed(stack.seeder, options.counts);
    return Object.assign(stack, {
      motoVersion: await pinnedMotoVersion().catch(() => "unknown"),
      pod: (name: string) => ({
        name,
        namespace: DEFAULT_POD.namespace,
        uid: crypto.randomUUID(),
        serviceAccount: DEFAULT_POD.serviceAccount,
      }),
      addServiceAccounts(prefix: string, count: number) {
        for (let i = 0; i < count; i++) {
          stack.kube.putServiceAccount(DEFAULT_POD.namespace, `${prefix}-${i}`, {
            "eks.amazonaws.com/role-arn": TEST_ROLE_ARN,
          });
        }
      },
    });
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

async function seed(seeder: Seeder, counts: SeedCounts): Promise<void> {
  const jobs: (() => Promise<unknown>)[] = [];
  for (const region of REGIONS) {
    for (let i = 0; i < counts.secrets; i++) {
      jobs.push(() =>
        seeder.createSecret(region, secretName(i), `secret-${region}-${pad(i)}-${filler(48)}`)
      );
    }
    for (let i = 0; i < counts.parameters; i++) {
      jobs.push(() =>
        seeder.putParameter(
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
        seeder.createSecret(
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
