/**
 * What the kind suite's scenarios work with ({@linkcode ScenarioContext}: a
 * cluster — kubectl for applying and `exec`, {@linkcode KubeReads} for reads
 * and waits —, the emulator, the fault proxy) and the steps they share: a
 * namespace with an IRSA service account, a mounting Deployment and its
 * rollout, reading a mounted file, a synced Secret, waiting. Scenarios need
 * nothing else, so tests drive them against a fake cluster.
 *
 * @module
 */

import type { SecretSample } from "../../devstack/mod.ts";
import { type KubeReads, pickPod } from "./kube_reads.ts";
import type { Kubectl } from "./kubectl.ts";
import {
  irsaServiceAccount,
  mountingDeployment,
  namespace,
  type ObjectEntry,
  roleArn,
  type SecretObject,
  secretProviderClass,
} from "./manifests.ts";
import type { RegionFaults } from "./region_fault_proxy.ts";
import type { E2eSettings } from "./settings.ts";

/** Creating and changing AWS data (devstack/aws_seed.ts provides it). */
export interface AwsSeeding {
  /** Creates a secret. */
  createSecret(region: string, name: string, value: string): Promise<unknown>;
  /** Adds a new current version. */
  putSecretValue(region: string, secretId: string, value: string): Promise<unknown>;
  /** Creates a parameter. */
  putParameter(
    region: string,
    name: string,
    value: string,
    options?: { type?: "String" | "SecureString" },
  ): Promise<unknown>;
}

/** What a scenario works with. */
export interface ScenarioContext {
  /** kubectl on the cluster: `apply` of manifests and `exec` in pods, as users type them. */
  kubectl: Kubectl;
  /** Reads and waits on the cluster (client-node in the kind suite). */
  kube: KubeReads;
  /** The emulator. */
  aws: AwsSeeding;
  /** Sets the fault proxy's failing regions. */
  setFaults(faults: RegionFaults): Promise<void>;
  /** Settings of the run. */
  settings: E2eSettings;
  /** The AWS endpoint as pods reach it (the fault proxy on the kind network). */
  awsEndpointForPods: string;
  /**
   * Everything the leak check looks for: the seeded values, the service
   * account tokens sent to STS and the credentials STS answered.
   */
  leakSamples(): Promise<SecretSample[]>;
  /** Progress. */
  log(message: string): void;
  /** Waits; tests replace it. @default {setTimeout} */
  sleep?(ms: number): Promise<void>;
}

/** One scenario. */
export interface Scenario {
  /** Name, as reported. */
  name: string;
  /** Runs it; throws when the provider misbehaves. */
  run(context: ScenarioContext): Promise<void>;
}

/** Service account of the scenarios that use IRSA (besides the README's). */
export const APP_SA = "e2e-app";

function sleepOf(context: ScenarioContext): (ms: number) => Promise<void> {
  return context.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
}

/** Throws unless `actual` equals `expected`. */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/**
 * Calls `check` until it returns a value other than undefined, or fails
 * after `timeoutMs` with the last error.
 */
export async function waitFor<T>(
  context: ScenarioContext,
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const intervalMs = options.intervalMs ?? 5_000;
  const sleep = sleepOf(context);
  let lastError: unknown;
  for (let waited = 0; waited <= timeoutMs; waited += intervalMs) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const cause = lastError instanceof Error ? `: ${lastError.message}` : "";
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${cause}`);
}

/** The pod of app `app` in `ns` (a ready one when there is one). */
export async function firstPod(context: ScenarioContext, ns: string, app: string): Promise<string> {
  return pickPod(await context.kube.pods(ns, `app=${app}`), `with app=${app} in ${ns}`).name;
}

/** Waits for `deployment`'s rollout; returns its pod. */
export async function rollout(
  context: ScenarioContext,
  ns: string,
  deployment: string,
): Promise<string> {
  await context.kube.rollout("Deployment", ns, deployment, { timeoutMs: 180_000 });
  return await firstPod(context, ns, deployment);
}

/** Namespace `ns` with the IRSA service account {@linkcode APP_SA}. */
export async function appNamespace(context: ScenarioContext, ns: string): Promise<void> {
  const { settings } = context;
  await context.kubectl.apply([
    namespace(ns),
    irsaServiceAccount(APP_SA, {
      namespace: ns,
      role: roleArn(settings.backend.accountId, "e2e-app-role"),
    }),
  ]);
}

/** The class and pod of {@linkcode mountApp}. */
export interface MountedApp {
  /** `objects`. */
  objects: ObjectEntry[];
  /** Other class parameters. */
  parameters?: Record<string, string>;
  /** Secrets to sync. */
  secretObjects?: SecretObject[];
  /** Env vars from synced Secrets: name → [secret, key]. */
  envFromSecrets?: Record<string, [string, string]>;
  /** The pod's service account. @default {APP_SA} */
  serviceAccount?: string;
}

/** A SecretProviderClass and a Deployment mounting it, both `name`; returns the pod once rolled out. */
export async function mountApp(
  context: ScenarioContext,
  ns: string,
  name: string,
  app: MountedApp,
): Promise<string> {
  const { envFromSecrets, serviceAccount, ...spc } = app;
  await context.kubectl.apply([
    secretProviderClass(name, { namespace: ns, ...spc }),
    mountingDeployment(name, {
      namespace: ns,
      serviceAccount: serviceAccount ?? APP_SA,
      secretProviderClass: name,
      image: context.settings.workloadImage,
      envFromSecrets,
    }),
  ]);
  return await rollout(context, ns, name);
}

/** A file of the pod's mount (`kubectl exec … cat`). */
export function read(
  context: ScenarioContext,
  ns: string,
  pod: string,
  file: string,
): Promise<string> {
  return context.kubectl.readFile(ns, pod, `/mnt/secrets-store/${file}`);
}

/** A key of a (synced) Secret, decoded, and the Secret's labels; undefined while absent. */
export async function secretValue(
  context: ScenarioContext,
  ns: string,
  name: string,
  key: string,
): Promise<{ value: string; labels: Record<string, string> } | undefined> {
  const secret = await context.kube.secret(ns, name);
  const encoded = secret?.data[key];
  if (secret === undefined || typeof encoded !== "string") return undefined;
  return { value: atob(encoded), labels: secret.labels };
}
