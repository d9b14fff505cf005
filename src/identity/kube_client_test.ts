import assert from "node:assert/strict";
import { type KubeApiServer, startKubeApiServer } from "../../devstack/kube_api_server.ts";
import { KubeApiError } from "./kube_api.ts";
import { createKubeApi, type KubeClient, kubeClientFor } from "./kube_client.ts";

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
  const path = await Deno.makeTempDir({ prefix: "kube_client_test_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

async function kubeError(promise: Promise<unknown>): Promise<{ message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof KubeApiError, `expected KubeApiError, got ${error}`);
    return error.status === undefined
      ? { message: error.message }
      : { message: error.message, status: error.status };
  }
  assert.fail("the call did not fail");
}

/** A client of a kubeconfig the stand-in wrote, closed with the test. */
async function clientOf(
  kube: KubeApiServer,
  dir: string,
  options: Parameters<KubeApiServer["writeKubeconfig"]>[1] & { timeoutMs?: number } = {},
): Promise<KubeClient> {
  const { timeoutMs, ...write } = options;
  return await createKubeApi({ kubeconfig: await kube.writeKubeconfig(dir, write), timeoutMs });
}

/** A one-route HTTP server answering every request with `answer` (a hostile API server). */
function hostileServer(answer: () => Response): Deno.HttpServer<Deno.NetAddr> & AsyncDisposable {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, answer);
}

Deno.test("over HTTP, the three reads return annotations, node name and labels", async () => {
  await using kube = await startKubeApiServer({ token: TOKEN });
  await using dir = await tempDir();
  seed(kube);
  using api = await clientOf(kube, dir.path);
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
  using api = await clientOf(kube, dir.path);
  assert.deepEqual(await api.getPod("app", "pending-pod"), { nodeName: "" });
  assert.deepEqual(await api.getServiceAccount("app", "plain-sa"), { annotations: {} });
  assert.deepEqual(await api.getNode("bare-node"), { labels: {} });
  assert.ok(kube.calls().every((call) => call.authorization === undefined), "no token, no header");
});

Deno.test("a missing object fails with the API server's message, as client-go shows it", async () => {
  await using kube = await startKubeApiServer();
  await using dir = await tempDir();
  using api = await clientOf(kube, dir.path);
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
  using api = await clientOf(kube, dir.path);
  const error = await kubeError(api.getNode(NODE));
  assert.equal(error.status, 403);
  assert.equal(
    error.message,
    `nodes "${NODE}" is forbidden: User "system:serviceaccount:kube-system:csi-secrets-store-provider-aws" ` +
      `cannot get resource "nodes" in API group "" at the cluster scope`,
  );
});

Deno.test("throttling carries the server's Retry-After; a plain-text body becomes the message", async () => {
  await using kube = await startKubeApiServer();
  await using dir = await tempDir();
  kube.setFault({ resource: "pods" }, { kind: "throttle", retryAfterSeconds: 3, times: 1 });
  kube.setFault({ resource: "nodes" }, {
    kind: "text",
    status: 429,
    body: "Too many requests, please try again later.",
    times: 1,
  });
  using api = await clientOf(kube, dir.path);
  const throttled = await api.getPod("app", "p").catch((error) => error);
  assert.ok(throttled instanceof KubeApiError);
  assert.deepEqual([throttled.status, throttled.retryAfterSeconds], [429, 3]);
  assert.deepEqual(await kubeError(api.getNode("n")), {
    message: "Too many requests, please try again later.",
    status: 429,
  });
});

Deno.test("a wrong token fails with client-go's text, Unauthorized", async () => {
  await using kube = await startKubeApiServer({ token: TOKEN });
  await using dir = await tempDir();
  using api = await clientOf(kube, dir.path, { token: "wrong" });
  assert.deepEqual(await kubeError(api.getNode(NODE)), { message: "Unauthorized", status: 401 });
});

Deno.test("a hanging server fails the call when the caller's signal aborts", async () => {
  await using kube = await startKubeApiServer();
  await using dir = await tempDir();
  kube.setFault({ resource: "pods" }, { kind: "hang" });
  using api = await clientOf(kube, dir.path);
  const started = performance.now();
  const error = await kubeError(api.getPod("app", "p", { signal: AbortSignal.timeout(100) }));
  assert.equal(error.status, undefined);
  assert.match(
    error.message,
    /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/app\/pods\/p: /,
  );
  assert.ok(performance.now() - started < 2_000);
});

Deno.test("without a signal, a call gives up after timeoutMs", async () => {
  await using kube = await startKubeApiServer();
  await using dir = await tempDir();
  kube.setFault({ resource: "nodes" }, { kind: "hang" });
  using api = await clientOf(kube, dir.path, { timeoutMs: 100 });
  const started = performance.now();
  const error = await kubeError(api.getNode(NODE));
  assert.match(error.message, /: no answer within 100 ms$/);
  assert.ok(performance.now() - started < 2_000);
});

Deno.test("names are checked as client-go checks path segments, before any request", async () => {
  await using kube = await startKubeApiServer();
  await using dir = await tempDir();
  using api = await clientOf(kube, dir.path);
  assert.deepEqual(await kubeError(api.getNode("")), { message: "resource name may not be empty" });
  assert.deepEqual(await kubeError(api.getPod("app", "../secrets/x")), {
    message: `invalid resource name "../secrets/x": [may not contain '/']`,
  });
  assert.deepEqual(await kubeError(api.getPod("..", "p")), {
    message: `invalid namespace "..": [may not be '..']`,
  });
  assert.deepEqual(await kubeError(api.getServiceAccount("app", "a%2Fb")), {
    message: `invalid resource name "a%2Fb": [may not contain '%']`,
  });
  assert.deepEqual(kube.calls(), []);
});

Deno.test("other characters of a name are escaped, not interpreted", async () => {
  await using kube = await startKubeApiServer();
  await using dir = await tempDir();
  using api = await clientOf(kube, dir.path);
  await kubeError(api.getNode("n?watch=1#x"));
  assert.deepEqual(kube.calls().map((call) => call.path), ["/api/v1/nodes/n%3Fwatch%3D1%23x"]);
});

Deno.test("a hostile server: an answer over maxResponseBytes is refused, odd fields are dropped", async () => {
  let body = "";
  await using server = hostileServer(() => new Response(body));
  const api = kubeClientFor(
    { server: `http://127.0.0.1:${server.addr.port}`, token: { kind: "none" } },
    { maxResponseBytes: 1_000 },
  );
  using _ = api;
  body = JSON.stringify({ metadata: { annotations: { a: "x".repeat(2_000) } } });
  assert.match(
    (await kubeError(api.getServiceAccount("app", "sa"))).message,
    /more than the 1000 bytes accepted$/,
  );
  body = JSON.stringify({
    metadata: { labels: { region: "us-east-1", count: 3, nested: { a: "b" } } },
    spec: { nodeName: 7 },
  });
  assert.deepEqual(await api.getNode("n"), { labels: { region: "us-east-1" } });
  assert.deepEqual(await api.getPod("app", "p"), { nodeName: "" });
  body = "[1, 2]";
  assert.deepEqual(await api.getServiceAccount("app", "sa"), { annotations: {} });
  body = "not json";
  assert.deepEqual(await kubeError(api.getNode("n")), {
    message: "GET /api/v1/nodes/n: the answer is not JSON",
    status: 200,
  });
});

Deno.test("a long error text is cut short", async () => {
  await using server = hostileServer(() => new Response("e".repeat(5_000), { status: 500 }));
  using api = kubeClientFor({
    server: `http://127.0.0.1:${server.addr.port}`,
    token: { kind: "none" },
  });
  const error = await kubeError(api.getNode("n"));
  assert.equal(error.message, `${"e".repeat(1_024)}…`);
});

Deno.test("a missing kubeconfig file fails client creation", async () => {
  await assert.rejects(createKubeApi({ kubeconfig: "/nonexistent/kubeconfig" }), /nonexistent/);
});

Deno.test("over HTTPS, the kubeconfig's CA (inline or file) verifies the server", async () => {
  await using kube = await startKubeApiServer({ tls: true, token: TOKEN });
  await using dir = await tempDir();
  seed(kube);
  for (const caFile of [false, true]) {
    using api = await clientOf(kube, dir.path, { caFile });
    assert.deepEqual(await api.getPod("app", "app-pod"), { nodeName: NODE });
    assert.deepEqual(await kubeError(api.getPod("app", "x")), {
      message: 'pods "x" not found',
      status: 404,
    });
  }
  assert.ok(kube.calls().every((r) => r.authorization === `Bearer ${TOKEN}`));
});

Deno.test("in-cluster mode reads the service account token and CA files", async () => {
  await using kube = await startKubeApiServer({ tls: true, token: "in-cluster-token" });
  await using dir = await tempDir();
  seed(kube);
  const files = await kube.writeInClusterFiles(dir.path);
  using api = await createKubeApi({
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
});

Deno.test("in-cluster mode picks up the token the kubelet rotated: after a minute, and at once after a 401", async () => {
  await using kube = await startKubeApiServer({ tls: true, token: "token-1" });
  await using dir = await tempDir();
  seed(kube);
  const files = await kube.writeInClusterFiles(dir.path);
  let now = 0;
  using api = await createKubeApi({
    inClusterPathPrefix: files.pathPrefix,
    inClusterServer: kube.url,
    now: () => now,
  });
  await api.getNode(NODE);
  // The kubelet writes the next token long before the old one expires.
  await Deno.writeTextFile(`${files.serviceAccountDir}/token`, "token-2\n");
  now = 59_000;
  await api.getNode(NODE);
  kube.setToken("token-2");
  now = 60_000;
  await api.getNode(NODE);
  // The server stops accepting the token we hold before our minute is up.
  await Deno.writeTextFile(`${files.serviceAccountDir}/token`, "token-3");
  kube.setToken("token-3");
  now = 61_000;
  assert.equal((await kubeError(api.getNode(NODE))).status, 401);
  await api.getNode(NODE);
  assert.deepEqual(kube.calls().map((r) => r.authorization), [
    "Bearer token-1",
    "Bearer token-1",
    "Bearer token-2",
    "Bearer token-2",
    "Bearer token-3",
  ]);
});

Deno.test("a token file that cannot be read for a moment keeps the last token", async () => {
  await using kube = await startKubeApiServer({ tls: true, token: "token-1" });
  await using dir = await tempDir();
  seed(kube);
  const files = await kube.writeInClusterFiles(dir.path);
  let now = 0;
  using api = await createKubeApi({
    inClusterPathPrefix: files.pathPrefix,
    inClusterServer: kube.url,
    now: () => now,
  });
  await api.getNode(NODE);
  await Deno.remove(`${files.serviceAccountDir}/token`);
  now = 120_000;
  assert.deepEqual(await api.getNode(NODE), {
    labels: { "topology.kubernetes.io/region": "us-west-2" },
  });
});

Deno.test("in-cluster mode refuses a server whose certificate the CA did not sign", async () => {
  await using kube = await startKubeApiServer({ tls: true });
  await using dir = await tempDir();
  const files = await kube.writeInClusterFiles(dir.path);
  await Deno.writeTextFile(`${files.serviceAccountDir}/ca.crt`, await otherCaPem());
  using api = await createKubeApi({
    inClusterPathPrefix: files.pathPrefix,
    inClusterServer: kube.url,
  });
  const error = await kubeError(api.getNode(NODE));
  assert.equal(error.status, undefined);
  assert.equal(kube.calls().length, 0);
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
