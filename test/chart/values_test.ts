/**
 * values.yaml keeps every value of the Go provider's chart (3.1.1) under the
 * same name, with the same default except the few we change on purpose (the
 * image, `resources`, `tolerations`), so existing `--set` flags and values
 * files keep working.
 */

import assert from "node:assert/strict";
import { parse } from "yaml";
import { CHART_DIR } from "../../e2e/kind/chart_render.ts";

// deno-lint-ignore no-explicit-any
const values: Record<string, any> = parse(await Deno.readTextFile(`${CHART_DIR}/values.yaml`));
// deno-lint-ignore no-explicit-any
const chart: Record<string, any> = parse(await Deno.readTextFile(`${CHART_DIR}/Chart.yaml`));

function at(path: string): unknown {
  // deno-lint-ignore no-explicit-any
  return path.split(".").reduce((node: any, key) => node?.[key], values);
}

/** Go chart key → its default (spec (g), values.yaml table). */
const GO_DEFAULTS: [string, unknown][] = [
  ["image.pullPolicy", "IfNotPresent"],
  ["awsRegion", ""],
  ["nameOverride", ""],
  ["fullnameOverride", ""],
  ["providerVolume", "/var/run/secrets-store-csi-providers"],
  ["kubeletPath", "/var/lib/kubelet"],
  ["driverWritesSecrets", false],
  ["commonLabels", {}],
  ["podLabels", {}],
  ["podAnnotations", {}],
  ["affinity", {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{
          matchExpressions: [{
            key: "eks.amazonaws.com/compute-type",
            operator: "NotIn",
            values: ["fargate"],
          }],
        }],
      },
    },
  }],
  ["priorityClassName", ""],
  ["nodeSelector", {}],
  ["port", 8989],
  ["updateStrategy", { type: "RollingUpdate" }],
  ["imagePullSecrets", []],
  ["rbac.install", true],
  ["securityContext.privileged", false],
  ["securityContext.allowPrivilegeEscalation", false],
  ["useFipsEndpoint", false],
  ["podIdentityHttpTimeout", null],
  ["dnsConfig", {}],
  ["secrets-store-csi-driver.install", true],
  ["secrets-store-csi-driver.fullnameOverride", "secrets-store-csi-driver"],
  ["secrets-store-csi-driver.tokenRequests", [
    { audience: "sts.amazonaws.com" },
    { audience: "pods.eks.amazonaws.com" },
  ]],
];

/**
 * Go chart keys whose default we change on purpose: key, the Go chart's
 * default (its values.yaml), ours. Each is listed among the differences in
 * the README and the chart's README.
 */
const DIFFERENCES: [string, unknown, unknown][] = [
  [
    "image.repository",
    "public.ecr.aws/aws-secrets-manager/secrets-store-csi-driver-provider-aws",
    "ghcr.io/secrets-store-csi-driver-provider-aws-deno/provider",
  ],
  ["image.tag", "3.1.1", "0.1.0"],
  [
    "resources",
    { requests: { cpu: "50m", memory: "100Mi" }, limits: { cpu: "50m", memory: "100Mi" } },
    { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  ],
  ["tolerations", [], [{ operator: "Exists" }]],
];

/** Keys the Go templates read but its values.yaml lacks: present here, off by default. */
const USED_BUT_ABSENT: [string, unknown][] = [
  ["dnsPolicy", ""],
  ["rbac.serviceAccountName", ""],
  ["k8sThrottlingParams", {}],
  ["eksAddonVersion", ""],
];

Deno.test("every Go chart value is present with the Go default", () => {
  for (const [key, expected] of GO_DEFAULTS) assert.deepEqual(at(key), expected, key);
  assert.ok("podIdentityHttpTimeout" in values);
});

Deno.test("the defaults we change differ from the Go chart's, as recorded", () => {
  for (const [key, goDefault, ours] of DIFFERENCES) {
    assert.notDeepEqual(ours, goDefault, key);
    assert.deepEqual(at(key), ours, key);
  }
});

Deno.test("both READMEs list every changed default among the differences from the Go chart", async () => {
  const chartReadme = await Deno.readTextFile(`${CHART_DIR}/README.md`);
  const readmes = {
    "README.md": await Deno.readTextFile(`${CHART_DIR}/../../README.md`),
    "chart README.md": chartReadme,
  };
  for (const [name, text] of Object.entries(readmes)) {
    const differences = text.slice(text.indexOf("Every value of the Go chart exists"));
    const sentence = differences.slice(0, differences.indexOf("\n\n"));
    for (const [key] of DIFFERENCES) {
      assert.ok(sentence.includes(`\`${key.split(".")[0]}\``), `${name} names ${key}`);
    }
  }
  // The values table (Go chart -> this chart) lives in the chart's README only.
  const row = (key: string) =>
    chartReadme.split("\n").find((line) => line.startsWith(`| \`${key}\``));
  assert.match(row("resources") ?? "", /50m \/ 100Mi requests and limits/);
  assert.match(row("tolerations") ?? "", /`\[\]`.*`\[\{operator: Exists\}\]`/);
});

Deno.test("the keys the Go templates use without defaults are declared and off", () => {
  for (const [key, expected] of USED_BUT_ABSENT) assert.deepEqual(at(key), expected, key);
});

Deno.test("the driver dependency keeps its nodes off Fargate and virtual kubelets", () => {
  const terms = at(
    "secrets-store-csi-driver.linux.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
  );
  assert.deepEqual(terms, [{
    matchExpressions: [
      { key: "type", operator: "NotIn", values: ["virtual-kubelet"] },
      { key: "eks.amazonaws.com/compute-type", operator: "NotIn", values: ["fargate"] },
    ],
  }]);
});

Deno.test("the image is ours, versioned like the chart", () => {
  assert.equal(
    values.image.repository,
    "ghcr.io/secrets-store-csi-driver-provider-aws-deno/provider",
  );
  assert.equal(values.image.tag, chart.appVersion);
});

Deno.test("Chart.yaml keeps the Go chart's name and driver dependency", () => {
  assert.equal(chart.name, "secrets-store-csi-driver-provider-aws");
  assert.equal(chart.version, "0.1.0");
  assert.deepEqual(chart.dependencies, [{
    name: "secrets-store-csi-driver",
    version: "^1",
    repository: "https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts",
    condition: "secrets-store-csi-driver.install",
  }]);
});

Deno.test("Chart.lock pins the driver chart 1.6.0 with the digest helm computes", async () => {
  const lock = parse(await Deno.readTextFile(`${CHART_DIR}/Chart.lock`));
  assert.deepEqual(lock.dependencies, [{
    name: "secrets-store-csi-driver",
    repository: "https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts",
    version: "1.6.0",
  }]);
  // helm's HashReq: sha256 of the JSON of [requested, locked] (Go field order, omitempty).
  const requested = chart.dependencies.map((dependency: Record<string, string>) => ({
    name: dependency.name,
    version: dependency.version,
    repository: dependency.repository,
    condition: dependency.condition,
  }));
  const locked = lock.dependencies.map((dependency: Record<string, string>) => ({
    name: dependency.name,
    version: dependency.version,
    repository: dependency.repository,
  }));
  const json = JSON.stringify([requested, locked]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(json));
  const hex = Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0"));
  assert.equal(lock.digest, `sha256:${hex.join("")}`);
});
