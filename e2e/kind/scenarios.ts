/**
 * The kind suite's scenarios: the seed README's walkthrough, then secret
 * sync, rotation, jmesPath, SSM, decoding (`objectEncoding`), an SSM path
 * selection, failover with the primary region failing,
 * EKS Pod Identity through an agent stand-in, a negative case, and last the
 * leak check over everything the provider logged and every event. Each runs
 * in its own namespace against a running cluster (driver + our provider) and
 * the emulator; they only need the small {@linkcode ScenarioContext}, so
 * tests can drive them with fakes.
 *
 * Values are distinctive (`r0tated-v1-Kp3`, not `v1`): the leak check looks
 * for every one of them, however short, in every log line and event.
 *
 * @module
 */

import { leakCheck } from "./leak_scenario.ts";
import {
  exampleObjects,
  irsaServiceAccount,
  mountingDeployment,
  namespace,
  roleArn,
  secretProviderClass,
} from "./manifests.ts";
import { podIdentity } from "./pod_identity_scenario.ts";
import {
  APP_SA,
  appNamespace,
  expectEqual,
  firstPod,
  mountApp,
  read,
  rollout,
  type Scenario,
  type ScenarioContext,
  secretValue,
  waitFor,
} from "./scenario_context.ts";

export * from "./scenario_context.ts";

/** The README's test secret. */
export const README_SECRET = '{"username":"memeuser", "password":"hunter2"}';
/** Rotation: the driver polls every 30 s and kubelet republishes about every minute. */
const ROTATION_TIMEOUT_MS = 240_000;

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
    await context.aws.createSecret(settings.primaryRegion, "RotatingSecret", "r0tated-v1-Kp3");
    const pod = await mountApp(context, ROTATION_NS, "rotation", {
      objects: [{ objectName: "RotatingSecret", objectType: "secretsmanager" }],
      parameters: { region: settings.primaryRegion },
      secretObjects: [{
        secretName: "rotating-secret",
        type: "Opaque",
        labels: { environment: "e2e" },
        data: [{ objectName: "RotatingSecret", key: "value" }],
      }],
      envFromSecrets: { ROTATING: ["rotating-secret", "value"] },
    });
    expectEqual(await read(context, ROTATION_NS, pod, "RotatingSecret"), "r0tated-v1-Kp3", "file");
    const synced = await waitFor(
      context,
      "Secret rotating-secret",
      () => secretValue(context, ROTATION_NS, "rotating-secret", "value"),
    );
    expectEqual(synced.value, "r0tated-v1-Kp3", "synced Secret value");
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
    expectEqual(env.trim(), "r0tated-v1-Kp3", "env var from the synced Secret");
  },
};

/** Rotation: a new secret version reaches the mounted file and the synced Secret. */
export const rotation: Scenario = {
  name: "rotation: a new version reaches the file and the synced Secret",
  async run(context) {
    const { settings } = context;
    const pod = await firstPod(context, ROTATION_NS, "rotation");
    await context.aws.putSecretValue(settings.primaryRegion, "RotatingSecret", "r0tated-v2-Kp3");
    context.log("waiting for the driver's rotation (poll interval 30 s)");
    await waitFor(context, "the rotated file", async () => {
      const content = await read(context, ROTATION_NS, pod, "RotatingSecret");
      return content === "r0tated-v2-Kp3" ? content : undefined;
    }, { timeoutMs: ROTATION_TIMEOUT_MS });
    await waitFor(context, "the rotated Secret", async () => {
      const synced = await secretValue(context, ROTATION_NS, "rotating-secret", "value");
      return synced?.value === "r0tated-v2-Kp3" ? synced : undefined;
    }, { timeoutMs: ROTATION_TIMEOUT_MS });
  },
};

/** The octal mode of a file of the pod's mount (`kubectl exec … stat`), e.g. `"600"`. */
async function fileMode(
  context: ScenarioContext,
  ns: string,
  pod: string,
  file: string,
): Promise<string> {
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
    `/mnt/secrets-store/${file}`,
  ]);
  return mode.trim();
}

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
    expectEqual(
      await fileMode(context, ns, pod, "MySecretPassword"),
      "600",
      "MySecretPassword's mode",
    );
  },
};

/** SSM Parameter Store: String and SecureString parameters. */
export const ssmParameters: Scenario = {
  name: "SSM Parameter Store: String and SecureString",
  async run(context) {
    const { settings } = context;
    const ns = "e2e-ssm";
    await appNamespace(context, ns);
    await context.aws.putParameter(settings.primaryRegion, "/e2e/app/flag", "fl4g-0n-Qm2");
    await context.aws.putParameter(settings.primaryRegion, "/e2e/app/token", "s3cr3t-t0ken-Qm2", {
      type: "SecureString",
    });
    const pod = await mountApp(context, ns, "ssm", {
      parameters: { region: settings.primaryRegion },
      objects: [
        { objectName: "/e2e/app/flag", objectType: "ssmparameter", objectAlias: "flag" },
        { objectName: "/e2e/app/token", objectType: "ssmparameter", objectAlias: "token" },
      ],
    });
    expectEqual(await read(context, ns, pod, "flag"), "fl4g-0n-Qm2", "String parameter");
    expectEqual(
      await read(context, ns, pod, "token"),
      "s3cr3t-t0ken-Qm2",
      "SecureString parameter",
    );
  },
};

/** A keystore kept as base64 text (wrapped, as `base64` writes it) and its decoded contents. */
export const ENCODED_KEYSTORE = {
  decoded: "-----BEGIN KEYSTORE-----\nk3ystore-Jq7-bytes\n-----END KEYSTORE-----\n",
  /** The base64 of `decoded`, wrapped at 16 columns. */
  stored:
    "LS0tLS1CRUdJTiBL\nRVlTVE9SRS0tLS0t\nCmszeXN0b3JlLUpx\nNy1ieXRlcwotLS0t\nLUVORCBLRVlTVE9S\nRS0tLS0tCg==",
};

/** Decoding: a base64 secret and a hex field of a JSON secret become their decoded bytes. */
export const decoding: Scenario = {
  name: "decoding: objectEncoding base64 and hex give the decoded bytes",
  async run(context) {
    const { settings } = context;
    const ns = "e2e-decoding";
    await appNamespace(context, ns);
    await context.aws.createSecret(
      settings.primaryRegion,
      "EncodedKeystore",
      ENCODED_KEYSTORE.stored,
    );
    await context.aws.createSecret(
      settings.primaryRegion,
      "EncodedJson",
      JSON.stringify({ token: "t0ken-Hx5", hex: "70696e2d3438323139" }), // "pin-48219"
    );
    const pod = await mountApp(context, ns, "decoding", {
      parameters: { region: settings.primaryRegion },
      objects: [
        {
          objectName: "EncodedKeystore",
          objectType: "secretsmanager",
          objectAlias: "keystore.pem",
          objectEncoding: "base64",
        },
        {
          objectName: "EncodedJson",
          objectType: "secretsmanager",
          jmesPath: [{ path: "hex", objectAlias: "pin", objectEncoding: "hex" }],
        },
      ],
    });
    expectEqual(
      await read(context, ns, pod, "keystore.pem"),
      ENCODED_KEYSTORE.decoded,
      "the decoded keystore",
    );
    expectEqual(await read(context, ns, pod, "pin"), "pin-48219", "the decoded jmesPath value");
  },
};

/** An SSM path selection: every parameter under the path, recursively, each as its own file. */
export const ssmPathSelection: Scenario = {
  name: "SSM path selection: every parameter under a path, recursively",
  async run(context) {
    const { settings } = context;
    const ns = "e2e-ssm-path";
    await appNamespace(context, ns);
    const region = settings.primaryRegion;
    await context.aws.putParameter(region, "/e2e/selected/db/host", "db-h0st-Wr2");
    await context.aws.putParameter(region, "/e2e/selected/db/password", "db-passw0rd-Wr2", {
      type: "SecureString",
    });
    await context.aws.putParameter(region, "/e2e/selected/flag", "fl4g-Wr2");
    await context.aws.putParameter(region, "/e2e/elsewhere", "n0t-selected-Wr2");
    const pod = await mountApp(context, ns, "ssm-path", {
      parameters: { region },
      objects: [{ path: "/e2e/selected", recursive: "true", filePermission: "0440" }],
    });
    expectEqual(await read(context, ns, pod, "_e2e_selected_db_host"), "db-h0st-Wr2", "db host");
    expectEqual(
      await read(context, ns, pod, "_e2e_selected_db_password"),
      "db-passw0rd-Wr2",
      "the SecureString, decrypted",
    );
    expectEqual(await read(context, ns, pod, "_e2e_selected_flag"), "fl4g-Wr2", "flag");
    const outside = await read(context, ns, pod, "_e2e_elsewhere").then(
      () => "mounted",
      () => "not mounted",
    );
    expectEqual(outside, "not mounted", "a parameter outside the path");
    expectEqual(
      await fileMode(context, ns, pod, "_e2e_selected_flag"),
      "440",
      "the selector's filePermission",
    );
  },
};

/** Failover: the primary region answers 5xx (fault proxy), the failover region's value is mounted. */
export const failover: Scenario = {
  name: "failover: primary region failing with 5xx, failover region mounted",
  async run(context) {
    const { settings } = context;
    const ns = "e2e-failover";
    await appNamespace(context, ns);
    await context.aws.createSecret(settings.primaryRegion, "RegionalSecret", "pr1mary-Zt8");
    await context.aws.createSecret(settings.failoverRegion, "RegionalSecret", "fa1lover-Zt8");
    const spc = {
      parameters: { region: settings.primaryRegion, failoverRegion: settings.failoverRegion },
      objects: [{ objectName: "RegionalSecret", objectType: "secretsmanager" }],
    };
    const healthy = await mountApp(context, ns, "failover-healthy", spc);
    expectEqual(await read(context, ns, healthy, "RegionalSecret"), "pr1mary-Zt8", "both up");
    await context.setFaults({ [settings.primaryRegion]: 500 });
    try {
      const degraded = await mountApp(context, ns, "failover-degraded", spc);
      expectEqual(
        await read(context, ns, degraded, "RegionalSecret"),
        "fa1lover-Zt8",
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
    const pod = await waitFor(context, "the pod", () => firstPod(context, ns, "missing"));
    const message = await waitFor(context, "a FailedMount event", async () => {
      const events = await context.kube.events({
        namespace: ns,
        involvedObject: pod,
        reason: "FailedMount",
      });
      return events.map((event) => event.message).find((text) => text.includes("DoesNotExist"));
    }, { timeoutMs: 120_000 });
    if (!message.includes(`failed to mount secrets store objects for pod ${ns}/${pod}`)) {
      throw new Error(`FailedMount event without the driver's mount error: ${message}`);
    }
  },
};

/**
 * Every scenario, in the order they run (rotation follows sync: it reuses its
 * pod; the leak check comes last: it reads what all the others caused).
 */
export const SCENARIOS: Scenario[] = [
  readmeWalkthrough,
  secretSync,
  rotation,
  jmesPath,
  ssmParameters,
  decoding,
  ssmPathSelection,
  failover,
  podIdentity,
  missingSecret,
  leakCheck,
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
