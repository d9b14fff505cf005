/**
 * The client-node reads against an HTTPS stand-in of the API server paths
 * they use: the requests client-node builds (paths, selectors, log
 * parameters), TLS with the kubeconfig's CA and its bearer token, what comes
 * back (models, a text log, 404 as absent, other errors as errors), one
 * keep-alive connection for all calls, the per-call deadline and the
 * rollout wait.
 */

import assert from "node:assert/strict";
import { generateTestTls } from "../../devstack/mod.ts";
import { clientNodeReads, MAX_LOG_BYTES } from "./client_node_reads.ts";

const TOKEN = "e2e-reads-t0ken";

interface Seen {
  method: string;
  path: string;
  authorization: string | null;
  port: number;
}

/** Answers by `METHOD path?query`; records every request and its client port. */
async function startApi(routes: Record<string, () => Response | Promise<Response>>) {
  const tls = await generateTestTls();
  const seen: Seen[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: tls.certPem,
    key: tls.keyPem,
    onListen: () => {},
  }, (request, info) => {
    const url = new URL(request.url);
    const path = `${url.pathname}${url.search}`;
    seen.push({
      method: request.method,
      path,
      authorization: request.headers.get("authorization"),
      port: info.remoteAddr.port,
    });
    const route = routes[`${request.method} ${path}`];
    return route ? route() : Response.json({ kind: "Status", code: 501, message: path }, {
      status: 501,
    });
  });
  const dir = await Deno.makeTempDir();
  const kubeconfig = `${dir}/kubeconfig`;
  await Deno.writeTextFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{
        name: "kind",
        cluster: {
          server: `https://127.0.0.1:${server.addr.port}`,
          "certificate-authority-data": btoa(tls.caCertPem),
        },
      }],
      users: [{ name: "kind", user: { token: TOKEN } }],
      contexts: [{ name: "kind", context: { cluster: "kind", user: "kind" } }],
      "current-context": "kind",
    }),
  );
  return {
    seen,
    kubeconfig,
    async close() {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const status = (code: number, message: string) =>
  Response.json({ kind: "Status", apiVersion: "v1", status: "Failure", message, code }, {
    status: code,
  });

Deno.test("client-node reads pods, logs, Secrets, events and the driver's objects", async () => {
  const api = await startApi({
    "GET /api/v1/namespaces/app/pods?labelSelector=app%3Dweb": () =>
      Response.json({
        kind: "PodList",
        apiVersion: "v1",
        items: [{
          metadata: {
            name: "web-old",
            creationTimestamp: "2026-12-01T10:00:00Z",
            deletionTimestamp: "2026-12-01T10:05:00Z",
          },
          spec: { containers: [{ name: "app" }] },
          status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
        }, {
          metadata: { name: "web-new", creationTimestamp: "2026-12-01T10:04:00Z" },
          spec: { initContainers: [{ name: "init" }], containers: [{ name: "app" }] },
          status: {
            phase: "Pending",
            conditions: [{ type: "Ready", status: "False" }],
            containerStatuses: [{
              name: "app",
              image: "nginx",
              imageID: "",
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: "ContainerCreating" } },
            }],
          },
        }],
      }),
    [`GET /api/v1/namespaces/kube-system/pods/provider-a/log?container=provider&limitBytes=${MAX_LOG_BYTES}&previous=true`]:
      () => new Response("line one\nline two\n", { headers: { "content-type": "text/plain" } }),
    "GET /api/v1/namespaces/app/secrets/synced": () =>
      Response.json({
        kind: "Secret",
        apiVersion: "v1",
        metadata: { name: "synced", labels: { "secrets-store.csi.k8s.io/managed": "true" } },
        data: { value: "cjB0YXRlZA==" },
      }),
    "GET /api/v1/namespaces/app/secrets/absent": () => status(404, 'secrets "absent" not found'),
    "GET /api/v1/namespaces/app/secrets/forbidden": () => status(403, "forbidden"),
    "GET /api/v1/namespaces/app/events?fieldSelector=involvedObject.name%3Dweb-new%2Creason%3DFailedMount":
      () =>
        Response.json({
          kind: "EventList",
          apiVersion: "v1",
          items: [{
            metadata: { name: "web-new.1" },
            involvedObject: { kind: "Pod", namespace: "app", name: "web-new" },
            reason: "FailedMount",
            message: "MountVolume.SetUp failed",
          }],
        }),
    "GET /api/v1/events": () => Response.json({ kind: "EventList", apiVersion: "v1", items: [] }),
    "GET /apis/secrets-store.csi.x-k8s.io/v1/secretproviderclasspodstatuses": () =>
      Response.json({
        apiVersion: "secrets-store.csi.x-k8s.io/v1",
        kind: "SecretProviderClassPodStatusList",
        items: [{ metadata: { name: "web-new-app-spc" }, status: { mounted: true } }],
      }),
  });
  const kube = await clientNodeReads({ kubeconfig: api.kubeconfig });
  try {
    assert.deepEqual(await kube.pods("app", "app=web"), [
      {
        name: "web-old",
        ready: true,
        deleting: true,
        phase: "Running",
        containers: ["app"],
        waiting: [],
      },
      {
        name: "web-new",
        ready: false,
        deleting: false,
        phase: "Pending",
        containers: ["init", "app"],
        waiting: ["ContainerCreating"],
      },
    ]);
    assert.equal(
      await kube.podLog("kube-system", "provider-a", { container: "provider", previous: true }),
      "line one\nline two\n",
    );
    assert.deepEqual(await kube.secret("app", "synced"), {
      data: { value: "cjB0YXRlZA==" },
      labels: { "secrets-store.csi.k8s.io/managed": "true" },
    });
    assert.equal(await kube.secret("app", "absent"), undefined);
    await assert.rejects(() => kube.secret("app", "forbidden"), /403/);
    assert.deepEqual(
      await kube.events({ namespace: "app", involvedObject: "web-new", reason: "FailedMount" }),
      [{
        reason: "FailedMount",
        message: "MountVolume.SetUp failed",
        involved: { kind: "Pod", namespace: "app", name: "web-new" },
      }],
    );
    assert.deepEqual(await kube.events({}), []);
    assert.deepEqual(await kube.driverObjects("secretproviderclasspodstatuses"), [
      { metadata: { name: "web-new-app-spc" }, status: { mounted: true } },
    ]);

    assert.ok(api.seen.every((request) => request.authorization === `Bearer ${TOKEN}`));
    assert.ok(api.seen.every((request) => request.method === "GET"));
    // The shared keep-alive agent (at most 4 connections), not a TLS connection per call.
    const connections = new Set(api.seen.map((request) => request.port)).size;
    assert.equal(api.seen.length, 8);
    assert.ok(connections <= 4, `${connections} connections for 8 calls`);
  } finally {
    await kube.close();
    await api.close();
  }
});

Deno.test("client-node waits for rollouts of Deployments and DaemonSets by their status", async () => {
  let deploymentReads = 0;
  const api = await startApi({
    "GET /apis/apps/v1/namespaces/app/deployments/web": () => {
      deploymentReads += 1;
      const rolledOut = deploymentReads >= 3;
      return Response.json({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", generation: 1 },
        spec: { replicas: 1, selector: {}, template: {} },
        status: rolledOut
          ? { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }
          : { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 },
      });
    },
    "GET /apis/apps/v1/namespaces/agents/daemonsets/agent": () =>
      Response.json({
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "agent", generation: 2 },
        spec: { selector: {}, template: {}, updateStrategy: { type: "RollingUpdate" } },
        status: {
          observedGeneration: 2,
          currentNumberScheduled: 2,
          desiredNumberScheduled: 2,
          numberMisscheduled: 0,
          numberReady: 1,
          updatedNumberScheduled: 2,
          numberAvailable: 1,
        },
      }),
  });
  const kube = await clientNodeReads({ kubeconfig: api.kubeconfig, rollout: { intervalMs: 10 } });
  try {
    await kube.rollout("Deployment", "app", "web");
    assert.equal(deploymentReads, 3);
    await assert.rejects(
      () => kube.rollout("DaemonSet", "agents", "agent", { timeoutMs: 50 }),
      /rollout of daemonset agents\/agent not complete after 0\.05 s: Waiting for daemon set "agent" rollout to finish: 1 of 2 updated pods are available/,
    );
  } finally {
    await kube.close();
    await api.close();
  }
});

Deno.test("a call that hangs fails after the call deadline", async () => {
  let release = () => {};
  const held = new Promise<void>((resolve) => release = resolve);
  const api = await startApi({
    "GET /api/v1/namespaces/app/secrets/slow": async () => {
      await held;
      return status(404, "late");
    },
  });
  const kube = await clientNodeReads({ kubeconfig: api.kubeconfig, callTimeoutMs: 200 });
  try {
    const started = performance.now();
    await assert.rejects(() => kube.secret("app", "slow"));
    assert.ok(performance.now() - started < 5_000);
  } finally {
    release();
    await kube.close();
    await kube.close(); // closing twice is harmless (the suite's finally and a disposal)
    await api.close();
  }
});
