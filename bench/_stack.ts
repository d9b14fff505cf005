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

import { createSeeder, type Seeder } from "../test/support/aws_seed.ts";
import { DEFAULT_POD, type TestPod } from "../test/support/driver_client.ts";
import { type FaultProxy, startFaultProxy } from "../test/support/fault_proxy.ts";
import {
  FAILOVER_REGION,
  PRIMARY_REGION,
  startTestKube,
  TEST_ROLE_ARN,
} from "../test/support/local_stack.ts";
import type { KubeApiServer } from "../test/support/kube_api_server.ts";
import { type MotoServer, startMoto } from "../test/support/moto_server.ts";

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

/** The AWS side of the stack. */
export interface BenchAws {
  /** The one endpoint the provider talks to; routes by SigV4 region. */
  proxy: FaultProxy;
  /** One moto per region of {@linkcode REGIONS}. */
  motos: Record<string, MotoServer>;
  /**
   * The proxy's default upstream: unsigned calls (STS
   * AssumeRoleWithWebIdentity) and regions without their own moto. moto does
   * not check signatures, so credentials it issues work in every region's moto.
   */
  stsMoto: MotoServer;
  /** Seeder per region, writing straight into that region's moto. */
  seeders: Record<string, Seeder>;
  /** How the proxy routes, for the report: `region → moto URL`, `"*"` for the default. */
  routes: Record<string, string>;
}

/** Options of {@linkcode startBenchStack}. */
export interface BenchStackOptions {
  /** Latency the proxy adds to every AWS call, ms. */
  latencyMs: number;
  /** What to seed. */
  counts: SeedCounts;
}

/** The running stack. */
export interface BenchStack {
  /** One moto per region + one for STS, behind the fault proxy. */
  aws: BenchAws;
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

/**
 * Starts one moto per region and one for STS (in parallel), the fault proxy
 * routing to them with `latencyMs` per call, and the Kubernetes API; seeds
 * each region's data into its own moto.
 */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const started: { stop(): Promise<void> }[] = [];
  const seeders: Record<string, Seeder> = {};
  const stopStarted = async () => {
    for (const seeder of Object.values(seeders)) seeder.destroy();
    // The proxy (started last) first, then the motos and the API server.
    for (const item of started.reverse()) await item.stop().catch(() => {});
  };
  try {
    const launched = await Promise.allSettled([startMoto(), ...REGIONS.map(() => startMoto())]);
    for (const result of launched) {
      if (result.status === "fulfilled") started.push(result.value);
    }
    const failed = launched.find((result) => result.status === "rejected");
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    const [stsMoto, ...regional] = launched.map((result) =>
      (result as PromiseFulfilledResult<MotoServer>).value
    );
    const motos = Object.fromEntries(REGIONS.map((region, i) => [region, regional[i]]));
    const { kube, kubeconfig } = await startTestKube();
    started.push(kube);
    for (const region of REGIONS) seeders[region] = createSeeder(motos[region].url);
    await seed(seeders, options.counts);
    const proxy = await startFaultProxy(stsMoto.url, {
      latencyMs: options.latencyMs,
      upstreams: Object.fromEntries(REGIONS.map((region) => [region, motos[region].url])),
    });
    started.push(proxy);
    const requirements = await Deno.readTextFile(
      new URL("../test/support/requirements.txt", import.meta.url),
    ).catch(() => "");
    const motoVersion = /^moto\[server\]==(\S+)$/m.exec(requirements)?.[1] ?? "unknown";
    return {
      aws: {
        proxy,
        motos,
        stsMoto,
        seeders,
        routes: {
          ...Object.fromEntries(REGIONS.map((region) => [region, motos[region].url])),
          "*": stsMoto.url,
        },
      },
      kube,
      kubeconfig,
      motoVersion,
      pod: (name) => ({
        name,
        namespace: DEFAULT_POD.namespace,
        uid: crypto.randomUUID(),
        serviceAccount: DEFAULT_POD.serviceAccount,
      }),
      addServiceAccounts(prefix, count) {
        for (let i = 0; i < count; i++) {
          kube.putServiceAccount(DEFAULT_POD.namespace, `${prefix}-${i}`, {
            "eks.amazonaws.com/role-arn": TEST_ROLE_ARN,
          });
        }
      },
      stop: stopStarted,
    };
  } catch (error) {
    await stopStarted();
    throw error;
  }
}

async function seed(seeders: Record<string, Seeder>, counts: SeedCounts): Promise<void> {
  const jobs: (() => Promise<unknown>)[] = [];
  for (const region of REGIONS) {
    const seeder = seeders[region];
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
