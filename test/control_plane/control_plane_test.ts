/**
 * The provider against a real control plane and the real CSI driver binary,
 * with driver v1.6.0 and v1.5.6 (`deno task control-plane`; builds on first
 * use, see devstack/control_plane).
 *
 * Per driver release: moto (two regions) behind the fault proxy, etcd and
 * kube-apiserver, our chart and the driver's chart rendered and applied, the
 * driver as the node plugin, the provider as its DaemonSet runs it, and the
 * kubelet stand-in publishing pods' volumes. First the kind suite's
 * scenarios, unchanged (e2e/kind/scenarios.ts, through the kubectl stand-in),
 * then the scenarios only this suite can run: both write modes, the
 * SecretProviderClassPodStatus, the synced Secret's owner, republish inside
 * and after the rotation interval, identity under the chart's RBAC (and its
 * removal), a hostile class, retries after failed mounts, provider and
 * driver restarts with mounts in place, unpublish, and the leak check over
 * every log line of the provider and the driver.
 *
 * @module
 */

import assert from "node:assert/strict";
import { runScenarios } from "../../e2e/kind/scenarios.ts";
import { parseManifests } from "../../e2e/kind/chart_render.ts";
import { assertNoLeaks, type Stack, startStack } from "../../devstack/mod.ts";
import {
  type Cluster,
  containerEnv,
  DRIVER_MODULE,
  type DriverRelease,
  DRIVERS,
  goModuleDir,
  HAS_KUBELET_PODS_DIR_FLAG,
  isMountPoint,
  type KubeObject,
  objectPath,
  SECRETS_VOLUME,
  startCluster,
} from "../../devstack/control_plane/mod.ts";
import {
  applyClass,
  appNamespace,
  eventually,
  kindContext,
  lastUpdate,
  mountTypeAt,
  podFiles,
  podStatusOf,
  providerMounts,
  publishFails,
  publishOk,
  ROTATION_INTERVAL_MS,
  SETTINGS,
  SHARED_SCENARIOS,
  startPod,
  statusVersions,
  waitSince,
} from "./kit.ts";

const RELEASES: DriverRelease[] = ["v1.6.0", "v1.5.6"];
const PRIMARY = SETTINGS.primaryRegion;

/** What the scenarios of one release share. */
interface Stage {
  release: DriverRelease;
  /** The dev stack without a provider: the provider runs in the cluster. */
  aws: Stack;
  cluster: Cluster;
  /** Errors the kubelet stand-in received (they reach pod events; the leak check reads them). */
  errors: string[];
  /** Pods mounted in provider-writes mode that later scenarios keep looking at. */
  pods: Record<string, KubeObject>;
}

for (const release of RELEASES) {
  Deno.test({
    name: `control plane with driver ${release}`,
    sanitizeOps: false,
    sanitizeResources: false,
  }, async (t) => {
    await using aws = await startStack({ provider: false });
    await using cluster = await startCluster({
      release,
      awsEndpointUrl: aws.proxy.url,
      nodeLabels: { "topology.kubernetes.io/region": PRIMARY },
      rotationPollInterval: `${ROTATION_INTERVAL_MS / 1000}s`,
    });
    const stage: Stage = { release, aws, cluster, errors: [], pods: {} };

    const results = await runScenarios(SHARED_SCENARIOS, kindContext(cluster, aws));
    cluster.kubelet().forgetPods(); // the kind scenarios' pods stop being republished
    for (const result of results) {
      await t.step(`kind scenario: ${result.name}`, () => {
        if (result.error !== undefined) throw new Error(result.error);
      });
    }
    for (const [name, scenario] of SUITE) await t.step(name, () => scenario(stage));
  });
}

type Scenario = (stage: Stage) => Promise<void>;

const SUITE: [string, Scenario][] = [
  ["install: the driver module's CRDs, CSIDriver and RBAC, as served by the API server", install],
  [
    "mount (provider writes): files, modes, tmpfs, SecretProviderClassPodStatus",
    mountProviderWrites,
  ],
  ["secret sync: labels, owner, env var through the API", secretSync],
  ["rotation: republish inside the interval skips the provider, after it updates", rotation],
  ["identity: IRSA role and node region through the API under the chart's RBAC", identity],
  ["identity: without our ClusterRoleBinding the mount fails with the API's 403", rbacRemoved],
  ["hostile class: the error reaches the driver, the provider stays up", hostileClass],
  ["retry after a final error (provider's Unknown): kubelet cleans up, retry mounts", retryFinal],
  ["retry after DeadlineExceeded (provider crashed) inside the rotation interval", retryDeadline],
  [
    "retry after DeadlineExceeded when the kubelet's deadline exceeds the rotation interval",
    retryDeadlineLongerThanInterval,
  ],
  ["provider restart with mounts in place; mount in driver-writes mode", providerRestart],
  ["driver restart with mounts in place; republish and unpublish after it", driverRestart],
  ["unpublish: tmpfs unmounted, target removed", unpublish],
  ["leak check: no secret or token in any provider or driver log line or error", leakCheck],
];

/** The driver module's own deploy manifests: what the rendered install must hold. */
async function deployManifests(release: DriverRelease): Promise<KubeObject[]> {
  const dir = await goModuleDir(DRIVER_MODULE, release, DRIVERS[release].moduleDir);
  const objects: KubeObject[] = [];
  for await (const entry of Deno.readDir(`${dir}/deploy`)) {
    if (!entry.name.endsWith(".yaml") || entry.name.includes("windows")) continue;
    objects.push(
      ...parseManifests(await Deno.readTextFile(`${dir}/deploy/${entry.name}`)) as KubeObject[],
    );
  }
  return objects;
}

async function install(stage: Stage): Promise<void> {
  const { cluster, release } = stage;
  const deployed = await deployManifests(release);
  const served = async (object: KubeObject) => {
    const found = await cluster.kube.get(objectPath({
      kind: object.kind,
      apiVersion: object.apiVersion,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
    }));
    assert.ok(found, `${object.kind} ${object.metadata.name} is not in the API server`);
    return found;
  };
  const crds = deployed.filter((object) => object.kind === "CustomResourceDefinition");
  assert.equal(crds.length, 2);
  for (const crd of crds) {
    assert.deepEqual(
      (await served(crd)).spec.versions.map((version: { name: string }) => version.name),
      crd.spec.versions.map((version: { name: string }) => version.name),
    );
    const rendered = cluster.objects.find((object) => object.metadata.name === crd.metadata.name);
    assert.deepEqual(rendered?.spec, crd.spec, `CRD ${crd.metadata.name} as in deploy/`);
  }
  // Every ClusterRole of deploy/ that a node plugin with sync (and, for v1.5, rotation and token
  // requests) needs, with the same rules, bound to the driver's service account.
  for (
    const role of deployed.filter((object) =>
      object.kind === "ClusterRole" && !/admin|viewer/.test(object.metadata.name)
    )
  ) {
    assert.deepEqual((await served(role)).rules, role.rules, `ClusterRole ${role.metadata.name}`);
  }
  for (const binding of deployed.filter((object) => object.kind === "ClusterRoleBinding")) {
    assert.deepEqual((await served(binding)).subjects, binding.subjects);
  }
  const csiDriver = deployed.find((object) => object.kind === "CSIDriver")!;
  const servedDriver = await served(csiDriver);
  for (const [field, value] of Object.entries(csiDriver.spec)) {
    assert.deepEqual(servedDriver.spec[field], value, `CSIDriver spec.${field}`);
  }
  // Our chart's values add the token audiences the provider needs.
  assert.deepEqual(
    servedDriver.spec.tokenRequests.map((request: { audience: string }) => request.audience),
    ["sts.amazonaws.com", "pods.eks.amazonaws.com"],
  );
  // And ours: the provider's ClusterRole as the chart renders it.
  const ours = cluster.objects.find((object) =>
    object.kind === "ClusterRole" && object.metadata.name.endsWith("provider-aws-cluster-role")
  )!;
  assert.deepEqual((await served(ours)).rules, ours.rules);
}

async function mountProviderWrites(stage: Stage): Promise<void> {
  const { cluster, aws } = stage;
  const ns = "cp-mount";
  await appNamespace(cluster, ns);
  const db = await aws.seeder.createSecret(
    PRIMARY,
    "cp/db",
    '{"username":"cp-admin","password":"cp-pw-7c1e9d"}',
  );
  const flag = await aws.seeder.putParameter(PRIMARY, "/cp/flag", "cp-flag-on", {
    type: "SecureString",
  });
  await applyClass(cluster, "mount", {
    namespace: ns,
    parameters: { region: PRIMARY },
    objects: [
      {
        objectName: "cp/db",
        objectType: "secretsmanager",
        filePermission: "0640",
        jmesPath: [{ path: "password", objectAlias: "db-password", filePermission: "0400" }],
      },
      { objectName: "/cp/flag", objectType: "ssmparameter", objectAlias: "flag" },
    ],
  });
  if (HAS_KUBELET_PODS_DIR_FLAG) {
    // The provider writes only inside the kubelet's layout under the node's pods directory.
    assert.ok(
      cluster.provider().command.args.includes(
        `--kubelet-pods-dir=${cluster.nodeRoot}/var/lib/kubelet/pods`,
      ),
    );
  }
  const pod = await startPod(cluster, "mount-app", { namespace: ns, spc: "mount" });
  const target = await publishOk(cluster, pod);
  assert.equal(
    target,
    `${cluster.nodeRoot}/var/lib/kubelet/pods/${pod.metadata.uid}/volumes/kubernetes.io~csi/${SECRETS_VOLUME}/mount`,
  );
  assert.equal(await mountTypeAt(target), "tmpfs", "the driver mounts a tmpfs on the target path");
  assert.deepEqual(await podFiles(target), {
    cp_db: { mode: 0o640, text: '{"username":"cp-admin","password":"cp-pw-7c1e9d"}' },
    "db-password": { mode: 0o400, text: "cp-pw-7c1e9d" },
    flag: { mode: 0o644, text: "cp-flag-on" },
  });
  const status = await podStatusOf(cluster, pod, "mount");
  assert.equal(status?.status?.mounted, true);
  assert.equal(status?.status?.targetPath, target);
  assert.equal(
    status?.metadata.labels?.["internal.secrets-store.csi.k8s.io/node-name"],
    cluster.nodeName,
  );
  assert.deepEqual(statusVersions(status), {
    cp_db: db.versionId,
    "db-password": db.versionId,
    flag: String(flag.version),
  });
  stage.pods.mount = pod;
}

async function secretSync(stage: Stage): Promise<void> {
  const { cluster, aws } = stage;
  const ns = "cp-sync";
  await appNamespace(cluster, ns);
  await aws.seeder.createSecret(PRIMARY, "cp/token", "cp-token-v1-5a8f");
  await applyClass(cluster, "sync", {
    namespace: ns,
    parameters: { region: PRIMARY },
    objects: [{ objectName: "cp/token", objectType: "secretsmanager", objectAlias: "token" }],
    secretObjects: [{
      secretName: "app-token",
      type: "Opaque",
      labels: { team: "cp" },
      data: [{ objectName: "token", key: "value" }],
    }],
  });
  const pod = await startPod(cluster, "sync-app", {
    namespace: ns,
    spc: "sync",
    envFromSecrets: { APP_TOKEN: ["app-token", "value"] },
  });
  await publishOk(cluster, pod);
  const secret = await eventually(
    "the synced Secret",
    () => cluster.kube.get(objectPath({ kind: "Secret", namespace: ns, name: "app-token" })),
  );
  assert.equal(atob(secret.data.value), "cp-token-v1-5a8f");
  assert.equal(secret.metadata.labels?.["secrets-store.csi.k8s.io/managed"], "true");
  assert.equal(secret.metadata.labels?.team, "cp");
  const status = await podStatusOf(cluster, pod, "sync");
  // A pod without owners: the driver's patcher makes its SecretProviderClassPodStatus the owner.
  const owners = await eventually("the Secret's owner", async () => {
    const current = await cluster.kube.get(
      objectPath({ kind: "Secret", namespace: ns, name: "app-token" }),
    );
    return current?.metadata.ownerReferences?.map((ref) => [ref.kind, ref.name, ref.uid]);
  });
  assert.deepEqual(owners, [[
    "SecretProviderClassPodStatus",
    status?.metadata.name,
    status?.metadata.uid,
  ]]);
  assert.deepEqual(await containerEnv(cluster.kube, pod), { APP_TOKEN: "cp-token-v1-5a8f" });
  stage.pods.sync = pod;
}

async function rotation(stage: Stage): Promise<void> {
  const { cluster, aws, release } = stage;
  const pod = stage.pods.sync;
  assert.ok(pod, "needs the secret sync scenario's pod");
  const target = cluster.kubelet().targetPath(pod, SECRETS_VOLUME);
  // Let the last mount age past the interval, so that this republish is due…
  await waitSince(await lastUpdate(target), ROTATION_INTERVAL_MS + 100);
  const { versionId } = await aws.seeder.putSecretValue(PRIMARY, "cp/token", "cp-token-v2-93be");
  if (release === "v1.6.0") {
    await publishOk(cluster, pod);
    assert.equal(
      (await podFiles(target)).token.text,
      "cp-token-v2-93be",
      "republish after the interval",
    );
    // The driver dates the last update by the target directory's modification time.
    const updated = await lastUpdate(target);
    const calls = providerMounts(cluster, pod.metadata.name).length;
    // …and this one, right after, is not: the driver skips it without calling the provider.
    const { versionId: v3 } = await aws.seeder.putSecretValue(
      PRIMARY,
      "cp/token",
      "cp-token-v3-0d44",
    );
    const early = Date.now();
    await publishOk(cluster, pod);
    assert.ok(
      early - updated < ROTATION_INTERVAL_MS,
      "the second republish ran inside the interval",
    );
    assert.equal(providerMounts(cluster, pod.metadata.name).length, calls, "no provider call");
    assert.equal((await podFiles(target)).token.text, "cp-token-v2-93be");
    await syncedAt(cluster, pod, { version: versionId, value: "cp-token-v2-93be" });
    // The next republish after the interval picks up v3.
    await waitSince(updated, ROTATION_INTERVAL_MS + 100);
    await publishOk(cluster, pod);
    assert.equal((await podFiles(target)).token.text, "cp-token-v3-0d44");
    await syncedAt(cluster, pod, { version: v3, value: "cp-token-v3-0d44" });
  } else {
    // v1.5: a republish of a mounted volume never reaches the provider; the driver's own
    // rotation reconciler polls the provider every interval.
    const calls = providerMounts(cluster, pod.metadata.name).length;
    await publishOk(cluster, pod);
    assert.equal(providerMounts(cluster, pod.metadata.name).length, calls, "no provider call");
    await syncedAt(cluster, pod, { version: versionId, value: "cp-token-v2-93be" });
    assert.equal((await podFiles(target)).token.text, "cp-token-v2-93be", "the rotated file");
  }
}

/** Waits until the sync pod's status and synced Secret show `version` and `value`. */
async function syncedAt(
  cluster: Cluster,
  pod: KubeObject,
  expected: { version: string; value: string },
): Promise<void> {
  await eventually(`the status and the Secret at ${expected.value}`, async () => {
    const versions = statusVersions(await podStatusOf(cluster, pod, "sync"));
    const secret = await cluster.kube.get(
      objectPath({ kind: "Secret", namespace: "cp-sync", name: "app-token" }),
    );
    return versions.token === expected.version && atob(secret?.data.value) === expected.value
      ? true
      : undefined;
  }, { timeoutMs: 6 * ROTATION_INTERVAL_MS });
}

async function identity(stage: Stage): Promise<void> {
  const { cluster, aws } = stage;
  const ns = "cp-identity";
  const role = await appNamespace(cluster, ns);
  await aws.seeder.createSecret(PRIMARY, "cp/regional", "cp-regional-4b1d");
  // No region parameter: the provider reads the pod's node and its region label.
  await applyClass(cluster, "noregion", {
    namespace: ns,
    objects: [{ objectName: "cp/regional", objectType: "secretsmanager" }],
  });
  const pod = await startPod(cluster, "identity-app", { namespace: ns, spc: "noregion" });
  const target = await publishOk(cluster, pod);
  assert.equal((await podFiles(target))["cp_regional"].text, "cp-regional-4b1d");
  const [line] = providerMounts(cluster, pod.metadata.name);
  assert.equal(line.principal, `irsa:${role}`);
  assert.deepEqual(line.regions, [PRIMARY]);
  const sts = aws.proxy.calls().filter((call) => call.api === "AssumeRoleWithWebIdentity");
  assert.ok(sts.length > 0, "the provider assumed the role through STS");
}

async function rbacRemoved(stage: Stage): Promise<void> {
  const { cluster, aws } = stage;
  const binding = cluster.objects.find((object) =>
    object.kind === "ClusterRoleBinding" &&
    object.roleRef?.name?.endsWith("secrets-store-csi-driver-provider-aws-cluster-role")
  );
  assert.ok(binding, "the chart renders our ClusterRoleBinding");
  const providerAccount = binding.subjects[0];
  const ns = "cp-rbac";
  await appNamespace(cluster, ns);
  await aws.seeder.createSecret(PRIMARY, "cp/rbac", "cp-rbac-e6f0");
  // With a region, the only lookup left is the service account's role annotation.
  await applyClass(cluster, "rbac", {
    namespace: ns,
    parameters: { region: PRIMARY },
    objects: [{ objectName: "cp/rbac", objectType: "secretsmanager" }],
  });
  const path = objectPath({ kind: "ClusterRoleBinding", name: binding.metadata.name });
  assert.ok(await cluster.kube.delete(path));
  try {
    const pod = await startPod(cluster, "rbac-app", { namespace: ns, spc: "rbac" });
    const failure = await eventually("the 403", async () => {
      const outcome = await publishFails(cluster, pod);
      stage.errors.push(outcome.message);
      return outcome.message.includes("forbidden") ? outcome : undefined;
    });
    assert.match(
      failure.message,
      /^rpc error: code = Unknown desc = failed to mount secrets store objects for pod cp-rbac\/rbac-app/,
    );
    assert.ok(
      failure.message.includes(
        `serviceaccounts "app" is forbidden: User "system:serviceaccount:${providerAccount.namespace}:${providerAccount.name}" cannot get resource "serviceaccounts"`,
      ),
      failure.message,
    );
    assert.equal(failure.final, true);
    // Nothing mounted, nothing left: the driver unmounted its tmpfs, the kubelet removed the directory.
    await assert.rejects(Deno.stat(failure.targetPath), Deno.errors.NotFound);
  } finally {
    await cluster.kube.apply(binding);
  }
}

async function hostileClass(stage: Stage): Promise<void> {
  const { cluster } = stage;
  const ns = "cp-hostile";
  await appNamespace(cluster, ns);
  await applyClass(cluster, "hostile", {
    namespace: ns,
    parameters: { region: PRIMARY },
    objects: [{
      objectName: "x",
      objectType: "secretsmanager",
      objectAlias: "../../../../etc/passwd",
    }],
  });
  const pod = await startPod(cluster, "hostile-app", { namespace: ns, spc: "hostile" });
  const failure = await publishFails(cluster, pod);
  stage.errors.push(failure.message);
  assert.match(
    failure.message,
    /failed to mount secrets store objects for pod cp-hostile\/hostile-app/,
  );
  assert.match(failure.message, /\.\./, "the provider's own error text reaches the driver");
  await assert.rejects(Deno.stat(failure.targetPath), Deno.errors.NotFound);
  const ready = await fetch(`${cluster.provider().metricsUrl}/readyz`);
  await ready.body?.cancel();
  assert.equal(ready.status, 200, "the provider is still serving");
  assert.ok(cluster.provider().child.running());
  // And it still mounts.
  assert.ok(stage.pods.mount);
  const again = await startPod(cluster, "after-hostile", { namespace: "cp-mount", spc: "mount" });
  await publishOk(cluster, again);
}

async function retryFinal(stage: Stage): Promise<void> {
  const { cluster, aws } = stage;
  const ns = "cp-retry";
  await appNamespace(cluster, ns);
  await applyClass(cluster, "later", {
    namespace: ns,
    parameters: { region: PRIMARY },
    objects: [{ objectName: "cp/later", objectType: "secretsmanager" }],
  });
  const pod = await startPod(cluster, "retry-app", { namespace: ns, spc: "later" });
  const failure = await publishFails(cluster, pod);
  stage.errors.push(failure.message);
  assert.equal(
    failure.final,
    true,
    `the driver passes the provider's Unknown on: ${failure.message}`,
  );
  await assert.rejects(Deno.stat(failure.targetPath), Deno.errors.NotFound);
  await aws.seeder.createSecret(PRIMARY, "cp/later", "cp-later-2f7a");
  // The kubelet's first retry comes 0.5 s later: well inside the rotation interval.
  const target = await publishOk(cluster, pod);
  assert.equal(await mountTypeAt(target), "tmpfs");
  assert.equal((await podFiles(target))["cp_later"].text, "cp-later-2f7a");
}

/**
 * Kills the provider (its socket file stays, as after a crash), publishes
 * `name`'s volume with a kubelet deadline of `deadlineMs` (it fails with
 * DeadlineExceeded: the driver waits for the provider until then), starts
 * the provider again and lets the kubelet retry.
 */
async function crashThenRetry(stage: Stage, name: string, deadlineMs: number) {
  const { cluster } = stage;
  const pod = await startPod(cluster, name, { namespace: "cp-crash", spc: "crash" });
  await cluster.stopProvider("SIGKILL");
  const started = Date.now();
  const failure = await publishFails(cluster, pod, { timeoutMs: deadlineMs });
  stage.errors.push(failure.message);
  assert.match(failure.message, /^rpc error: code = DeadlineExceeded/);
  assert.equal(failure.final, false, "the kubelet keeps the directory and retries");
  await cluster.startProvider();
  const calls = providerMounts(cluster, name).length;
  const retriedAfter = Date.now() - started;
  const outcome = await cluster.kubelet().publish(pod, SECRETS_VOLUME);
  return { pod, outcome, retriedAfter, calls };
}

async function crashNamespace(stage: Stage): Promise<void> {
  const { cluster, aws } = stage;
  if (await cluster.kube.get(objectPath({ kind: "Namespace", name: "cp-crash" }))) return;
  await appNamespace(cluster, "cp-crash");
  await aws.seeder.createSecret(PRIMARY, "cp/crash", "cp-crash-81c3");
  await applyClass(cluster, "crash", {
    namespace: "cp-crash",
    parameters: { region: PRIMARY },
    objects: [{ objectName: "cp/crash", objectType: "secretsmanager" }],
  });
}

async function retryDeadline(stage: Stage): Promise<void> {
  const { cluster, release } = stage;
  await crashNamespace(stage);
  // The kubelet's deadline is 2 minutes on a node; 2 s here, both with a retry that comes
  // sooner after the directory was made than the rotation interval.
  const { pod, outcome, retriedAfter, calls } = await crashThenRetry(stage, "crash-app", 2_000);
  assert.ok(retriedAfter < ROTATION_INTERVAL_MS, `the retry came ${retriedAfter} ms later`);
  if (release === "v1.6.0") {
    // The finding (README, "Driver v1.6 with secret rotation"): success, nothing mounted, no
    // provider call.
    assert.equal(outcome.ok, true, "driver v1.6.0 answers the retry with success");
    assert.equal(await isMountPoint(outcome.targetPath), false, "…with nothing mounted");
    assert.deepEqual(await podFiles(outcome.targetPath), {}, "…and no files");
    assert.equal(
      providerMounts(cluster, pod.metadata.name).length,
      calls,
      "…without a provider call",
    );
    // Only a republish after the interval mounts the secrets (a running container does not see it).
    await waitSince(await lastUpdate(outcome.targetPath), ROTATION_INTERVAL_MS + 100);
    const target = await publishOk(cluster, pod);
    assert.equal(await mountTypeAt(target), "tmpfs");
    assert.equal((await podFiles(target))["cp_crash"].text, "cp-crash-81c3");
  } else {
    assert.equal(outcome.ok, true, outcome.ok ? "" : outcome.message);
    assert.equal(
      await mountTypeAt(outcome.targetPath),
      "tmpfs",
      "driver v1.5.6 mounts on the retry",
    );
    assert.equal((await podFiles(outcome.targetPath))["cp_crash"].text, "cp-crash-81c3");
  }
}

async function retryDeadlineLongerThanInterval(stage: Stage): Promise<void> {
  await crashNamespace(stage);
  // The setting that avoids it: a rotation interval shorter than the kubelet's deadline, so that
  // a retry after a timed-out call always finds the rotation due.
  const deadline = ROTATION_INTERVAL_MS + 1_000;
  const { pod, outcome, retriedAfter, calls } = await crashThenRetry(
    stage,
    "crash-app-2",
    deadline,
  );
  assert.ok(retriedAfter > ROTATION_INTERVAL_MS);
  assert.equal(outcome.ok, true, outcome.ok ? "" : outcome.message);
  assert.equal(await mountTypeAt(outcome.targetPath), "tmpfs", "the retry mounts");
  assert.equal((await podFiles(outcome.targetPath))["cp_crash"].text, "cp-crash-81c3");
  assert.equal(providerMounts(stage.cluster, pod.metadata.name).length, calls + 1);
}

async function providerRestart(stage: Stage): Promise<void> {
  const { cluster, aws } = stage;
  const pod = stage.pods.mount;
  assert.ok(pod, "needs the mount scenario's pod");
  const target = cluster.kubelet().targetPath(pod, SECRETS_VOLUME);
  const before = await podFiles(target);
  await cluster.restartProvider({ driverWritesSecrets: true });
  assert.deepEqual(
    await podFiles(target),
    before,
    "mounted files stay while the provider restarts",
  );
  assert.equal(await mountTypeAt(target), "tmpfs");
  const command = cluster.provider().command.args.join(" ");
  assert.match(command, /--driver-writes-secrets=true/);
  assert.doesNotMatch(
    command,
    /--allow-write=[^ ]*kubelet/,
    "driver-writes mode drops the pods directory",
  );
  const db = await aws.seeder.putSecretValue(
    PRIMARY,
    "cp/db",
    '{"username":"cp-admin","password":"cp-pw-2"}',
  );
  const fresh = await startPod(cluster, "driver-writes-app", {
    namespace: "cp-mount",
    spc: "mount",
  });
  const freshTarget = await publishOk(cluster, fresh);
  assert.equal(await mountTypeAt(freshTarget), "tmpfs");
  // The driver's atomic writer: files are links into a timestamped ..data directory.
  const entries = [...Deno.readDirSync(freshTarget)].map((entry) => entry.name).sort();
  assert.ok(entries.includes("..data"), `the driver wrote the files: ${entries.join(", ")}`);
  assert.deepEqual(await podFiles(freshTarget), {
    cp_db: { mode: 0o640, text: '{"username":"cp-admin","password":"cp-pw-2"}' },
    "db-password": { mode: 0o400, text: "cp-pw-2" },
    flag: { mode: 0o644, text: "cp-flag-on" },
  });
  const versions = statusVersions(await podStatusOf(cluster, fresh, "mount"));
  assert.equal(versions.cp_db, db.versionId);
  stage.pods.driverWrites = fresh;
}

async function driverRestart(stage: Stage): Promise<void> {
  const { cluster, release } = stage;
  const mounted = [stage.pods.mount, stage.pods.driverWrites];
  assert.ok(mounted.every(Boolean), "needs the earlier scenarios' pods");
  const before = await Promise.all(
    mounted.map((pod) => podFiles(cluster.kubelet().targetPath(pod, SECRETS_VOLUME))),
  );
  await cluster.restartDriver();
  for (const [index, pod] of mounted.entries()) {
    const target = cluster.kubelet().targetPath(pod, SECRETS_VOLUME);
    assert.equal(await mountTypeAt(target), "tmpfs", "mounts stay while the driver restarts");
    assert.deepEqual(await podFiles(target), before[index]);
  }
  // The new driver serves republishes of the old mounts (v1.6 remounts content after the interval,
  // v1.5 answers "already mounted")…
  await waitSince(
    await lastUpdate(cluster.kubelet().targetPath(mounted[1], SECRETS_VOLUME)),
    ROTATION_INTERVAL_MS + 100,
  );
  const calls = providerMounts(cluster, mounted[1].metadata.name).length;
  await publishOk(cluster, mounted[1]);
  assert.equal(
    providerMounts(cluster, mounted[1].metadata.name).length,
    calls + (release === "v1.6.0" ? 1 : 0),
  );
  // …and unpublishes them.
  await cluster.kubelet().unpublish(mounted[1], SECRETS_VOLUME);
  await assert.rejects(
    Deno.stat(cluster.kubelet().targetPath(mounted[1], SECRETS_VOLUME)),
    Deno.errors.NotFound,
  );
}

async function unpublish(stage: Stage): Promise<void> {
  const { cluster } = stage;
  const pod = stage.pods.mount;
  assert.ok(pod, "needs the mount scenario's pod");
  const target = cluster.kubelet().targetPath(pod, SECRETS_VOLUME);
  assert.equal(await mountTypeAt(target), "tmpfs");
  await cluster.kubelet().unpublish(pod, SECRETS_VOLUME);
  assert.equal(await mountTypeAt(target), undefined, "unmounted");
  await assert.rejects(Deno.stat(target), Deno.errors.NotFound);
  await assert.rejects(Deno.stat(target.replace(/\/mount$/, "")), Deno.errors.NotFound);
}

async function leakCheck(stage: Stage): Promise<void> {
  const { cluster, aws, errors } = stage;
  const events = await cluster.kube.list("/api/v1/events");
  const tokens = cluster.tokens();
  assert.ok(tokens.length > 0);
  assertNoLeaks(
    [
      ...cluster.logLines(),
      ...errors.map((text, index) => ({ where: `kubelet error ${index + 1}`, text })),
      ...events.map((event) => ({
        where: `event ${event.metadata.namespace}/${event.metadata.name}`,
        text: String(event.message),
      })),
    ],
    [
      ...aws.seeder.seededValues(),
      ...tokens.map((value) => ({ value, what: "a service account token" })),
    ],
  );
  assert.ok(cluster.logLines().length > 100, "the driver and the provider logged");
}
