/**
 * The scenarios against a fake cluster that behaves like driver + provider
 * (files from the emulator's current data, failover on a faulted region,
 * synced Secrets, the Pod Identity agent's associations, FailedMount events,
 * provider logs): checks that each scenario seeds what it later expects,
 * reads the right files and reports failures.
 */

import assert from "node:assert/strict";
import { parse } from "yaml";
import type { KubeObject } from "./chart_render.ts";
import { runningPod } from "./_test_utils.ts";
import type { EventSummary, KubeReads, SecretSummary } from "./kube_reads.ts";
import type { Kubectl } from "./kubectl.ts";
import type { RegionFaults } from "./region_fault_proxy.ts";
import {
  type AwsSeeding,
  ENCODED_KEYSTORE,
  runScenarios,
  type ScenarioContext,
  SCENARIOS,
  summaryLine,
  waitFor,
} from "./scenarios.ts";
import { SeededValues } from "../../devstack/mod.ts";
import { stsSamples } from "./kind_suite.ts";
import { e2eSettings } from "./settings.ts";

const settings = e2eSettings({});

interface Entry {
  objectName?: string;
  objectAlias?: string;
  filePermission?: string;
  objectEncoding?: string;
  jmesPath?: {
    path: string;
    objectAlias: string;
    filePermission?: string;
    objectEncoding?: string;
  }[];
  path?: string;
  recursive?: string;
}

/** A cluster whose driver and provider are simulated from the applied objects. */
class FakeCluster implements AwsSeeding {
  objects: KubeObject[] = [];
  values = new Map<string, string>();
  seeded = new SeededValues();
  faults: RegionFaults = {};
  applied: string[] = [];
  /** What the fake provider logged; tests add lines to it. */
  providerLog: string[] = ['{"level":"info","msg":"Listening on the provider socket"}'];
  /** What the fake agent stand-in logged. */
  agentLog: string[] = [];
  /** Extra events; tests add some. */
  extraEvents: { reason: string; message: string }[] = [];
  /** false: a provider that never asks the Pod Identity agent (uses IRSA whatever the class says). */
  honoursPodIdentity = true;
  /** false: a provider that ignores objectEncoding (mounts the bytes as fetched). */
  decodes = true;
  /** false: a provider whose path selection ignores recursive (children only). */
  selectsRecursively = true;
  /** The reads and waits the scenarios made. */
  reads: string[] = [];

  createSecret(region: string, name: string, value: string) {
    this.values.set(`${region}/${name}`, value);
    this.seeded.record(value, `the value of ${name} in ${region}`);
    return Promise.resolve();
  }
  putSecretValue(region: string, name: string, value: string) {
    return this.createSecret(region, name, value);
  }
  putParameter(region: string, name: string, value: string) {
    return this.createSecret(region, name, value);
  }

  find(kind: string, ns: string, name: string): KubeObject | undefined {
    return this.objects.find((object) =>
      object.kind === kind && object.metadata.namespace === ns && object.metadata.name === name
    );
  }

  deploymentOfPod(ns: string, pod: string): KubeObject | undefined {
    return this.find("Deployment", ns, pod.replace(/-pod$/, ""));
  }

  classOfPod(ns: string, pod: string): KubeObject {
    const deployment = this.deploymentOfPod(ns, pod);
    const name = deployment?.spec.template.spec.volumes[0].csi.volumeAttributes.secretProviderClass;
    const spc = this.find("SecretProviderClass", ns, name);
    if (!spc) throw new Error(`pod ${ns}/${pod} has no class`);
    return spc;
  }

  /** The Pod Identity credentials' check: an agent that knows the pod's service account. */
  askAgent(ns: string, serviceAccount: string): void {
    const agent = this.objects.find((object) =>
      object.kind === "DaemonSet" && object.metadata.name === "eks-pod-identity-agent"
    );
    if (!agent) throw new Error("Pod Identity agent: request send failed, connection refused");
    const env = agent.spec.template.spec.containers[0].env;
    // deno-lint-ignore no-explicit-any
    const associations = JSON.parse(env.find((e: any) => e.name === "ASSOCIATIONS").value);
    const role = associations[`${ns}/${serviceAccount}`];
    if (!role) throw new Error(`AccessDeniedException: no association for ${ns}/${serviceAccount}`);
    this.agentLog.push(`served ${ns}/${serviceAccount} with ${role}`);
  }

  /** What the provider would mount for `pod`: file name → [content, mode]. */
  mount(ns: string, pod: string): Map<string, [string, string]> {
    const spc = this.classOfPod(ns, pod);
    const parameters = spc.spec.parameters;
    if (parameters.usePodIdentity === "true" && this.honoursPodIdentity) {
      this.askAgent(ns, this.deploymentOfPod(ns, pod)!.spec.template.spec.serviceAccountName);
    }
    const primary = parameters.region ?? settings.primaryRegion; // the worker's label
    const region = this.faults[primary] ? parameters.failoverRegion : primary;
    const files = new Map<string, [string, string]>();
    for (const entry of parse(parameters.objects) as Entry[]) {
      const mode = entry.filePermission?.slice(1) ?? "644";
      if (entry.path !== undefined) {
        for (const [name, value] of this.selected(region, entry)) {
          files.set(name.replaceAll("/", "_"), [this.decoded(value, entry.objectEncoding), mode]);
        }
        continue;
      }
      const value = this.values.get(`${region}/${entry.objectName}`);
      if (value === undefined) throw new Error(`${entry.objectName} not found in ${region}`);
      files.set(entry.objectAlias ?? entry.objectName!, [
        this.decoded(value, entry.objectEncoding),
        mode,
      ]);
      for (const path of entry.jmesPath ?? []) {
        files.set(path.objectAlias, [
          this.decoded(JSON.parse(value)[path.path], path.objectEncoding),
          path.filePermission?.slice(1) ?? mode,
        ]);
      }
    }
    return files;
  }

  /** Parameters under a selector's path in `region`, by name. */
  selected(region: string, entry: Entry): [string, string][] {
    const prefix = entry.path!.replace(/\/?$/, "/");
    const recursive = String(entry.recursive) === "true" && this.selectsRecursively;
    const found = [...this.values].flatMap(([key, value]): [string, string][] => {
      const name = key.slice(region.length + 1);
      const below = name.slice(prefix.length);
      return key.startsWith(`${region}/`) && name.startsWith(prefix) &&
          (recursive || !below.includes("/"))
        ? [[name, value]]
        : [];
    });
    if (found.length === 0) {
      throw new Error(`the selector path ${entry.path} matched no parameters in ${region}`);
    }
    return found;
  }

  /** A value as the provider decodes it for `encoding`. */
  decoded(value: string, encoding: string | undefined): string {
    if (!this.decodes || encoding === undefined || encoding === "utf-8") return value;
    if (encoding === "hex") {
      return String.fromCharCode(...value.match(/../g)!.map((pair) => parseInt(pair, 16)));
    }
    return atob(value.replace(/\n/g, ""));
  }

  failedMountMessage(ns: string, pod: string, error: Error): string {
    return `MountVolume.SetUp failed for volume "secrets-store-inline" : rpc error: code = Unknown desc = ` +
      `failed to mount secrets store objects for pod ${ns}/${pod}, err: rpc error: code = Unknown ` +
      `desc = ${error.message}`;
  }

  /** FailedMount events of every pod whose mount fails, and the extra ones. */
  events(): EventSummary[] {
    const failed = this.objects.filter((object) => object.kind === "Deployment").flatMap(
      (deployment) => {
        const { namespace: ns, name } = deployment.metadata;
        const pod = `${name}-pod`;
        try {
          this.mount(ns!, pod);
          return [];
        } catch (error) {
          return [{
            reason: "FailedMount",
            message: this.failedMountMessage(ns!, pod, error as Error),
            involved: { kind: "Pod", namespace: ns!, name: pod },
          }];
        }
      },
    );
    return [
      ...failed,
      ...this.extraEvents.map((event) => ({
        ...event,
        involved: { kind: "Pod", namespace: "e2e", name: "pod" },
      })),
    ];
  }

  kubectl(): Kubectl {
    const run = (args: string[]): Promise<string> => {
      const [, , ns, pod, , command, ...rest] = args;
      if (args[0] === "exec" && command === "printenv") {
        const deployment = this.deploymentOfPod(ns, pod);
        // deno-lint-ignore no-explicit-any
        const variable = deployment?.spec.template.spec.containers[0].env.find((v: any) =>
          v.name === rest[0]
        );
        const { name, key } = variable.valueFrom.secretKeyRef;
        const spc = this.classOfPod(ns, pod);
        // deno-lint-ignore no-explicit-any
        const object = spc.spec.secretObjects.find((s: any) => s.secretName === name);
        // deno-lint-ignore no-explicit-any
        const file = object.data.find((d: any) => d.key === key).objectName;
        return Promise.resolve(`${this.mount(ns, pod).get(file)![0]}\n`);
      }
      if (args[0] === "exec" && command === "stat") {
        const file = rest.at(-1)!.replace("/mnt/secrets-store/", "");
        return Promise.resolve(`${this.mount(ns, pod).get(file)![1]}\n`);
      }
      throw new Error(`fake kubectl cannot run ${args.join(" ")}`);
    };
    // The scenarios read through KubeReads; kubectl only applies and execs.
    const notForReads = () => Promise.reject(new Error("the scenarios read through KubeReads"));
    return {
      run,
      apply: (objects) => {
        for (const object of objects) {
          this.objects.push(object);
          this.applied.push(
            `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`,
          );
        }
        return Promise.resolve();
      },
      getJson: notForReads,
      firstPod: notForReads,
      readFile: (ns, pod, path) => {
        const file = this.mount(ns, pod).get(path.replace("/mnt/secrets-store/", ""));
        return file ? Promise.resolve(file[0]) : Promise.reject(new Error(`${path}: no such file`));
      },
      podEvents: notForReads,
    };
  }

  /** The Secret `name` as the driver would sync it from the class that names it. */
  syncedSecret(ns: string, name: string): SecretSummary | undefined {
    for (const spc of this.objects.filter((object) => object.kind === "SecretProviderClass")) {
      // deno-lint-ignore no-explicit-any
      const object = spc.spec.secretObjects?.find((s: any) => s.secretName === name);
      if (!object || spc.metadata.namespace !== ns) continue;
      const deployment = this.objects.find((candidate) =>
        candidate.kind === "Deployment" && candidate.metadata.namespace === ns &&
        candidate.spec.template.spec.volumes[0].csi.volumeAttributes.secretProviderClass ===
          spc.metadata.name
      )!;
      const files = this.mount(ns, `${deployment.metadata.name}-pod`);
      return {
        labels: { "secrets-store.csi.k8s.io/managed": "true", ...object.labels },
        data: Object.fromEntries(
          // deno-lint-ignore no-explicit-any
          object.data.map((d: any) => [d.key, btoa(files.get(d.objectName)![0])]),
        ),
      };
    }
    return undefined;
  }

  /** Reads and waits as client-node would answer them on this cluster. */
  kube(): KubeReads {
    return {
      pods: (ns, selector) => {
        this.reads.push(`pods ${ns} ${selector}`);
        const app = selector.replace(/^app=/, "");
        if (ns === "kube-system") {
          return Promise.resolve([runningPod("provider-abcde", ["provider"])]);
        }
        if (app === "eks-pod-identity-agent") {
          return Promise.resolve(
            this.find("DaemonSet", ns, app) ? [runningPod(`${app}-x`, ["agent"])] : [],
          );
        }
        return Promise.resolve(
          this.find("Deployment", ns, app) ? [runningPod(`${app}-pod`, ["app"])] : [],
        );
      },
      podLog: (ns, name, options) => {
        this.reads.push(
          `log ${ns}/${name} ${options.container}${options.previous ? " previous" : ""}`,
        );
        if (options.previous) {
          return Promise.reject(new Error("previous terminated container not found"));
        }
        if (ns === "kube-system") return Promise.resolve(this.providerLog.join("\n") + "\n");
        if (options.container === "agent") return Promise.resolve(this.agentLog.join("\n") + "\n");
        return Promise.reject(new Error(`no log of ${ns}/${name}`));
      },
      secret: (ns, name) => Promise.resolve(this.syncedSecret(ns, name)),
      events: (filter) => {
        this.reads.push(`events ${JSON.stringify(filter)}`);
        return Promise.resolve(
          this.events().filter((event) =>
            (filter.reason === undefined || event.reason === filter.reason) &&
            (filter.involvedObject === undefined || event.involved.name === filter.involvedObject)
          ),
        );
      },
      driverObjects: () => Promise.reject(new Error("not used by the scenarios")),
      rollout: (kind, ns, name) => {
        this.reads.push(`rollout ${kind} ${ns}/${name}`);
        return this.find(kind, ns, name)
          ? Promise.resolve()
          : Promise.reject(new Error(`${kind} ${ns}/${name} not found`));
      },
    };
  }

  context(log: string[]): ScenarioContext {
    return {
      kubectl: this.kubectl(),
      kube: this.kube(),
      aws: this,
      setFaults: (faults) => {
        this.faults = faults;
        return Promise.resolve();
      },
      settings,
      awsEndpointForPods: "http://172.18.0.9:8080",
      leakSamples: () =>
        Promise.resolve([
          ...this.seeded.all(),
          ...stsSamples({ tokens: [FAKE_TOKEN], credentials: ["fakeSessionT0ken/Qx"] }),
        ]),
      log: (message) => log.push(message),
      sleep: () => Promise.resolve(),
    };
  }
}

/** A service account token as STS saw it. */
const FAKE_TOKEN =
  "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXZhbHVl";

Deno.test("every scenario passes against a cluster that behaves like driver + provider", async () => {
  const cluster = new FakeCluster();
  const log: string[] = [];
  const results = await runScenarios(SCENARIOS, cluster.context(log));
  assert.deepEqual(results.filter((result) => result.error), []);
  assert.equal(summaryLine(results), "11 passed, 0 failed");
  assert.deepEqual(cluster.faults, {}, "failover clears its faults");
  // Rollouts are waited for through the reads (client-node in the suite), not kubectl.
  const rollouts = cluster.reads.filter((read) => read.startsWith("rollout "));
  assert.deepEqual(rollouts, [
    "rollout Deployment e2e-readme/nginx-irsa-deployment",
    "rollout Deployment e2e-rotation/rotation",
    "rollout Deployment e2e-jmespath/jmespath",
    "rollout Deployment e2e-ssm/ssm",
    "rollout Deployment e2e-decoding/decoding",
    "rollout Deployment e2e-ssm-path/ssm-path",
    "rollout Deployment e2e-failover/failover-healthy",
    "rollout Deployment e2e-failover/failover-degraded",
    "rollout DaemonSet e2e-pod-identity-agent/eks-pod-identity-agent",
    "rollout Deployment e2e-pod-identity/pod-identity",
  ]);
  // The leak check read both instances of every provider container, and every event.
  assert.ok(cluster.reads.includes("log kube-system/provider-abcde provider"));
  assert.ok(cluster.reads.includes("log kube-system/provider-abcde provider previous"));
  assert.ok(cluster.reads.includes("events {}"));
  assert.ok(cluster.reads.includes(
    'events {"namespace":"e2e-negative","involvedObject":"missing-pod","reason":"FailedMount"}',
  ));
});

Deno.test("the README walkthrough applies the example files with the IRSA service account", async () => {
  const cluster = new FakeCluster();
  await SCENARIOS[0].run(cluster.context([]));
  assert.deepEqual(cluster.applied, [
    "Namespace//e2e-readme",
    "ServiceAccount/e2e-readme/nginx-irsa-deployment-sa",
    "SecretProviderClass/e2e-readme/nginx-irsa-deployment-aws-secrets",
    "Service/e2e-readme/nginx-irsa-deployment",
    "Deployment/e2e-readme/nginx-irsa-deployment",
  ]);
  const account = cluster.find("ServiceAccount", "e2e-readme", "nginx-irsa-deployment-sa");
  assert.equal(
    account?.metadata.annotations?.["eks.amazonaws.com/role-arn"],
    "arn:aws:iam::123456789012:role/nginx-deployment-role",
  );
});

Deno.test("the decoding scenario seeds encoded values and mounts them with objectEncoding", async () => {
  const cluster = new FakeCluster();
  await scenario("decoding").run(cluster.context([]));
  assert.equal(
    cluster.values.get("us-west-2/EncodedKeystore"),
    ENCODED_KEYSTORE.stored,
    "stored encoded in the primary region",
  );
  const spc = cluster.find("SecretProviderClass", "e2e-decoding", "decoding");
  const objects = parse(spc?.spec.parameters.objects) as Entry[];
  assert.deepEqual(objects.map((entry) => entry.objectEncoding), ["base64", undefined]);
  assert.equal(objects[1].jmesPath?.[0].objectEncoding, "hex");
});

Deno.test("a provider that ignores objectEncoding fails the decoding scenario", async () => {
  const cluster = new FakeCluster();
  cluster.decodes = false;
  await assert.rejects(
    () => scenario("decoding").run(cluster.context([])),
    /the decoded keystore: expected "-----BEGIN KEYSTORE/,
  );
});

Deno.test("the SSM path scenario selects recursively; a provider that does not fails it", async () => {
  const cluster = new FakeCluster();
  await scenario("SSM path selection").run(cluster.context([]));
  const spc = cluster.find("SecretProviderClass", "e2e-ssm-path", "ssm-path");
  assert.deepEqual(parse(spc?.spec.parameters.objects), [
    { path: "/e2e/selected", recursive: "true", filePermission: "0440" },
  ]);
  const shallow = new FakeCluster();
  shallow.selectsRecursively = false;
  await assert.rejects(
    () => scenario("SSM path selection").run(shallow.context([])),
    /_e2e_selected_db_host: no such file/,
  );
});

Deno.test("a provider that ignores failover makes the failover scenario fail", async () => {
  const cluster = new FakeCluster();
  const context = cluster.context([]);
  // This provider mounts the primary's value whatever the faults.
  const broken: ScenarioContext = { ...context, setFaults: () => Promise.resolve() };
  const failover = SCENARIOS.find((scenario) => scenario.name.startsWith("failover"))!;
  await assert.rejects(() => failover.run(broken), /primary failing: expected "fa1lover-Zt8"/);
});

Deno.test("a failing scenario is reported and the others still run", async () => {
  const cluster = new FakeCluster();
  const log: string[] = [];
  const results = await runScenarios([
    { name: "fails", run: () => Promise.reject(new Error("boom")) },
    SCENARIOS[0],
  ], cluster.context(log));
  assert.deepEqual(results.map((result) => result.error), ["boom", undefined]);
  assert.equal(summaryLine(results), "1 passed, 1 failed");
  assert.ok(log.some((line) => line.startsWith("✗ fails") && line.endsWith(": boom")));
});

Deno.test("waitFor retries until a value comes, and times out with the last error", async () => {
  const context = new FakeCluster().context([]);
  let calls = 0;
  const value = await waitFor(context, "three calls", () => {
    calls += 1;
    return Promise.resolve(calls === 3 ? "done" : undefined);
  });
  assert.equal(value, "done");
  await assert.rejects(
    () =>
      waitFor(context, "never", () => Promise.reject(new Error("not yet")), {
        timeoutMs: 20,
        intervalMs: 10,
      }),
    /timed out after 0.02 s waiting for never: not yet/,
  );
});

function scenario(prefix: string) {
  return SCENARIOS.find((candidate) => candidate.name.startsWith(prefix))!;
}

/** A cluster where every scenario but the leak check has run. */
async function clusterAfterScenarios(): Promise<FakeCluster> {
  const cluster = new FakeCluster();
  const results = await runScenarios(
    SCENARIOS.filter((candidate) => !candidate.name.startsWith("leak check")),
    cluster.context([]),
  );
  assert.deepEqual(results.filter((result) => result.error), []);
  return cluster;
}

Deno.test("Pod Identity runs the agent stand-in on the link-local address and mounts through it", async () => {
  const cluster = new FakeCluster();
  await scenario("EKS Pod Identity").run(cluster.context([]));
  const daemonSet = cluster.find("DaemonSet", "e2e-pod-identity-agent", "eks-pod-identity-agent");
  assert.equal(daemonSet?.spec.template.spec.hostNetwork, true);
  const agent = daemonSet?.spec.template.spec.containers[0];
  assert.ok(agent.command.includes("--allow-net=169.254.170.23:80,172.18.0.9:8080"));
  assert.deepEqual(cluster.agentLog, [
    "served e2e-pod-identity/pi-app with arn:aws:iam::123456789012:role/e2e-pod-identity-role",
  ]);
  const spc = cluster.find("SecretProviderClass", "e2e-pod-identity", "pod-identity");
  assert.equal(spc?.spec.parameters.usePodIdentity, "true");
});

Deno.test("a provider that does not ask the Pod Identity agent fails the scenario", async () => {
  const cluster = new FakeCluster();
  cluster.honoursPodIdentity = false;
  await assert.rejects(
    () => scenario("EKS Pod Identity").run(cluster.context([])),
    /waiting for the agent stand-in's log line/,
  );
});

Deno.test("the leak check passes over clean logs and says how much it read", async () => {
  const cluster = await clusterAfterScenarios();
  const log: string[] = [];
  await scenario("leak check").run(cluster.context(log));
  assert.match(
    log.at(-1)!,
    /^checked 1 provider log lines and 1 events for \d+ values: none found$/,
  );
});

Deno.test("the leak check finds a seeded value in a provider log line", async () => {
  const cluster = await clusterAfterScenarios();
  cluster.providerLog.push(JSON.stringify({ msg: "mounted", value: "r0tated-v2-Kp3" }));
  await assert.rejects(
    () => scenario("leak check").run(cluster.context([])),
    /1 leak\(s\).*\n {2}the value of RotatingSecret in us-west-2 .*appears in provider pod provider-abcde provider log line 2/,
  );
});

Deno.test("the leak check finds tokens and STS credentials in events, and any JWT", async () => {
  const cluster = await clusterAfterScenarios();
  cluster.extraEvents.push(
    { reason: "FailedMount", message: `token ${FAKE_TOKEN}` },
    { reason: "FailedMount", message: "credentials fakeSessionT0ken/Qx" },
    { reason: "Warning", message: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvdGhlciJ9.c29tZXNpZ25hdHVyZQ" },
  );
  await assert.rejects(() => scenario("leak check").run(cluster.context([])), (error: Error) => {
    assert.match(
      error.message,
      /a web identity token sent to STS \(#1\).*appears in event FailedMount/,
    );
    assert.match(error.message, /an STS secret key or session token \(#1\).*appears in event/);
    assert.match(error.message, /a JWT appears in event Warning/);
    assert.ok(!error.message.includes(FAKE_TOKEN), "the message never holds the value");
    return true;
  });
});

Deno.test("the leak check refuses to pass over nothing", async () => {
  const cluster = await clusterAfterScenarios();
  cluster.providerLog = [];
  await assert.rejects(
    () => scenario("leak check").run(cluster.context([])),
    /no provider log line to check/,
  );
});

Deno.test("the leak check fails when a provider log cannot be read, rather than skip it", async () => {
  const cluster = await clusterAfterScenarios();
  const context = cluster.context([]);
  const kube = context.kube;
  const unreadable: ScenarioContext = {
    ...context,
    kube: {
      ...kube,
      podLog: (ns, pod, options) =>
        options.previous
          ? kube.podLog(ns, pod, options)
          : Promise.reject(new Error("container is waiting to start")),
    },
  };
  await assert.rejects(
    () => scenario("leak check").run(unreadable),
    /cannot read the log of provider pod provider-abcde \(provider\): container is waiting to start/,
  );
});
