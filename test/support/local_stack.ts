/**
 * The local stack every integration test, the demo, the benchmark and the
 * Docker-less e2e run on: moto (one endpoint, regions kept apart by SigV4
 * scope) behind the fault proxy, a local Kubernetes API server with the test
 * pod's service account, and the provider as a separate process with its
 * production permission flags.
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

/** The AWS side: moto and the fault proxy in front of it. */
export interface AwsEmulator extends AsyncDisposable {
  /** moto itself. */
  moto: MotoServer;
  /** The proxy the provider talks to. */
  proxy: FaultProxy;
  /** Seeds data straight into moto. */
  seeder: Seeder;
  /** Stops both. */
  stop(): Promise<void>;
}

/** Starts moto and the fault proxy. */
export async function startAwsEmulator(options: { latencyMs?: number } = {}): Promise<AwsEmulator> {
  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.url, { latencyMs: options.latencyMs });
  const seeder = createSeeder(moto.url);
  const stop = async () => {
    seeder.destroy();
    await proxy.stop();
    await moto.stop();
  };
  return { moto, proxy, seeder, stop, [Symbol.asyncDispose]: stop };
}

/** A Kubernetes API server knowing the default test pod, its node and service account. */
export async function startTestKube(): Promise<{ kube: KubeApiServer; kubeconfig: string }> {
  const kube = await startKubeApiServer();
  kube.putServiceAccount(DEFAULT_POD.namespace, DEFAULT_POD.serviceAccount, {
    "eks.amazonaws.com/role-arn": TEST_ROLE_ARN,
  });
  kube.putPod(DEFAULT_POD.namespace, DEFAULT_POD.name, "ip-10-0-1-17.ec2.internal");
  kube.putNode("ip-10-0-1-17.ec2.internal", { "topology.kubernetes.io/region": PRIMARY_REGION });
  const kubeconfig = await kube.writeKubeconfig(await Deno.makeTempDir({ prefix: "kubeconfig-" }));
  return { kube, kubeconfig };
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

/** Starts a provider against `aws` (through its fault proxy) and connects a driver client. */
export async function startTestProvider(
  aws: AwsEmulator,
  options: Omit<ProviderProcessOptions, "awsEndpoint"> = {},
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
  const stop = async (signal?: Deno.Signal) => {
    const code = await process.stop(signal);
    driver.close();
    checkLeaks();
    return code;
  };
  return {
    process,
    driver,
    watch: (name, witness) => {
      witnesses.set(name, witness);
    },
    assertNoLeaks: checkLeaks,
    newTargetPath: (pod = DEFAULT_POD) => newPodVolume(process.mountRoot, pod.uid, counter++),
    stop,
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}
