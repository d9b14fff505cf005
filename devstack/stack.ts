/**
 * The one fixture: `startStack()` starts the dev stack every suite runs on —
 * moto (one endpoint, regions kept apart by SigV4 scope; optionally a moto
 * of its own for some regions) behind the AWS fault proxy, the Kubernetes
 * API stand-in knowing the test pod, its node and its service account, on
 * demand the Pod Identity agent stand-ins on 127.0.0.1 and ::1, and the
 * provider as a separate process with its production permission flags and a
 * driver client on its socket. Disposing of it stops everything, and each
 * provider's stop runs the leak proof.
 *
 * @example
 * ```ts
 * await using stack = await startStack();
 * await stack.seeder.createSecret(PRIMARY_REGION, "app/db", "pw");
 * const { provider } = stack;
 * await provider.driver.mount({
 *   targetPath: await provider.newTargetPath(),
 *   parameters: { region: PRIMARY_REGION, objects: "- {objectName: app/db, objectType: secretsmanager}" },
 * });
 * ```
 *
 * @module
 */

import { createSeeder, type Seeder } from "./aws_seed.ts";
import { connectDriver, DEFAULT_POD, type DriverClient } from "./driver_client.ts";
import { type FaultProxy, startFaultProxy } from "./fault_proxy.ts";
import { type KubeApiServer, startKubeApiServer } from "./kube_api_server.ts";
import {
  assertNoLeaks,
  type LeakSource,
  type LeakWitness,
  type SecretSample,
} from "./leak_check.ts";
import { type MotoServer, startMoto } from "./moto_server.ts";
import { type PodIdentityAgent, startPodIdentityAgent } from "./pod_identity_agent.ts";
import { preparePodVolumes, type TmpfsMode } from "./pod_volumes.ts";
import {
  type ProviderProcess,
  type ProviderProcessOptions,
  startProviderProcess,
} from "./provider_process.ts";

/** Role the test pod's service account is annotated with (moto's default account). */
export const TEST_ROLE_ARN = "arn:aws:iam::123456789012:role/app-secrets-reader";
/** Primary region of the tests. */
export const PRIMARY_REGION = "us-east-1";
/** Failover region of the tests. */
export const FAILOVER_REGION = "us-west-2";
/** The node the test pod runs on, labelled with {@linkcode PRIMARY_REGION}. */
export const TEST_NODE = "ip-10-0-1-17.ec2.internal";

/** A provider of the stack: the process's options but the AWS endpoint (the stack's proxy). */
export type StackProviderOptions = Omit<ProviderProcessOptions, "awsEndpoint">;

/** Options of {@linkcode startStack}. */
export interface StackOptions {
  /**
   * The provider started with the stack (`kubeconfig` defaults to the
   * stack's), or `false` for none. @default {{}}
   */
  provider?: StackProviderOptions | false;
  /** Delay the AWS fault proxy adds to every call, in ms. @default {0} */
  latencyMs?: number;
  /**
   * Regions served by a moto of their own behind the proxy, so that calls
   * of different regions or many pods do not queue in one Python process
   * (the benchmark); the others, and unsigned STS calls, go to
   * {@linkcode Stack.moto}. @default {[]}
   */
  ownEmulators?: readonly string[];
  /**
   * Start Pod Identity agent stand-ins on 127.0.0.1 and ::1 and point every
   * provider of the stack at them. @default {false}
   */
  podIdentity?: boolean;
  /**
   * Whether the providers' stand-in kubelet pods directories (unless given)
   * live on a tmpfs of the stack, as every pod volume does under the driver
   * (`auto`: when root on Linux, else the system temporary directory).
   * @default {"auto"}
   */
  podVolumesTmpfs?: TmpfsMode;
}

/** The Pod Identity agent stand-ins of a stack. */
export interface PodIdentityAgents {
  /** On 127.0.0.1: the provider's `--pod-identity-agent-ipv4-endpoint`. */
  ipv4: PodIdentityAgent;
  /** On ::1: the provider's `--pod-identity-agent-ipv6-endpoint`. */
  ipv6: PodIdentityAgent;
}

/** The running dev stack; stop it with `stop()` or `await using`. */
export interface Stack extends AsyncDisposable {
  /** The default moto: every region without one of its own, and STS. */
  moto: MotoServer;
  /** The motos of {@linkcode StackOptions.ownEmulators}, by region. */
  motos: Record<string, MotoServer>;
  /** The AWS endpoint the providers talk to. */
  proxy: FaultProxy;
  /** Writes data straight into each region's moto (not through the proxy). */
  seeder: Seeder;
  /** The Kubernetes API stand-in. */
  kube: KubeApiServer;
  /** A kubeconfig for it. */
  kubeconfig: string;
  /** The Pod Identity agents, when started with `podIdentity: true`. */
  podIdentity?: PodIdentityAgents;
  /** Where the providers' pod volumes are: a tmpfs of the stack, or why not. */
  podVolumes: { dir: string; tmpfsMounted: boolean; reason?: string };
  /** The provider started with the stack. @throws {Error} when started with `provider: false`. */
  readonly provider: TestProvider;
  /** Starts another provider on the stack (stopped with it unless stopped before). */
  startProvider(options?: StackProviderOptions): Promise<TestProvider>;
  /**
   * Stops the providers still running (each runs the leak proof), then the
   * rest; throws the first error after everything stopped.
   */
  stop(): Promise<void>;
}

/** A provider process with a driver client connected to it. */
export interface TestProvider extends AsyncDisposable {
  /** The process. */
  process: ProviderProcess;
  /** A client playing the driver. */
  driver: DriverClient;
  /** A fresh, empty pod volume directory the provider may write to. */
  newTargetPath(pod?: { uid: string }): Promise<string>;
  /**
   * Adds another client of the provider (the driver harness) to the leak
   * proof: its errors are checked, the tokens it sent looked for.
   */
  watch(name: string, witness: LeakWitness): void;
  /**
   * The leak proof: throws a `LeakError` if any value the seeder wrote, or any
   * token the driver client or a watched client sent, appears in a line the
   * process printed or in an error one of those clients received. `stop()`
   * runs it.
   */
  assertNoLeaks(): void;
  /**
   * Stops the process (`signal`, default SIGTERM; in-flight mounts are still
   * answered), closes the client, then runs {@linkcode TestProvider.assertNoLeaks}.
   * Returns the exit code.
   */
  stop(signal?: Deno.Signal): Promise<number>;
}

/**
 * A new, empty CSI volume directory of pod `uid` under the kubelet pods
 * directory `podsDir`, laid out as the kubelet does
 * (`<pods>/<uid>/volumes/kubernetes.io~csi/<volume>/mount`): the only place
 * the provider writes.
 */
export async function newPodVolume(podsDir: string, uid: string, index: number): Promise<string> {
  const path = `${podsDir}/${uid}/volumes/kubernetes.io~csi/volume-${index}/mount`;
  await Deno.mkdir(path, { recursive: true });
  return path;
}

/** Starts the dev stack (moto, the proxy and the Kubernetes API at once) and its provider. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const pieces: { stop(): Promise<unknown> }[] = [];
  const providers = new Set<TestProvider>();
  let seeder: Seeder | undefined;
  const stop = async () => {
    const errors: unknown[] = [];
    // Providers first (their leak proofs), then the rest, newest first.
    for (const piece of [...providers, ...pieces.reverse()]) {
      await piece.stop().catch((error) => errors.push(error));
    }
    providers.clear();
    pieces.length = 0;
    seeder?.destroy();
    if (errors.length > 0) throw errors[0];
  };
  const started = async <T extends { stop(): Promise<unknown> }>(piece: Promise<T>) => {
    const value = await piece;
    pieces.push(value);
    return value;
  };
  try {
    const regions = options.ownEmulators ?? [];
    const starting = [
      started(startMoto()),
      started(startKubeApiServer()),
      options.podIdentity
        ? Promise.all(
          (["127.0.0.1", "::1"] as const).map((hostname) =>
            started(startPodIdentityAgent({ hostname }))
          ),
        )
        : [],
      ...regions.map(() => started(startMoto())),
    ] as const;
    // On a failure, let the other pieces finish starting, so that stop() stops them too.
    const [moto, kube, agents, ...regional] = await Promise.all(starting).catch(
      async (error) => {
        await Promise.allSettled(starting);
        throw error;
      },
    );
    const motos = Object.fromEntries(regions.map((region, i) => [region, regional[i]]));
    const endpoints = Object.fromEntries(regions.map((region) => [region, motos[region].url]));
    const proxy = await started(
      startFaultProxy(moto.url, { latencyMs: options.latencyMs, upstreams: endpoints }),
    );
    seeder = createSeeder(moto.url, { endpoints });
    kube.putServiceAccount(DEFAULT_POD.namespace, DEFAULT_POD.serviceAccount, {
      "eks.amazonaws.com/role-arn": TEST_ROLE_ARN,
    });
    kube.putPod(DEFAULT_POD.namespace, DEFAULT_POD.name, TEST_NODE);
    kube.putNode(TEST_NODE, { "topology.kubernetes.io/region": PRIMARY_REGION });
    const kubeconfigDir = await Deno.makeTempDir({ prefix: "kubeconfig-" });
    pieces.push({ stop: () => Deno.remove(kubeconfigDir, { recursive: true }) });
    const kubeconfig = await kube.writeKubeconfig(kubeconfigDir);
    const volumes = await preparePodVolumes(
      options.podVolumesTmpfs ?? "auto",
      Deno.env.get("TMPDIR") ?? "/tmp",
      { prefix: "stack-pod-volumes-", offReason: "podVolumesTmpfs: off" },
    );
    // Stopped after the providers (they stop first), unmounting everything written there.
    pieces.push({ stop: () => volumes.release() });
    const aws = { proxy, seeder, providers };
    const agentArgs = agents.map((agent) =>
      `--pod-identity-agent-ipv${agent.hostname === "::1" ? 6 : 4}-endpoint=${agent.credentialsUrl}`
    );
    // The stack owns the directories of its providers (a test may start a
    // provider on the directories of one it stopped) and removes them at its stop.
    const ownDirectory = async (prefix: string, dir?: string) => {
      const path = await Deno.makeTempDir({ prefix, dir });
      pieces.push({ stop: () => Deno.remove(path, { recursive: true }).catch(() => {}) });
      return path;
    };
    const startProvider = async (providerOptions: StackProviderOptions = {}) =>
      startTestProvider(aws, {
        kubeconfig,
        providerVolume: providerOptions.providerVolume ?? await ownDirectory("provider-vol-"),
        mountRoot: providerOptions.mountRoot ??
          await ownDirectory("kubelet-pods-", volumes.tmpfsMounted ? volumes.dir : undefined),
        ...providerOptions,
        args: [...agentArgs, ...(providerOptions.args ?? [])],
        netHosts: [
          ...agents.map((agent) => new URL(agent.url).host),
          ...(providerOptions.netHosts ?? []),
        ],
      });
    const first = options.provider === false ? undefined : await startProvider(options.provider);
    return {
      moto,
      motos,
      proxy,
      seeder,
      kube,
      kubeconfig,
      podIdentity: agents.length ? { ipv4: agents[0], ipv6: agents[1] } : undefined,
      podVolumes: { dir: volumes.dir, tmpfsMounted: volumes.tmpfsMounted, reason: volumes.reason },
      get provider(): TestProvider {
        if (first === undefined) throw new Error("this stack was started with provider: false");
        return first;
      },
      startProvider,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/** Starts a provider against the proxy and connects a driver client; it is in `providers` until stopped. */
async function startTestProvider(
  aws: { proxy: FaultProxy; seeder: Seeder; providers: Set<TestProvider> },
  options: StackProviderOptions,
): Promise<TestProvider> {
  const process = await startProviderProcess({ awsEndpoint: aws.proxy.url, ...options });
  const driver = connectDriver(process.socketPath);
  const witnesses = new Map<string, LeakWitness>([["driver client", driver]]);
  let counter = 0;
  const checkLeaks = () => {
    const sources: LeakSource[] = process.lines().map((text, index) => ({
      where: `provider log line ${index + 1}`,
      text,
    }));
    const samples: SecretSample[] = aws.seeder.seededValues();
    for (const [name, witness] of witnesses) {
      for (const { call, message } of witness.errors()) {
        sources.push({ where: `the error the ${name} got from call ${call}`, text: message });
      }
      for (const value of witness.tokensSent()) {
        samples.push({ value, what: `a token the ${name} sent` });
      }
    }
    assertNoLeaks(sources, samples);
  };
  const provider: TestProvider = {
    process,
    driver,
    watch: (name, witness) => {
      witnesses.set(name, witness);
    },
    assertNoLeaks: checkLeaks,
    newTargetPath: (pod = DEFAULT_POD) => newPodVolume(process.mountRoot, pod.uid, counter++),
    async stop(signal) {
      aws.providers.delete(provider);
      const code = await process.stop(signal);
      driver.close();
      checkLeaks();
      return code;
    },
    async [Symbol.asyncDispose]() {
      await provider.stop();
    },
  };
  aws.providers.add(provider);
  return provider;
}
