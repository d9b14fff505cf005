import assert from "node:assert/strict";
import { type KubeApiServer, startKubeApiServer } from "../../devstack/mod.ts";
import { KubeApiError } from "./kube_api.ts";
import { createClientNodeKubeApi, IN_CLUSTER_SERVER } from "./kube_client_node.ts";

const ROLE = "arn:aws:iam::123456789012:role/secrets-reader";
const TOKEN = "provider-sa-token";
const NODE = "ip-10-0-0-1.ec2.internal";

function seed(kube: KubeApiServer): void {
  kube.putServiceAccount("app", "app-sa", { "eks.amazonaws.com/role-arn": ROLE });
  kube.putPod("app", "app-pod", NODE);
  kube.putPod("app", "pending-pod");
  kube.putNode(NODE, { "topology.kubernetes.io/region": "us-west-2" });
}

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "kube_client_node_test_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

async function kubeError(promise: Promise<unknown>): Promise<{ message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof KubeApiError, `expected KubeApiError, got ${error}`);
    return { message: error.message, status: error.status };
  }
  assert.fail("the call did not fail");
}

Deno.test("the in-cluster server is the kubernetes service's name", () => {
  assert.equal(IN_CLUSTER_SERVER, "https://kubernetes.default.svc");
});

Deno.test("over HTTP, the three reads return annotations, node name and labels", async () => {
  await using kube = await startKubeApiServer({ token: TOKEN });
  await using dir = await tempDir();
  seed(kube);
  const api = await createClientNodeKubeApi({ kubeconfig: await kube.writeKubeconfig(dir.path) });
  assert.deepEqual(await api.getServiceAccount("app", "app-sa"), {
    annotations: { "eks.amazonaws.com/role-arn": ROLE },
  });
  assert.deepEqual(await api.getPod("app", "app-pod"), { nodeName: NODE });
  assert.deepEqual(await api.getNode(NODE), {
    labels: { "topology.kubernetes.io/region": "us-west-2" },
  });
  assert.deepEqual(
    kube.calls().map((r) => [r.method, r.path, r.authorization]),
    [
      ["GET", "/api/v1/namespaces/app/serviceaccounts/app-sa", `Bearer ${TOKEN}`],
      ["GET", "/api/v1/namespaces/app/pods/app-pod", `Bearer ${TOKEN}`],
      ["GET", `/api/v1/nodes/${NODE}`, `Bearer ${TOKEN}`],
    ],
  );
});

Deno.test("an unscheduled pod has an empty node name; missing maps are empty", async () => {
  await using kube = await startKubeApiServer();
  await using dir = await tempDir();
  kube.putServiceAccount("app", "plain-sa");
  kube.putPod("app", "pending-pod");
  kube.putNode("bare-node");
  const api = await createClientNodeKubeApi({ kubeconfig: await kube.writeKubeconfig(dir.path) });
  assert.deepEqual(await api.getPod("app", "pending-pod"), { nodeName: "" });
  assert.deepEqual(await api.getServiceAccount("app", "plain-sa"), { annotations: {} });
  assert.deepEqual(await api.getNode("bare-node"), { labels: {} });
});

Deno.test("a missing object fails with the API server's message, as client-go shows it", async () => {
  await using kube = await startKubeApiServer();
  await using dir = await tempDir();
  const api = await createClientNodeKubeApi({ kubeconfig: await kube.writeKubeconfig(dir.path) });
  assert.deepEqual(await kubeError(api.getPod("app", "x")), {
    message: 'pods "x" not found',
    status: 404,
  });
  assert.deepEqual(await kubeError(api.getServiceAccount("app", "sa")), {
    message: 'serviceaccounts "sa" not found',
    status: 404,
  });
  assert.deepEqual(await kubeError(api.getNode("n")), {
    message: 'nodes "n" not found',
    status: 404,
  });
});

Deno.test("a forbidden read fails with the API server's RBAC message", async () => {
  await using kube = await startKubeApiServer();
  await using dir = await tempDir();
  kube.setFault({ resource: "nodes" }, { kind: "accessDenied" });
  const api = await createClientNodeKubeApi({ kubeconfig: await kube.writeKubeconfig(dir.path) });
  const error = await kubeError(api.getNode(NODE));
  assert.equal(error.status, 403);
  assert.equal(
    error.message,
    `nodes "${NODE}" is forbidden: User "system:serviceaccount:kube-system:csi-secrets-store-provider-aws" ` +
      `cannot get resource "nodes" in API group "" at the cluster scope`,
  );
});

Deno.test("a plain-text error body becomes the message", async () => {
  await using kube = await startKubeApiServer();
  await using dir = await tempDir();
  kube.setFault({ resource: "pods" }, {
    kind: "text",
    status: 429,
    body: "Too many requests, please try again later.",
    times: 1,
  });
  const api = await createClientNodeKubeApi({ kubeconfig: await kube.writeKubeconfig(dir.path) });
  assert.deepEqual(await kubeError(api.getPod("app", "p")), {
    message: "Too many requests, please try again later.",
    status: 429,
  });
});

Deno.test("a wrong token fails with status 401 (client-node drops the Status body)", async () => {
  await using kube = await startKubeApiServer({ token: TOKEN });
  await using dir = await tempDir();
  const api = await createClientNodeKubeApi({
    kubeconfig: await kube.writeKubeconfig(dir.path, { token: "wrong" }),
  });
  // client-go would say "Unauthorized"; client-node discards the body of a 401.
  assert.deepEqual(await kubeError(api.getNode(NODE)), {
    message: "the server responded with status 401",
    status: 401,
  });
});

Deno.test("a hanging server fails the call when the caller's signal aborts", async () => {
  await using kube = await startKubeApiServer();
  await using dir = await tempDir();
  kube.setFault({ resource: "pods" }, { kind: "hang" });
  const api = await createClientNodeKubeApi({ kubeconfig: await kube.writeKubeconfig(dir.path) });
  const started = performance.now();
  const error = await kubeError(api.getPod("app", "p", { signal: AbortSignal.timeout(100) }));
  assert.equal(error.status, undefined);
  assert.ok(performance.now() - started < 2_000);
});

Deno.test("without a signal, a call gives up after timeoutMs", async () => {
  await using kube = await startKubeApiServer();
  await using dir = await tempDir();
  kube.setFault({ resource: "nodes" }, { kind: "hang" });
  const api = await createClientNodeKubeApi({
    kubeconfig: await kube.writeKubeconfig(dir.path),
    timeoutMs: 100,
  });
  const started = performance.now();
  await kubeError(api.getNode(NODE));
  assert.ok(performance.now() - started < 2_000);
});

Deno.test("a missing kubeconfig file fails client creation", async () => {
  await assert.rejects(createClientNodeKubeApi({ kubeconfig: "/nonexistent/kubeconfig" }));
});

Deno.test({
  name: "over HTTPS, the kubeconfig's CA (inline or file) verifies the server",
  async fn() {
    await using kube = await startKubeApiServer({ tls: true, token: TOKEN });
    await using dir = await tempDir();
    seed(kube);
    for (const caFile of [false, true]) {
      const api = await createClientNodeKubeApi({
        kubeconfig: await kube.writeKubeconfig(dir.path, { caFile }),
      });
      assert.deepEqual(await api.getPod("app", "app-pod"), { nodeName: NODE });
      assert.deepEqual(await kubeError(api.getPod("app", "x")), {
        message: 'pods "x" not found',
        status: 404,
      });
    }
    assert.ok(kube.calls().every((r) => r.authorization === `Bearer ${TOKEN}`));
  },
});

Deno.test({
  name: "in-cluster mode reads the service account token and CA files",
  async fn() {
    await using kube = await startKubeApiServer({ tls: true, token: "in-cluster-token" });
    await using dir = await tempDir();
    seed(kube);
    const files = await kube.writeInClusterFiles(dir.path);
    const api = await createClientNodeKubeApi({
      inClusterPathPrefix: files.pathPrefix,
      inClusterServer: kube.url,
    });
    assert.deepEqual(await api.getServiceAccount("app", "app-sa"), {
      annotations: { "eks.amazonaws.com/role-arn": ROLE },
    });
    assert.deepEqual(await kubeError(api.getPod("app", "x")), {
      message: 'pods "x" not found',
      status: 404,
    });
    assert.deepEqual(kube.calls().map((r) => r.authorization), [
      "Bearer in-cluster-token",
      "Bearer in-cluster-token",
    ]);
  },
});

Deno.test({
  name: "in-cluster mode refuses a server whose certificate the CA did not sign",
  async fn() {
    await using kube = await startKubeApiServer({ tls: true });
    await using dir = await tempDir();
    const files = await kube.writeInClusterFiles(dir.path);
    await Deno.writeTextFile(`${files.serviceAccountDir}/ca.crt`, await otherCaPem());
    const api = await createClientNodeKubeApi({
      inClusterPathPrefix: files.pathPrefix,
      inClusterServer: kube.url,
    });
    const error = await kubeError(api.getNode(NODE));
    assert.equal(error.status, undefined);
    assert.equal(kube.calls().length, 0);
  },
});

/** A self-signed CA that signed nothing the test server uses. */
async function otherCaPem(): Promise<string> {
  await using dir = await tempDir();
  const { success } = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${dir.path}/key.pem`,
      "-out",
      `${dir.path}/ca.pem`,
      "-subj",
      "/CN=other-ca",
      "-days",
      "1",
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.ok(success);
  return await Deno.readTextFile(`${dir.path}/ca.pem`);
}
