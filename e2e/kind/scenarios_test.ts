/**
 * The scenarios against a fake cluster that behaves like driver + provider
 * (files from the emulator's current data, failover on a faulted region,
 * synced Secrets, FailedMount events): checks that each scenario seeds what
 * it later expects, reads the right files and reports failures.
 */

import assert from "node:assert/strict";
import { parse } from "yaml";
import type { KubeObject } from "./chart_render.ts";
import type { Kubectl } from "./kubectl.ts";
import type { RegionFaults } from "./region_fault_proxy.ts";
import {
  type AwsSeeding,
  runScenarios,
  type ScenarioContext,
  SCENARIOS,
  summaryLine,
  waitFor,
} from "./scenarios.ts";
import { e2eSettings } from "./settings.ts";

const settings = e2eSettings({});

interface Entry {
  objectName: string;
  objectAlias?: string;
  filePermission?: string;
  jmesPath?: { path: string; objectAlias: string; filePermission?: string }[];
}

/** A cluster whose driver and provider are simulated from the applied objects. */
class FakeCluster implements AwsSeeding {
  objects: KubeObject[] = [];
  values = new Map<string, string>();
  faults: RegionFaults = {};
  applied: string[] = [];

  createSecret(region: string, name: string, value: string) {
    this.values.set(`${region}/${name}`, value);
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

  classOfPod(ns: string, pod: string): KubeObject {
    const deployment = this.find("Deployment", ns, pod.replace(/-pod$/, ""));
    const name = deployment?.spec.template.spec.volumes[0].csi.volumeAttributes.secretProviderClass;
    const spc = this.find("SecretProviderClass", ns, name);
    if (!spc) throw new Error(`pod ${ns}/${pod} has no class`);
    return spc;
  }

  /** What the provider would mount: file name → [content, mode]. */
  mount(spc: KubeObject): Map<string, [string, string]> {
    const parameters = spc.spec.parameters;
    const primary = parameters.region ?? settings.primaryRegion; // the worker's label
    const region = this.faults[primary] ? parameters.failoverRegion : primary;
    const files = new Map<string, [string, string]>();
    for (const entry of parse(parameters.objects) as Entry[]) {
      const value = this.values.get(`${region}/${entry.objectName}`);
      if (value === undefined) throw new Error(`${entry.objectName} not found in ${region}`);
      const mode = entry.filePermission?.slice(1) ?? "644";
      files.set(entry.objectAlias ?? entry.objectName, [value, mode]);
      for (const path of entry.jmesPath ?? []) {
        files.set(path.objectAlias, [
          JSON.parse(value)[path.path],
          path.filePermission?.slice(1) ?? mode,
        ]);
      }
    }
    return files;
  }

  kubectl(): Kubectl {
    const run = (args: string[]): Promise<string> => {
      if (args[0] === "rollout") return Promise.resolve("");
      const [, , ns, pod, , command, ...rest] = args;
      if (args[0] === "exec" && command === "printenv") {
        const deployment = this.find("Deployment", ns, pod.replace(/-pod$/, ""));
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
        return Promise.resolve(`${this.mount(spc).get(file)![0]}\n`);
      }
      if (args[0] === "exec" && command === "stat") {
        const file = rest.at(-1)!.replace("/mnt/secrets-store/", "");
        return Promise.resolve(`${this.mount(this.classOfPod(ns, pod)).get(file)![1]}\n`);
      }
      throw new Error(`fake kubectl cannot run ${args.join(" ")}`);
    };
    const kubectl: Kubectl = {
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
      getJson: (args) => {
        const [kind, , ns, name] = args;
        assert.equal(kind, "secret");
        for (const spc of this.objects.filter((object) => object.kind === "SecretProviderClass")) {
          // deno-lint-ignore no-explicit-any
          const object = spc.spec.secretObjects?.find((s: any) => s.secretName === name);
          if (!object || spc.metadata.namespace !== ns) continue;
          const files = this.mount(spc);
          return Promise.resolve({
            apiVersion: "v1",
            kind: "Secret",
            metadata: {
              name,
              labels: { "secrets-store.csi.k8s.io/managed": "true", ...object.labels },
            },
            data: Object.fromEntries(
              // deno-lint-ignore no-explicit-any
              object.data.map((d: any) => [d.key, btoa(files.get(d.objectName)![0])]),
            ),
          });
        }
        return Promise.reject(new Error(`secrets "${name}" not found`));
      },
      firstPod: (ns, app) =>
        this.find("Deployment", ns, app)
          ? Promise.resolve(`${app}-pod`)
          : Promise.reject(new Error("no pod")),
      readFile: (ns, pod, path) => {
        const file = this.mount(this.classOfPod(ns, pod)).get(
          path.replace("/mnt/secrets-store/", ""),
        );
        return file ? Promise.resolve(file[0]) : Promise.reject(new Error(`${path}: no such file`));
      },
      podEvents: (ns, pod, reason) => {
        try {
          this.mount(this.classOfPod(ns, pod));
          return Promise.resolve([]);
        } catch (error) {
          return Promise.resolve([
            `MountVolume.SetUp failed for volume "secrets-store-inline" : rpc error: code = Unknown desc = ` +
            `failed to mount secrets store objects for pod ${ns}/${pod}, err: rpc error: code = Unknown ` +
            `desc = ${(error as Error).message} (${reason})`,
          ]);
        }
      },
    };
    return kubectl;
  }

  context(log: string[]): ScenarioContext {
    return {
      kubectl: this.kubectl(),
      aws: this,
      setFaults: (faults) => {
        this.faults = faults;
        return Promise.resolve();
      },
      settings,
      log: (message) => log.push(message),
      sleep: () => Promise.resolve(),
    };
  }
}

Deno.test("every scenario passes against a cluster that behaves like driver + provider", async () => {
  const cluster = new FakeCluster();
  const log: string[] = [];
  const results = await runScenarios(SCENARIOS, cluster.context(log));
  assert.deepEqual(results.filter((result) => result.error), []);
  assert.equal(summaryLine(results), "7 passed, 0 failed");
  assert.deepEqual(cluster.faults, {}, "failover clears its faults");
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

Deno.test("a provider that ignores failover makes the failover scenario fail", async () => {
  const cluster = new FakeCluster();
  const context = cluster.context([]);
  // This provider mounts the primary's value whatever the faults.
  const broken: ScenarioContext = { ...context, setFaults: () => Promise.resolve() };
  const failover = SCENARIOS.find((scenario) => scenario.name.startsWith("failover"))!;
  await assert.rejects(() => failover.run(broken), /primary failing: expected "from-failover"/);
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
