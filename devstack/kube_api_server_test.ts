import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { type KubeApiServer, startKubeApiServer } from "./kube_api_server.ts";
import { defaultTestTls } from "./tls_cert.ts";

const ROLE_ARN = "arn:aws:iam::123456789012:role/secrets-reader";
const TOKEN = "provider-sa-token";

function seed(kube: KubeApiServer): void {
  kube.putServiceAccount("app", "app-sa", { "eks.amazonaws.com/role-arn": ROLE_ARN });
  kube.putPod("app", "app-pod", "ip-10-0-0-1.ec2.internal");
  kube.putNode("ip-10-0-0-1.ec2.internal", { "topology.kubernetes.io/region": "us-west-2" });
}

function coreApi(kubeconfigPath: string): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc.makeApiClient(k8s.CoreV1Api);
}

/** Per-call client-node options that abort the request after `ms`. */
function withTimeout(ms: number): k8s.ConfigurationOptions {
  return {
    middleware: [{
      pre: (ctx: k8s.RequestContext) => {
        ctx.setSignal(AbortSignal.timeout(ms));
        return new k8s.Observable(Promise.resolve(ctx));
      },
      post: (ctx: k8s.ResponseContext) => new k8s.Observable(Promise.resolve(ctx)),
    }],
    middlewareMergeStrategy: "append",
  };
}

async function rejectsApi(promise: Promise<unknown>): Promise<k8s.ApiException<string>> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof k8s.ApiException, `expected ApiException, got ${e}`);
    return e as k8s.ApiException<string>;
  }
  assert.fail("expected the call to fail");
}

async function readAll(api: k8s.CoreV1Api) {
  const sa = await api.readNamespacedServiceAccount({ name: "app-sa", namespace: "app" });
  const pod = await api.readNamespacedPod({ name: "app-pod", namespace: "app" });
  const node = await api.readNode({ name: pod.spec!.nodeName! });
  return {
    roleArn: sa.metadata?.annotations?.["eks.amazonaws.com/role-arn"],
    nodeName: pod.spec?.nodeName,
    region: node.metadata?.labels?.["topology.kubernetes.io/region"],
  };
}

const expected = {
  roleArn: ROLE_ARN,
  nodeName: "ip-10-0-0-1.ec2.internal",
  region: "us-west-2",
};

Deno.test({
  name: "client-node reads a ServiceAccount, Pod and Node over HTTP with a bearer token",
  async fn() {
    await using kube = await startKubeApiServer({ token: TOKEN });
    seed(kube);
    const dir = await Deno.makeTempDir();
    try {
      const api = coreApi(await kube.writeKubeconfig(dir));
      assert.deepEqual(await readAll(api), expected);
      const pod = await api.readNamespacedPod({ name: "app-pod", namespace: "app" });
      assert.equal(pod.kind, "Pod");
      assert.equal(pod.apiVersion, "v1");
      assert.equal(pod.metadata?.namespace, "app");
      assert.match(pod.metadata?.uid ?? "", /^[0-9a-f-]{36}$/);
      assert.match(pod.metadata?.resourceVersion ?? "", /^\d+$/);
      assert.ok(kube.calls().every((r) => r.authorization === `Bearer ${TOKEN}`));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a missing object surfaces as ApiException 404 with the Status message",
  async fn() {
    await using kube = await startKubeApiServer();
    seed(kube);
    const dir = await Deno.makeTempDir();
    try {
      const api = coreApi(await kube.writeKubeconfig(dir));
      const err = await rejectsApi(api.readNamespacedPod({ name: "x", namespace: "app" }));
      assert.equal(err.code, 404);
      assert.equal(
        err.body,
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
          '"message":"pods \\"x\\" not found","reason":"NotFound",' +
          '"details":{"name":"x","kind":"pods"},"code":404}',
      );
      assert.equal(JSON.parse(err.body).message, 'pods "x" not found');
      assert.equal(err.headers["content-type"], "application/json");

      const nodeErr = await rejectsApi(api.readNode({ name: "gone" }));
      assert.equal(nodeErr.code, 404);
      assert.equal(JSON.parse(nodeErr.body).message, 'nodes "gone" not found');

      assert.equal(kube.deleteServiceAccount("app", "app-sa"), true);
      const saErr = await rejectsApi(
        api.readNamespacedServiceAccount({ name: "app-sa", namespace: "app" }),
      );
      assert.equal(saErr.code, 404);
      assert.deepEqual(JSON.parse(saErr.body).details, {
        name: "app-sa",
        kind: "serviceaccounts",
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a wrong or missing bearer token gets 401 Unauthorized",
  async fn() {
    await using kube = await startKubeApiServer({ token: TOKEN });
    seed(kube);
    const dir = await Deno.makeTempDir();
    try {
      const api = coreApi(await kube.writeKubeconfig(dir, { token: "wrong" }));
      const err = await rejectsApi(api.readNode({ name: "ip-10-0-0-1.ec2.internal" }));
      assert.equal(err.code, 401);
      assert.deepEqual(kube.calls()[0], {
        method: "GET",
        path: "/api/v1/nodes/ip-10-0-0-1.ec2.internal",
        status: 401,
        authorization: "Bearer wrong",
        resource: "nodes",
        name: "ip-10-0-0-1.ec2.internal",
      });

      const res = await fetch(`${kube.url}/api/v1/nodes/ip-10-0-0-1.ec2.internal`);
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Unauthorized",
        reason: "Unauthorized",
        code: 401,
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "429 fault: TooManyRequests Status with Retry-After, then recovers",
  async fn() {
    await using kube = await startKubeApiServer();
    seed(kube);
    const dir = await Deno.makeTempDir();
    try {
      const api = coreApi(await kube.writeKubeconfig(dir));
      kube.setFault({ resource: "pods" }, { kind: "throttle", retryAfterSeconds: 3, times: 2 });
      // A fault limited to pods does not touch service accounts.
      await api.readNamespacedServiceAccount({ name: "app-sa", namespace: "app" });
      for (let i = 0; i < 2; i++) {
        const err = await rejectsApi(api.readNamespacedPod({ name: "app-pod", namespace: "app" }));
        assert.equal(err.code, 429);
        assert.equal(err.headers["retry-after"], "3");
        assert.deepEqual(JSON.parse(err.body), {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "Too many requests, please try again later.",
          reason: "TooManyRequests",
          details: { retryAfterSeconds: 3 },
          code: 429,
        });
      }
      const pod = await api.readNamespacedPod({ name: "app-pod", namespace: "app" });
      assert.equal(pod.spec?.nodeName, "ip-10-0-0-1.ec2.internal");
      assert.deepEqual(kube.calls().map((r) => r.status), [200, 429, 429, 200]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("429 plainText fault mimics the APF filter (text/plain)", async () => {
  await using kube = await startKubeApiServer();
  kube.setFault({}, {
    kind: "text",
    status: 429,
    body: "Too many requests, please try again later.",
    times: 1,
  });
  const res = await fetch(`${kube.url}/api/v1/nodes/n1`);
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("retry-after"), "1");
  assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(await res.text(), "Too many requests, please try again later.\n");
});

Deno.test("403 and 500 faults produce the real Status bodies", async () => {
  await using kube = await startKubeApiServer({ user: "system:serviceaccount:kube-system:x" });
  kube.setFault({ resource: "serviceaccounts" }, { kind: "accessDenied", times: 1 });
  kube.setFault({ resource: "nodes" }, { kind: "status", status: 403, times: 1 });
  kube.setFault({}, {
    kind: "status",
    status: 500,
    message: "etcdserver: request timed out",
    times: 1,
  });

  const sa = await fetch(`${kube.url}/api/v1/namespaces/ns/serviceaccounts/sa`);
  assert.equal(sa.status, 403);
  assert.equal(
    await sa.text(),
    JSON.stringify({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'serviceaccounts "sa" is forbidden: User "system:serviceaccount:kube-system:x" ' +
        'cannot get resource "serviceaccounts" in API group "" in the namespace "ns"',
      reason: "Forbidden",
      details: { name: "sa", kind: "serviceaccounts" },
      code: 403,
    }),
  );

  const node = await fetch(`${kube.url}/api/v1/nodes/n1`);
  assert.equal(node.status, 403);
  assert.equal(
    (await node.json()).message,
    'nodes "n1" is forbidden: User "system:serviceaccount:kube-system:x" ' +
      'cannot get resource "nodes" in API group "" at the cluster scope',
  );

  const pod = await fetch(`${kube.url}/api/v1/namespaces/ns/pods/p`);
  assert.equal(pod.status, 500);
  assert.deepEqual(await pod.json(), {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "Internal error occurred: etcdserver: request timed out",
    reason: "InternalError",
    details: { causes: [{ message: "etcdserver: request timed out" }] },
    code: 500,
  });

  // All faults used up: plain 404 again.
  const after = await fetch(`${kube.url}/api/v1/namespaces/ns/pods/p`);
  assert.equal(after.status, 404);
  await after.body?.cancel();
});

Deno.test({
  name: "hang fault: the client times out, the next request succeeds",
  async fn() {
    await using kube = await startKubeApiServer();
    seed(kube);
    const dir = await Deno.makeTempDir();
    try {
      const api = coreApi(await kube.writeKubeconfig(dir));
      kube.setFault({ resource: "nodes" }, { kind: "hang", times: 1 });
      const started = performance.now();
      await assert.rejects(
        api.readNode({ name: "ip-10-0-0-1.ec2.internal" }, withTimeout(300)),
        (e: unknown) => e instanceof Error && /abort|timeout/i.test(`${e.name} ${e.message}`),
      );
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 250 && elapsed < 5000, `elapsed ${elapsed}`);
      const node = await api.readNode({ name: "ip-10-0-0-1.ec2.internal" });
      assert.equal(node.metadata?.name, "ip-10-0-0-1.ec2.internal");
      assert.deepEqual(kube.calls().map((r) => r.status), [0, 200]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("hang fault is released by stop()", async () => {
  const kube = await startKubeApiServer();
  kube.setFault({}, { kind: "hang" });
  const pending = fetch(`${kube.url}/api/v1/nodes/n1`);
  while (kube.calls().length === 0) await new Promise((r) => setTimeout(r, 10));
  await kube.stop();
  const res = await pending;
  assert.equal(res.status, 503);
  await res.body?.cancel();
});

Deno.test({
  name: "request log and countBy",
  async fn() {
    await using kube = await startKubeApiServer();
    seed(kube);
    const dir = await Deno.makeTempDir();
    try {
      const api = coreApi(await kube.writeKubeconfig(dir));
      for (let i = 0; i < 3; i++) {
        await api.readNamespacedServiceAccount({ name: "app-sa", namespace: "app" });
      }
      await readAll(api);
      await rejectsApi(api.readNamespacedPod({ name: "nope", namespace: "app" }));
      assert.deepEqual(kube.countBy(), { serviceaccounts: 4, pods: 2, nodes: 1 });
      assert.deepEqual(kube.calls().at(-1), {
        method: "GET",
        path: "/api/v1/namespaces/app/pods/nope",
        status: 404,
        resource: "pods",
        namespace: "app",
        name: "nope",
      });
      kube.resetCalls();
      assert.deepEqual(kube.calls(), []);
      assert.deepEqual(kube.countBy(), {});
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("served objects look like the real API server's", async () => {
  await using kube = await startKubeApiServer();
  seed(kube);
  kube.putServiceAccount("app", "plain");
  kube.putPod("app", "pending");

  const res = await fetch(`${kube.url}/api/v1/namespaces/app/serviceaccounts/app-sa`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.ok(res.headers.get("audit-id"));
  const sa = await res.json();
  assert.equal(sa.kind, "ServiceAccount");
  assert.deepEqual(Object.keys(sa.metadata), [
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "annotations",
  ]);

  const plain = await (await fetch(`${kube.url}/api/v1/namespaces/app/serviceaccounts/plain`))
    .json();
  assert.equal("annotations" in plain.metadata, false);

  const pending = await (await fetch(`${kube.url}/api/v1/namespaces/app/pods/pending`)).json();
  assert.equal(pending.spec.nodeName, undefined);
  assert.equal(pending.status.phase, "Pending");

  const node = await (await fetch(`${kube.url}/api/v1/nodes/ip-10-0-0-1.ec2.internal`)).json();
  assert.deepEqual(
    { kind: node.kind, apiVersion: node.apiVersion, namespace: node.metadata.namespace },
    { kind: "Node", apiVersion: "v1", namespace: undefined },
  );

  const other = await fetch(`${kube.url}/api/v1/namespaces/app/secrets/s`);
  assert.equal(other.status, 404);
  assert.equal(await other.text(), "404 page not found\n");

  const post = await fetch(`${kube.url}/api/v1/nodes/x`, { method: "DELETE" });
  assert.equal(post.status, 405);
  assert.equal((await post.json()).reason, "MethodNotAllowed");
});

Deno.test({
  name: "HTTPS: client-node verifies the server with the kubeconfig CA (inline and file)",
  async fn() {
    await using kube = await startKubeApiServer({ tls: true, token: TOKEN });
    assert.match(kube.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    seed(kube);
    const dir = await Deno.makeTempDir();
    try {
      const inline = await kube.writeKubeconfig(dir);
      assert.match(await Deno.readTextFile(inline), /certificate-authority-data: /);
      assert.deepEqual(await readAll(coreApi(inline)), expected);

      const withFile = await kube.writeKubeconfig(dir, { caFile: true, fileName: "kc2" });
      assert.match(await Deno.readTextFile(withFile), /certificate-authority: /);
      assert.deepEqual(await readAll(coreApi(withFile)), expected);

      // Deno's own fetch with the CA works too; without it the cert is rejected.
      const client = Deno.createHttpClient({ caCerts: [kube.caCertPem!] });
      try {
        const res = await fetch(`${kube.url}/api/v1/nodes/ip-10-0-0-1.ec2.internal`, {
          client,
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        assert.equal(res.status, 200);
        await res.body?.cancel();
      } finally {
        client.close();
      }
      await assert.rejects(fetch(`${kube.url}/version`));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "HTTPS: in-cluster files work with KubeConfig.loadFromCluster(pathPrefix)",
  async fn() {
    await using kube = await startKubeApiServer({ tls: true, token: TOKEN });
    seed(kube);
    const dir = await Deno.makeTempDir();
    const saved = ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"].map((k) =>
      [k, Deno.env.get(k)] as const
    );
    try {
      const files = await kube.writeInClusterFiles(dir, { namespace: "kube-system" });
      for (const [k, v] of Object.entries(files.env)) Deno.env.set(k, v);
      const kc = new k8s.KubeConfig();
      kc.loadFromCluster(files.pathPrefix);
      assert.equal(kc.getCurrentCluster()?.server, kube.url);
      assert.deepEqual(await readAll(kc.makeApiClient(k8s.CoreV1Api)), expected);
      assert.ok(kube.calls().every((r) => r.authorization === `Bearer ${TOKEN}`));
    } finally {
      for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "IPv6 loopback (::1), plain and HTTPS",
  async fn() {
    for (const tls of [false, true]) {
      await using kube = await startKubeApiServer({ hostname: "::1", tls });
      assert.match(kube.url, /^https?:\/\/\[::1\]:\d+$/);
      seed(kube);
      const dir = await Deno.makeTempDir();
      try {
        assert.deepEqual(await readAll(coreApi(await kube.writeKubeconfig(dir))), expected);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }
  },
});

async function negotiatedAlpn(kube: KubeApiServer, caCert: string): Promise<string | null> {
  const conn = await Deno.connectTls({
    hostname: kube.hostname,
    port: kube.port,
    caCerts: [caCert],
    alpnProtocols: ["h2", "http/1.1"],
  });
  try {
    return (await conn.handshake()).alpnProtocol;
  } finally {
    conn.close();
  }
}

Deno.test({
  name: "HTTPS offers only http/1.1 by default, h2 as well with http2: true",
  async fn() {
    const { caCertPem } = await defaultTestTls();
    {
      await using kube = await startKubeApiServer({ tls: true });
      assert.equal(await negotiatedAlpn(kube, caCertPem), "http/1.1");
    }
    await using kube = await startKubeApiServer({ tls: true, http2: true });
    assert.equal(await negotiatedAlpn(kube, caCertPem), "h2");
    seed(kube);
    const client = Deno.createHttpClient({ caCerts: [caCertPem] });
    try {
      const res = await fetch(`${kube.url}/api/v1/nodes/ip-10-0-0-1.ec2.internal`, { client });
      assert.equal(res.status, 200);
      assert.equal(
        (await res.json()).metadata.labels["topology.kubernetes.io/region"],
        "us-west-2",
      );
    } finally {
      client.close();
    }
  },
});
