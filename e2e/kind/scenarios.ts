/**
 * The kind suite's scenarios: the seed README's walkthrough, then secret
 * sync, rotation, jmesPath, SSM, failover with the primary region failing,
 * and a negative case. Each runs in its own namespace against a running
 * cluster (driver + our provider) and the emulator; they only need the small
 * {@linkcode ScenarioContext}, so tests can drive them with fakes.
 *
 * @module
 */

import type { Kubectl } from "./kubectl.ts";
import {
  exampleObjects,
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

/** Creating and changing AWS data (test/support/aws_seed.ts provides it). */
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
  /** kubectl on the cluster. */
  kubectl: Kubectl;
  /** The emulator. */
  aws: AwsSeeding;
  /** Sets the fault proxy's failing regions. */
  setFaults(faults: RegionFaults): Promise<void>;
  /** Settings of the run. */
  settings: E2eSettings;
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

/** The README's test secret. */
export const README_SECRET = '{"username":"memeuser", "password":"hunter2"}';
/** Service account of the non-README scenarios. */
const APP_SA = "e2e-app";
/** Rotation: the driver polls every 30 s and kubelet republishes about every minute. */
const ROTATION_TIMEOUT_MS = 240_000;

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

async function rollout(context: ScenarioContext, ns: string, deployment: string): Promise<string> {
  await context.kubectl.run([
    "rollout",
    "status",
    "-n",
    ns,
    `deployment/${deployment}`,
    "--timeout=180s",
  ]);
  return await context.kubectl.firstPod(ns, deployment);
}

async function appNamespace(context: ScenarioContext, ns: string): Promise<void> {
  const { settings } = context;
  await context.kubectl.apply([
    namespace(ns),
    irsaServiceAccount(APP_SA, {
      namespace: ns,
      role: roleArn(settings.backend.accountId, "e2e-app-role"),
    }),
  ]);
}

async function mountApp(
  context: ScenarioContext,
  ns: string,
  name: string,
  spc: {
    objects: ObjectEntry[];
    parameters?: Record<string, string>;
    secretObjects?: SecretObject[];
  },
  envFromSecrets?: Record<string, [string, string]>,
): Promise<string> {
  await context.kubectl.apply([
    secretProviderClass(name, { namespace: ns, ...spc }),
    mountingDeployment(name, {
      namespace: ns,
      serviceAccount: APP_SA,
      secretProviderClass: name,
      image: context.settings.workloadImage,
      envFromSecrets,
    }),
  ]);
  return await rollout(context, ns, name);
}

function read(context: ScenarioContext, ns: string, pod: string, file: string): Promise<string> {
  return context.kubectl.readFile(ns, pod, `/mnt/secrets-store/${file}`);
}

async function secretValue(
  context: ScenarioContext,
  ns: string,
  name: string,
  key: string,
): Promise<{ value: string; labels: Record<string, string> } | undefined> {
  const secret = await context.kubectl.getJson(["secret", "-n", ns, name]);
  const encoded = secret.data?.[key];
  if (typeof encoded !== "string") return undefined;
  return { value: atob(encoded), labels: secret.metadata.labels ?? {} };
}

/** The seed README's IRSA walkthrough, with its example files, unchanged but for the namespace. */
export const readmeWalkthrough: Scenario = {
  name: "README walkthrough: IRSA, region from the node label, kubectl exec cat",
  async run(context) {
    const { settings, kubectl } = context;
    const ns = "e2e-readme";
    const image = settings.workloadImage;
    await kubectl.apply([namespace(ns)]);
    await context.aws.createSecret(settings.primaryRegion, "MySecret", README_SECRET);
    // eksctl create iamserviceaccount would create this account with the role annotation.
    await kubectl.apply([irsaServiceAccount("nginx-irsa-deployment-sa", {
      namespace: ns,
      role: roleArn(settings.backend.accountId, "nginx-deployment-role"),
    })]);
    await kubectl.apply(
      await exampleObjects("ExampleSecretProviderClass-IRSA.yaml", { namespace: ns, image }),
    );
    await kubectl.apply(
      await exampleObjects("ExampleDeployment-IRSA.yaml", { namespace: ns, image }),
    );
    const pod = await rollout(context, ns, "nginx-irsa-deployment");
    expectEqual(await read(context, ns, pod, "MySecret"), README_SECRET, "MySecret in the pod");
  },
};

const ROTATION_NS = "e2e-rotation";

/** Sync to a Kubernetes Secret (secretObjects), read back through the Secret and an env var. */
export const secretSync: Scenario = {
  name: "sync to a Kubernetes Secret (secretObjects)",
  async run(context) {
    const { settings } = context;
    await appNamespace(context, ROTATION_NS);
    await context.aws.createSecret(settings.primaryRegion, "RotatingSecret", "version-1");
    const pod = await mountApp(context, ROTATION_NS, "rotation", {
      objects: [{ objectName: "RotatingSecret", objectType: "secretsmanager" }],
      parameters: { region: settings.primaryRegion },
      secretObjects: [{
        secretName: "rotating-secret",
        type: "Opaque",
        labels: { environment: "e2e" },
        data: [{ objectName: "RotatingSecret", key: "value" }],
      }],
    }, { ROTATING: ["rotating-secret", "value"] });
    expectEqual(await read(context, ROTATION_NS, pod, "RotatingSecret"), "version-1", "file");
    const synced = await waitFor(
      context,
      "Secret rotating-secret",
      () => secretValue(context, ROTATION_NS, "rotating-secret", "value"),
    );
    expectEqual(synced.value, "version-1", "synced Secret value");
    expectEqual(synced.labels["secrets-store.csi.k8s.io/managed"], "true", "managed label");
    expectEqual(synced.labels.environment, "e2e", "label from secretObjects");
    const env = await context.kubectl.run([
      "exec",
      "-n",
      ROTATION_NS,
      pod,
      "--",
      "printenv",
      "ROTATING",
    ]);
    expectEqual(env.trim(), "version-1", "env var from the synced Secret");
  },
};

/** Rotation: a new secret version reaches the mounted file and the synced Secret. */
export const rotation: Scenario = {
  name: "rotation: a new version reaches the file and the synced Secret",
  async run(context) {
    const { settings } = context;
    const pod = await context.kubectl.firstPod(ROTATION_NS, "rotation");
    await context.aws.putSecretValue(settings.primaryRegion, "RotatingSecret", "version-2");
    context.log("waiting for the driver's rotation (poll interval 30 s)");
    await waitFor(context, "the rotated file", async () => {
      const content = await read(context, ROTATION_NS, pod, "RotatingSecret");
      return content === "version-2" ? content : undefined;
    }, { timeoutMs: ROTATION_TIMEOUT_MS });
    await waitFor(context, "the rotated Secret", async () => {
      const synced = await secretValue(context, ROTATION_NS, "rotating-secret", "value");
      return synced?.value === "version-2" ? synced : undefined;
    }, { timeoutMs: ROTATION_TIMEOUT_MS });
  },
};

/** jmesPath: keys of a JSON secret as files of their own. */
export const jmesPath: Scenario = {
  name: "jmesPath: JSON keys mounted as files",
  async run(context) {
    const { settings } = context;
    const ns = "e2e-jmespath";
    await appNamespace(context, ns);
    await context.aws.createSecret(settings.primaryRegion, "JsonSecret", README_SECRET);
    const pod = await mountApp(context, ns, "jmespath", {
      parameters: { region: settings.primaryRegion },
      objects: [{
        objectName: "JsonSecret",
        objectType: "secretsmanager",
        jmesPath: [
          { path: "username", objectAlias: "MySecretUsername" },
          { path: "password", objectAlias: "MySecretPassword", filePermission: "0600" },
        ],
      }],
    });
    expectEqual(await read(context, ns, pod, "JsonSecret"), README_SECRET, "whole secret");
    expectEqual(await read(context, ns, pod, "MySecretUsername"), "memeuser", "username");
    expectEqual(await read(context, ns, pod, "MySecretPassword"), "hunter2", "password");
    const mode = await context.kubectl.run([
      "exec",
      "-n",
      ns,
      pod,
      "--",
      "stat",
      "-L",
      "-c",
      "%a",
      "/mnt/secrets-store/MySecretPassword",
    ]);
    expectEqual(mode.trim(), "600", "MySecretPassword's mode");
  },
};

/** SSM Parameter Store: String and SecureString parameters. */
export const ssmParameters: Scenario = {
  name: "SSM Parameter Store: String and SecureString",
  async run(context) {
    const { settings } = context;
    const ns = "e2e-ssm";
    await appNamespace(context, ns);
    await context.aws.putParameter(settings.primaryRegion, "/e2e/app/flag", "on");
    await context.aws.putParameter(settings.primaryRegion, "/e2e/app/token", "s3cr3t-token", {
      type: "SecureString",
    });
    const pod = await mountApp(context, ns, "ssm", {
      parameters: { region: settings.primaryRegion },
      objects: [
        { objectName: "/e2e/app/flag", objectType: "ssmparameter", objectAlias: "flag" },
        { objectName: "/e2e/app/token", objectType: "ssmparameter", objectAlias: "token" },
      ],
    });
    expectEqual(await read(context, ns, pod, "flag"), "on", "String parameter");
    expectEqual(await read(context, ns, pod, "token"), "s3cr3t-token", "SecureString parameter");
  },
};

/** Failover: the primary region answers 5xx (fault proxy), the failover region's value is mounted. */
export const failover: Scenario = {
  name: "failover: primary region failing with 5xx, failover region mounted",
  async run(context) {
    const { settings } = context;
    const ns = "e2e-failover";
    await appNamespace(context, ns);
    await context.aws.createSecret(settings.primaryRegion, "RegionalSecret", "from-primary");
    await context.aws.createSecret(settings.failoverRegion, "RegionalSecret", "from-failover");
    const spc = {
      parameters: { region: settings.primaryRegion, failoverRegion: settings.failoverRegion },
      objects: [{ objectName: "RegionalSecret", objectType: "secretsmanager" }],
    };
    const healthy = await mountApp(context, ns, "failover-healthy", spc);
    expectEqual(await read(context, ns, healthy, "RegionalSecret"), "from-primary", "both up");
    await context.setFaults({ [settings.primaryRegion]: 500 });
    try {
      const degraded = await mountApp(context, ns, "failover-degraded", spc);
      expectEqual(
        await read(context, ns, degraded, "RegionalSecret"),
        "from-failover",
        "primary failing",
      );
    } finally {
      await context.setFaults({});
    }
  },
};

/** Negative: a missing secret fails the mount and the pod's events carry the provider's error. */
export const missingSecret: Scenario = {
  name: "negative: a missing secret shows the provider's error in the pod's events",
  async run(context) {
    const { settings, kubectl } = context;
    const ns = "e2e-negative";
    await appNamespace(context, ns);
    await kubectl.apply([
      secretProviderClass("missing", {
        namespace: ns,
        parameters: { region: settings.primaryRegion },
        objects: [{ objectName: "DoesNotExist", objectType: "secretsmanager" }],
      }),
      mountingDeployment("missing", {
        namespace: ns,
        serviceAccount: APP_SA,
        secretProviderClass: "missing",
        image: settings.workloadImage,
      }),
    ]);
    const pod = await waitFor(context, "the pod", () => kubectl.firstPod(ns, "missing"));
    const message = await waitFor(context, "a FailedMount event", async () => {
      const messages = await kubectl.podEvents(ns, pod, "FailedMount");
      return messages.find((text) => text.includes("DoesNotExist"));
    }, { timeoutMs: 120_000 });
    if (!message.includes(`failed to mount secrets store objects for pod ${ns}/${pod}`)) {
      throw new Error(`FailedMount event without the driver's mount error: ${message}`);
    }
  },
};

/** Every scenario, in the order they run (rotation follows sync: it reuses its pod). */
export const SCENARIOS: Scenario[] = [
  readmeWalkthrough,
  secretSync,
  rotation,
  jmesPath,
  ssmParameters,
  failover,
  missingSecret,
];

/** Outcome of one scenario. */
export interface ScenarioResult {
  /** Scenario name. */
  name: string;
  /** Error message, if it failed. */
  error?: string;
  /** Duration. */
  seconds: number;
}

/** Runs every scenario (a failure does not stop the others). */
export async function runScenarios(
  scenarios: Scenario[],
  context: ScenarioContext,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const started = performance.now();
    context.log(`▶ ${scenario.name}`);
    let error: string | undefined;
    try {
      await scenario.run(context);
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    context.log(`${error ? "✗" : "✓"} ${scenario.name} (${seconds} s)${error ? `: ${error}` : ""}`);
    results.push({ name: scenario.name, error, seconds });
  }
  return results;
}

/** The closing line: `N passed, M failed`. */
export function summaryLine(results: ScenarioResult[]): string {
  const failed = results.filter((result) => result.error !== undefined).length;
  return `${results.length - failed} passed, ${failed} failed`;
}
