/**
 * The Helm chart: lint, and `helm template` with default and interesting
 * values, checked object by object. Helm is built from the Go module proxy
 * into .cache/bin on first use (about a minute); renders are offline (see
 * e2e/kind/chart_render.ts).
 */

import assert from "node:assert/strict";
import {
  CHART_DIR,
  copyDirectory,
  DEFAULT_FULLNAME,
  DEPENDENCY_STUB_CONFIGMAP,
  findObject,
  type KubeObject,
  offlineChartCopy,
  providerContainer,
  renderChart,
  type RenderOptions,
  runHelm,
} from "../../e2e/kind/chart_render.ts";
import { parse } from "yaml";
import { ensureGoTool, HELM } from "../../e2e/kind/go_tools.ts";
import { DRIVERS } from "../../devstack/control_plane/components.ts";
import { tempDir } from "../../devstack/mod.ts";
import { DRIVER_MODULE, goModuleDir } from "../../devstack/control_plane/install.ts";
import { DEFAULT_PERMISSIONS, permissionFlags } from "../../src/cli/permissions.ts";
import { chartPermissionOptions, defaultImageCommand, imageCommand } from "./expected_command.ts";

const helm = await ensureGoTool(HELM);

/** kubeVersion of the driver chart 1.6.0 (its Chart.yaml), which Chart.lock pins. */
const DRIVER_CHART_KUBE_VERSION = ">=1.30.0-0";

// deno-lint-ignore no-explicit-any
const chartYaml: Record<string, any> = parse(await Deno.readTextFile(`${CHART_DIR}/Chart.yaml`));

/** Names of the default render's objects. */
const NAME = DEFAULT_FULLNAME;
const CLUSTER_ROLE = `${NAME}-cluster-role`;
const CLUSTER_ROLE_BINDING = `${NAME}-cluster-role-binding`;

function render(options: RenderOptions & { chartDir?: string } = {}): Promise<KubeObject[]> {
  return renderChart({ helm, ...options });
}

function kinds(objects: KubeObject[]): string[] {
  return objects.map((object) => `${object.kind}/${object.metadata.name}`).sort();
}

function clusterRoleResources(objects: KubeObject[], name = CLUSTER_ROLE): string[] {
  const role = findObject(objects, "ClusterRole", name);
  // deno-lint-ignore no-explicit-any
  return role.rules.flatMap((rule: any) =>
    rule.resources.map((resource: string) => `${resource}:${rule.verbs.join(",")}`)
  );
}

function dependencyValues(objects: KubeObject[]) {
  return JSON.parse(
    findObject(objects, "ConfigMap", DEPENDENCY_STUB_CONFIGMAP).data["values.json"],
  );
}

Deno.test("helm lint passes for the chart as shipped (the dependency is only missing)", async () => {
  await using home = await tempDir("chart-test-");
  const output = await runHelm(helm, ["lint", CHART_DIR], home.path);
  assert.match(output, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

Deno.test("helm lint --strict passes once the dependency is present", async () => {
  await using dir = await tempDir("chart-test-");
  const root = dir.path;
  await offlineChartCopy(CHART_DIR, `${root}/chart`);
  const output = await runHelm(helm, ["lint", "--strict", `${root}/chart`], root);
  assert.match(output, /0 chart\(s\) failed/);
});

Deno.test("the default render has the Go chart's objects and names", async () => {
  const objects = await render();
  assert.deepEqual(kinds(objects), [
    "ClusterRole/secrets-provider-aws-secrets-store-csi-driver-provider-aws-cluster-role",
    "ClusterRoleBinding/secrets-provider-aws-secrets-store-csi-driver-provider-aws-cluster-role-binding",
    `ConfigMap/${DEPENDENCY_STUB_CONFIGMAP}`,
    "DaemonSet/secrets-provider-aws-secrets-store-csi-driver-provider-aws",
    "ServiceAccount/secrets-provider-aws-secrets-store-csi-driver-provider-aws",
  ]);
  const daemonSet = findObject(objects, "DaemonSet", NAME);
  assert.equal(daemonSet.metadata.namespace, "kube-system");
  assert.deepEqual(daemonSet.spec.selector.matchLabels, {
    app: "secrets-store-csi-driver-provider-aws",
  });
  assert.deepEqual(daemonSet.spec.updateStrategy, { type: "RollingUpdate" });
  assert.deepEqual(daemonSet.metadata.labels, {
    "helm.sh/chart": "secrets-store-csi-driver-provider-aws-0.1.0",
    "app.kubernetes.io/name": "secrets-store-csi-driver-provider-aws",
    "app.kubernetes.io/instance": "secrets-provider-aws",
    "app.kubernetes.io/managed-by": "Helm",
    app: "secrets-store-csi-driver-provider-aws",
  });
});

Deno.test("the default command is permissionFlags(DEFAULT_PERMISSIONS)", async () => {
  const { command, args } = providerContainer(await render());
  assert.deepEqual(command, defaultImageCommand());
  assert.deepEqual(
    command.slice(2, -2),
    permissionFlags(DEFAULT_PERMISSIONS),
  );
  assert.deepEqual(args, ["--provider-volume=/var/run/secrets-store-csi-providers"]);
});

Deno.test("the default pod spec matches the Go chart's, plus probes and the metrics port", async () => {
  const daemonSet = findObject(await render(), "DaemonSet", NAME);
  const pod = daemonSet.spec.template.spec;
  const { spec: container, env } = providerContainer([daemonSet]);
  assert.equal(
    pod.serviceAccountName,
    "secrets-provider-aws-secrets-store-csi-driver-provider-aws",
  );
  assert.equal(pod.hostNetwork, false);
  assert.equal(pod.dnsPolicy, undefined);
  assert.equal(pod.dnsConfig, undefined);
  assert.deepEqual(pod.tolerations, [{ operator: "Exists" }]);
  assert.equal(pod.priorityClassName, undefined);
  assert.deepEqual(pod.nodeSelector, { "kubernetes.io/os": "linux" });
  assert.deepEqual(
    pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
    [{
      matchExpressions: [{
        key: "eks.amazonaws.com/compute-type",
        operator: "NotIn",
        values: ["fargate"],
      }],
    }],
  );
  assert.equal(
    container.image,
    "ghcr.io/secrets-store-csi-driver-provider-aws-deno/provider:0.1.0",
  );
  assert.equal(container.imagePullPolicy, "IfNotPresent");
  assert.deepEqual(env, {});
  assert.deepEqual(container.resources, {
    requests: { cpu: "50m", memory: "128Mi" },
    limits: { cpu: "500m", memory: "256Mi" },
  });
  assert.deepEqual(container.securityContext, {
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
  });
  assert.deepEqual(container.volumeMounts, [
    { name: "providervol", mountPath: "/var/run/secrets-store-csi-providers" },
    {
      name: "mountpoint-dir",
      mountPath: "/var/lib/kubelet/pods",
      mountPropagation: "HostToContainer",
    },
  ]);
  assert.deepEqual(pod.volumes, [
    { name: "providervol", hostPath: { path: "/var/run/secrets-store-csi-providers" } },
    {
      name: "mountpoint-dir",
      hostPath: { path: "/var/lib/kubelet/pods", type: "DirectoryOrCreate" },
    },
  ]);
  assert.deepEqual(container.ports, [{ name: "metrics", containerPort: 8989, protocol: "TCP" }]);
  assert.deepEqual(container.livenessProbe.httpGet, { path: "/healthz", port: "metrics" });
  assert.deepEqual(container.readinessProbe.httpGet, { path: "/readyz", port: "metrics" });
  assert.equal(container.livenessProbe.enabled, undefined);
});

Deno.test("the default ClusterRole grants get on serviceaccounts, pods and nodes only", async () => {
  const objects = await render();
  assert.deepEqual(clusterRoleResources(objects), [
    "serviceaccounts:get",
    "pods:get",
    "nodes:get",
  ]);
  const binding = findObject(objects, "ClusterRoleBinding", CLUSTER_ROLE_BINDING);
  assert.equal(binding.roleRef.name, CLUSTER_ROLE);
  assert.deepEqual(binding.subjects, [{
    kind: "ServiceAccount",
    name: "secrets-provider-aws-secrets-store-csi-driver-provider-aws",
    namespace: "kube-system",
  }]);
});

Deno.test("the driver dependency gets tokenRequests for both audiences and keeps off Fargate", async () => {
  const values = dependencyValues(await render());
  assert.equal(values.install, true);
  assert.equal(values.fullnameOverride, "secrets-store-csi-driver");
  assert.deepEqual(values.tokenRequests, [
    { audience: "sts.amazonaws.com" },
    { audience: "pods.eks.amazonaws.com" },
  ]);
  const terms = values.linux.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
    .nodeSelectorTerms;
  assert.deepEqual(terms[0].matchExpressions.map((expression: { key: string }) => expression.key), [
    "type",
    "eks.amazonaws.com/compute-type",
  ]);
});

Deno.test("secrets-store-csi-driver.install=false leaves the driver out", async () => {
  const objects = await render({ set: ["secrets-store-csi-driver.install=false"] });
  assert.ok(!objects.some((object) => object.kind === "ConfigMap"));
  assert.equal(objects.length, 4);
});

Deno.test("awsRegion sets AWS_REGION and drops the pods and nodes rules", async () => {
  const objects = await render({ set: ["awsRegion=eu-west-1"] });
  assert.deepEqual(providerContainer(objects).env, { AWS_REGION: "eu-west-1" });
  assert.deepEqual(clusterRoleResources(objects), ["serviceaccounts:get"]);
});

Deno.test("driverWritesSecrets adds the flag and removes every kubelet path and volume", async () => {
  const objects = await render({ set: ["driverWritesSecrets=true"] });
  const { command, args, spec } = providerContainer(objects);
  assert.deepEqual(args, [
    "--provider-volume=/var/run/secrets-store-csi-providers",
    "--driver-writes-secrets=true",
  ]);
  assert.deepEqual(command, imageCommand(chartPermissionOptions({ driverWritesSecrets: true })));
  assert.ok(!command.join(" ").includes("/var/lib/kubelet"));
  assert.deepEqual(spec.volumeMounts.map((mount: { name: string }) => mount.name), [
    "providervol",
  ]);
  const pod = findObject(objects, "DaemonSet", NAME).spec.template.spec;
  assert.deepEqual(pod.volumes.map((volume: { name: string }) => volume.name), ["providervol"]);
});

Deno.test("useFipsEndpoint sets AWS_USE_FIPS_ENDPOINT to the string true", async () => {
  const objects = await render({ set: ["useFipsEndpoint=true"] });
  assert.deepEqual(providerContainer(objects).env, { AWS_USE_FIPS_ENDPOINT: "true" });
});

Deno.test("podIdentityHttpTimeout becomes --pod-identity-http-timeout", async () => {
  const { args } = providerContainer(await render({ set: ["podIdentityHttpTimeout=250ms"] }));
  assert.deepEqual(args.slice(1), ["--pod-identity-http-timeout=250ms"]);
});

Deno.test("k8sThrottlingParams from --set-json (the README's form) become --qps and --burst", async () => {
  const { args } = providerContainer(
    await render({ setJson: ['k8sThrottlingParams={"qps": "20", "burst": "40"}'] }),
  );
  assert.deepEqual(args.slice(1), ["--qps=20", "--burst=40"]);
  const onlyBurst = providerContainer(
    await render({ setJson: ['k8sThrottlingParams={"burst": 30}'] }),
  );
  assert.deepEqual(onlyBurst.args.slice(1), ["--burst=30"]);
});

Deno.test("eksAddonVersion becomes --eks-addon-version", async () => {
  const { args } = providerContainer(await render({ set: ["eksAddonVersion=v0.1.0-eksbuild.1"] }));
  assert.deepEqual(args.slice(1), ["--eks-addon-version=v0.1.0-eksbuild.1"]);
});

Deno.test("a custom providerVolume and kubeletPath move the flag, volumes and permissions", async () => {
  const objects = await render({
    set: [
      "providerVolume=/etc/kubernetes/secrets-store-csi-providers",
      "kubeletPath=/var/data/kubelet",
    ],
  });
  const { command, args, spec } = providerContainer(objects);
  assert.deepEqual(args, [
    "--provider-volume=/etc/kubernetes/secrets-store-csi-providers",
    "--kubelet-pods-dir=/var/data/kubelet/pods",
  ]);
  assert.deepEqual(
    command,
    imageCommand(chartPermissionOptions({
      providerVolume: "/etc/kubernetes/secrets-store-csi-providers",
      kubeletPath: "/var/data/kubelet",
    })),
  );
  assert.deepEqual(spec.volumeMounts.map((mount: { mountPath: string }) => mount.mountPath), [
    "/etc/kubernetes/secrets-store-csi-providers",
    "/var/data/kubelet/pods",
  ]);
  const pod = findObject(objects, "DaemonSet", NAME).spec.template.spec;
  assert.deepEqual(
    pod.volumes.map((volume: { hostPath: { path: string } }) => volume.hostPath.path),
    [
      "/etc/kubernetes/secrets-store-csi-providers",
      "/var/data/kubelet/pods",
    ],
  );
});

Deno.test("rbac.install=false renders no RBAC objects; rbac.serviceAccountName names the account", async () => {
  const objects = await render({
    set: ["rbac.install=false", "rbac.serviceAccountName=existing-sa"],
  });
  assert.deepEqual(objects.map((object) => object.kind).sort(), ["ConfigMap", "DaemonSet"]);
  assert.equal(
    findObject(objects, "DaemonSet", NAME).spec.template.spec.serviceAccountName,
    "existing-sa",
  );
  const withRbac = await render({ set: ["rbac.serviceAccountName=shared-sa"] });
  assert.equal(findObject(withRbac, "ServiceAccount", "shared-sa").metadata.name, "shared-sa");
  assert.equal(
    findObject(withRbac, "ClusterRoleBinding", CLUSTER_ROLE_BINDING).subjects[0].name,
    "shared-sa",
  );
});

Deno.test("serviceMonitor.enabled adds a headless Service and a ServiceMonitor on the metrics port", async () => {
  const objects = await render({
    set: ["serviceMonitor.enabled=true", "serviceMonitor.labels.release=prometheus"],
  });
  const service = findObject(objects, "Service", `${NAME}-metrics`);
  assert.equal(service.spec.clusterIP, "None");
  assert.deepEqual(service.spec.selector, { app: "secrets-store-csi-driver-provider-aws" });
  assert.deepEqual(service.spec.ports, [
    { name: "metrics", port: 8989, targetPort: "metrics", protocol: "TCP" },
  ]);
  const monitor = findObject(objects, "ServiceMonitor", NAME);
  assert.equal(monitor.apiVersion, "monitoring.coreos.com/v1");
  assert.equal(monitor.metadata.labels?.release, "prometheus");
  assert.deepEqual(monitor.spec.endpoints, [
    { port: "metrics", path: "/metrics", interval: "30s", scrapeTimeout: "10s" },
  ]);
  for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels)) {
    assert.equal(service.metadata.labels?.[key], value);
  }
});

Deno.test("port moves the listener, the container port and the net permission", async () => {
  const objects = await render({ set: ["port=9090"] });
  const { command, args, spec } = providerContainer(objects);
  assert.deepEqual(args.slice(1), ["--metrics-addr=:9090"]);
  assert.deepEqual(command, imageCommand(chartPermissionOptions({ port: 9090 })));
  assert.equal(spec.ports[0].containerPort, 9090);
});

Deno.test("awsEndpointUrl sets AWS_ENDPOINT_URL and allows exactly its host and port", async () => {
  const cases: [string, string][] = [
    ["http://172.18.0.7:5000", "172.18.0.7:5000"],
    ["https://aws-proxy.internal", "aws-proxy.internal:443"],
    ["http://moto.e2e.svc", "moto.e2e.svc:80"],
    ["http://[fd00::7]:4566", "[fd00::7]:4566"],
  ];
  for (const [url, host] of cases) {
    const { command, env } = providerContainer(await render({ set: [`awsEndpointUrl=${url}`] }));
    assert.deepEqual(env, { AWS_ENDPOINT_URL: url });
    assert.deepEqual(command, imageCommand(chartPermissionOptions({ endpointHost: host })), url);
  }
  await assert.rejects(
    () => render({ set: ["awsEndpointUrl=ftp://example.com"] }),
    /awsEndpointUrl "ftp:\/\/example.com": the scheme must be http or https/,
  );
});

Deno.test("our provider flags are rendered only when set", async () => {
  const { args, env } = providerContainer(
    await render({
      set: [
        "logLevel=debug",
        "k8sCacheTtl=1m",
        "mountConcurrency=4",
        "batchGetSecretValue=false",
      ],
      setJson: ['extraArgs=["--qps=7"]', 'extraEnv=[{"name": "AWS_MAX_ATTEMPTS", "value": "5"}]'],
    }),
  );
  assert.deepEqual(args.slice(1), [
    "--log-level=debug",
    "--k8s-cache-ttl=1m",
    "--mount-concurrency=4",
    "--batch-get-secret-value=false",
    "--qps=7",
  ]);
  assert.deepEqual(env, { AWS_MAX_ATTEMPTS: "5" });
});

Deno.test("pod-level values: names, labels, annotations, scheduling and DNS", async () => {
  const objects = await render({
    set: [
      "fullnameOverride=ascp",
      "commonLabels.team=platform",
      "podLabels.tier=node",
      "podAnnotations.note=hello",
      "priorityClassName=system-node-critical",
      "nodeSelector.pool=general",
      "tolerations[0].key=dedicated",
      "tolerations[0].operator=Equal",
      "tolerations[0].value=secrets",
      "tolerations[0].effect=NoSchedule",
      "imagePullSecrets[0].name=regcred",
      "dnsPolicy=ClusterFirstWithHostNet",
      "image.repository=registry.example/provider",
      "image.tag=dev",
      "image.pullPolicy=Always",
      "livenessProbe.enabled=false",
      "readinessProbe.periodSeconds=3",
    ],
    setJson: ['dnsConfig={"options": [{"name": "ndots", "value": "2"}]}'],
  });
  const daemonSet = findObject(objects, "DaemonSet", "ascp");
  const pod = daemonSet.spec.template;
  assert.equal(daemonSet.metadata.labels?.team, "platform");
  assert.equal(
    findObject(objects, "ClusterRole", "ascp-cluster-role").metadata.labels?.team,
    "platform",
  );
  assert.equal(pod.metadata.labels.tier, "node");
  assert.equal(pod.metadata.labels.team, "platform");
  assert.deepEqual(pod.metadata.annotations, { note: "hello" });
  assert.equal(pod.spec.priorityClassName, "system-node-critical");
  assert.deepEqual(pod.spec.nodeSelector, { "kubernetes.io/os": "linux", pool: "general" });
  assert.deepEqual(pod.spec.tolerations, [
    { key: "dedicated", operator: "Equal", value: "secrets", effect: "NoSchedule" },
  ]);
  assert.deepEqual(pod.spec.imagePullSecrets, [{ name: "regcred" }]);
  assert.equal(pod.spec.dnsPolicy, "ClusterFirstWithHostNet");
  assert.deepEqual(pod.spec.dnsConfig, { options: [{ name: "ndots", value: "2" }] });
  const { spec: container } = providerContainer(objects, "ascp");
  assert.equal(container.image, "registry.example/provider:dev");
  assert.equal(container.imagePullPolicy, "Always");
  assert.equal(container.livenessProbe, undefined);
  assert.equal(container.readinessProbe.periodSeconds, 3);
});

Deno.test("the full name follows the Go chart's rule", async () => {
  const cases: [RenderOptions, string][] = [
    [{ release: "secrets-store-csi-driver-provider-aws" }, "secrets-store-csi-driver-provider-aws"],
    [{ release: "ascp" }, "ascp-secrets-store-csi-driver-provider-aws"],
    [{ release: "ascp", set: ["nameOverride=aws"] }, "ascp-aws"],
  ];
  for (const [options, name] of cases) {
    // The provider's DaemonSets, by their chart label (the driver's carry the driver chart's).
    const daemonSets = (await render(options)).filter((object) =>
      object.kind === "DaemonSet" &&
      object.metadata.labels?.["helm.sh/chart"] === "secrets-store-csi-driver-provider-aws-0.1.0"
    );
    assert.deepEqual(daemonSets.map((daemonSet) => daemonSet.metadata.name), [name]);
  }
});

Deno.test("tolerations: [] restores the Go chart's default (no tolerations), from a values file or --set-json", async () => {
  const root = await Deno.makeTempDir();
  try {
    const valuesFile = `${root}/values.yaml`;
    await Deno.writeTextFile(valuesFile, "tolerations: []\n");
    for (const options of [{ values: [valuesFile] }, { setJson: ["tolerations=[]"] }]) {
      const pod = findObject(await render(options), "DaemonSet", NAME).spec.template.spec;
      assert.equal(pod.tolerations, undefined, JSON.stringify(options));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a driver chart left in charts/ by `helm dependency build` changes no render", async () => {
  const root = await Deno.makeTempDir();
  try {
    // A chart like the driver's (same name, objects of the same kinds as ours), packaged into the
    // chart's charts/ directory as `helm dependency build` does.
    const driver = `${root}/driver`;
    await Deno.mkdir(`${driver}/templates`, { recursive: true });
    await Deno.writeTextFile(
      `${driver}/Chart.yaml`,
      "apiVersion: v2\nname: secrets-store-csi-driver\nversion: 1.6.0\n",
    );
    await Deno.writeTextFile(
      `${driver}/templates/objects.yaml`,
      [
        "apiVersion: apps/v1",
        "kind: DaemonSet",
        "metadata: {name: secrets-store-csi-driver}",
        "spec: {template: {spec: {containers: [{name: secrets-store}]}}}",
        "---",
        "apiVersion: rbac.authorization.k8s.io/v1",
        "kind: ClusterRole",
        "metadata: {name: secretproviderclasses-role}",
        "rules: []",
        "",
      ].join("\n"),
    );
    const chart = `${root}/chart`;
    await copyDirectory(CHART_DIR, chart);
    await Deno.mkdir(`${chart}/charts`, { recursive: true });
    await runHelm(helm, ["package", driver, "--destination", `${chart}/charts`], root);
    // Helm loads both copies and picks one by file order: the render would differ only sometimes,
    // so check the offline copy itself, then the render.
    const copy = `${root}/copy`;
    await offlineChartCopy(chart, copy);
    assert.deepEqual([...Deno.readDirSync(`${copy}/charts`)].map((entry) => entry.name), [
      "secrets-store-csi-driver",
    ]);
    const withDownload = await render({ chartDir: chart });
    assert.ok(!withDownload.some((object) => object.metadata.name === "secrets-store-csi-driver"));
    assert.deepEqual(withDownload, await render());
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("kubeVersion is the driver chart's floor: Helm refuses older clusters", async () => {
  assert.equal(chartYaml.kubeVersion, DRIVER_CHART_KUBE_VERSION);
  await assert.rejects(
    () => render({ kubeVersion: "1.29.9" }),
    /chart requires kubeVersion: >=1\.30\.0-0 which is incompatible with Kubernetes v1\.29\.9/,
  );
  assert.ok((await render({ kubeVersion: "1.30.0" })).length > 0);
});

Deno.test("the driver chart we lock (1.6.0) needs no newer Kubernetes than our floor", async () => {
  // Offline too: the chart ships in the driver's Go module (v1.6.0), from the Go module proxy.
  const driverDir = await goModuleDir(DRIVER_MODULE, "v1.6.0", DRIVERS["v1.6.0"].moduleDir);
  const driverChart = parse(
    await Deno.readTextFile(`${driverDir}/charts/secrets-store-csi-driver/Chart.yaml`),
  );
  assert.equal(driverChart.version, "1.6.0");
  assert.equal(driverChart.kubeVersion, DRIVER_CHART_KUBE_VERSION);
});
