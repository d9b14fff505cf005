import assert from "node:assert/strict";
import { mountingDeployment } from "../../e2e/kind/manifests.ts";
import { fakeCluster, fakeKube } from "./_test_utils.ts";
import type { KubeObject } from "./kube_client.ts";
import { kubectlStandIn } from "./kubectl_stand_in.ts";
import { SECRETS_VOLUME } from "./workloads.ts";

async function setUp() {
  const podsDir = await Deno.makeTempDir();
  const kube = fakeKube();
  const cluster = fakeCluster(kube, {
    podsDir,
    logs: { "kube-system/provider-node-1": { current: ["a", "b"] } },
  });
  const kubectl = kubectlStandIn(cluster);
  await kubectl.apply([
    mountingDeployment("web", {
      namespace: "ns",
      serviceAccount: "sa",
      secretProviderClass: "spc",
      image: "nginx:1.29",
      envFromSecrets: { TOKEN: ["synced", "value"] },
    }),
  ]);
  const pod = (await kubectl.getJson(["pods", "-n", "ns", "-l", "app=web"]))
    .items![0] as KubeObject;
  const target = cluster.kubelet().targetPath(pod, SECRETS_VOLUME);
  await Deno.mkdir(target, { recursive: true });
  await Deno.writeTextFile(`${target}/secret`, "s3cr3t", { mode: 0o600 });
  await Deno.chmod(`${target}/secret`, 0o600);
  return { podsDir, kube, kubectl, pod };
}

Deno.test("a Deployment's pod runs on the node; rollout status waits for it", async () => {
  const { podsDir, kube, kubectl, pod } = await setUp();
  try {
    assert.equal(pod.spec.nodeName, "node-1");
    assert.match(pod.metadata.name, /^web-[a-z0-9]{5}$/);
    assert.ok(kube.calls.includes("APPLY /apis/apps/v1/namespaces/ns/deployments/web"));
    assert.equal(
      await kubectl.run(["rollout", "status", "-n", "ns", "deployment/web", "--timeout=5s"]),
      'deployment "web" successfully rolled out\n',
    );
    assert.equal(await kubectl.firstPod("ns", "web"), pod.metadata.name);
  } finally {
    await Deno.remove(podsDir, { recursive: true });
  }
});

Deno.test("exec cat and stat read the pod's volume on the node", async () => {
  const { podsDir, kubectl, pod } = await setUp();
  try {
    const name = pod.metadata.name;
    assert.equal(await kubectl.readFile("ns", name, "/mnt/secrets-store/secret"), "s3cr3t");
    assert.equal(
      await kubectl.run(["exec", "-n", "ns", name, "--", "cat", "/mnt/secrets-store/secret"]),
      "s3cr3t",
    );
    assert.equal(
      await kubectl.run([
        "exec",
        "-n",
        "ns",
        name,
        "--",
        "stat",
        "-L",
        "-c",
        "%a",
        "/mnt/secrets-store/secret",
      ]),
      "600\n",
    );
    await assert.rejects(kubectl.readFile("ns", name, "/etc/passwd"), /no volume mounted there/);
  } finally {
    await Deno.remove(podsDir, { recursive: true });
  }
});

Deno.test("printenv answers from the Secret as resolved at container start", async () => {
  const { podsDir, kube, kubectl, pod } = await setUp();
  try {
    await kube.client.apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "synced", namespace: "ns" },
      data: { value: btoa("v1") },
    });
    const printenv = ["exec", "-n", "ns", pod.metadata.name, "--", "printenv", "TOKEN"];
    assert.equal(await kubectl.run(printenv), "v1\n");
    await kube.client.apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "synced", namespace: "ns" },
      data: { value: btoa("v2") },
    });
    assert.equal(await kubectl.run(printenv), "v1\n", "a running container keeps its environment");
  } finally {
    await Deno.remove(podsDir, { recursive: true });
  }
});

Deno.test("logs of a DaemonSet pod; --previous fails when there is no earlier process", async () => {
  const { podsDir, kubectl } = await setUp();
  try {
    const logs = ["logs", "-n", "kube-system", "provider-node-1", "--all-containers", "--tail=-1"];
    assert.equal(await kubectl.run(logs), "a\nb\n");
    await assert.rejects(kubectl.run([...logs, "--previous"]), /previous terminated container/);
  } finally {
    await Deno.remove(podsDir, { recursive: true });
  }
});

Deno.test("commands the stand-in does not know fail and say so", async () => {
  const { podsDir, kubectl } = await setUp();
  try {
    await assert.rejects(
      kubectl.run(["delete", "pod", "x"]),
      /not supported by the control-plane stand-in/,
    );
    await assert.rejects(kubectl.getJson(["configmaps", "-n", "ns"]), /not supported/);
  } finally {
    await Deno.remove(podsDir, { recursive: true });
  }
});
