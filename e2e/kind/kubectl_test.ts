import assert from "node:assert/strict";
import type { KubeObject } from "./chart_render.ts";
import {
  controlPlaneNode,
  type Kubectl,
  kubectlDockerArgs,
  kubectlReads,
  objectList,
} from "./kubectl.ts";
import { namespace } from "./manifests.ts";

Deno.test("kubectl runs inside the control-plane node with the admin kubeconfig", () => {
  assert.equal(controlPlaneNode("ascp-deno-e2e"), "ascp-deno-e2e-control-plane");
  assert.deepEqual(kubectlDockerArgs("node", ["get", "pods"]), [
    "exec",
    "node",
    "kubectl",
    "--kubeconfig=/etc/kubernetes/admin.conf",
    "get",
    "pods",
  ]);
  assert.deepEqual(kubectlDockerArgs("node", ["apply", "-f", "-"], { stdin: true }).slice(0, 3), [
    "exec",
    "-i",
    "node",
  ]);
});

Deno.test("objectList wraps objects in a v1 List for kubectl apply -f -", () => {
  assert.deepEqual(JSON.parse(objectList([namespace("a")])), {
    apiVersion: "v1",
    kind: "List",
    items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } }],
  });
});

Deno.test("kubectlReads: reads and waits as kubectl commands (those the control-plane stand-in takes)", async () => {
  const ran: string[][] = [];
  const answers: Record<string, unknown> = {
    "pods -n app -l app=web": {
      items: [{
        metadata: { name: "web-1" },
        spec: { containers: [{ name: "app" }] },
        status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
      }],
    },
    "secret -n app synced": {
      metadata: { name: "synced", labels: { environment: "e2e" } },
      data: { value: "djE=" },
    },
    "events -n app --field-selector involvedObject.name=web-1,reason=FailedMount": {
      items: [{
        reason: "FailedMount",
        message: "boom",
        involvedObject: { kind: "Pod", namespace: "app", name: "web-1" },
      }],
    },
    "events --all-namespaces": { items: [] },
    "secretproviderclasspodstatuses --all-namespaces": { items: [{ status: { mounted: true } }] },
  };
  const kubectl: Kubectl = {
    run: (args) => {
      ran.push(args);
      return Promise.resolve("log line\n");
    },
    apply: () => Promise.reject(new Error("not used")),
    getJson: (args) => {
      ran.push(["get", ...args]);
      const answer = answers[args.join(" ")];
      if (answer === undefined) {
        return Promise.reject(new Error(`kubectl get ${args.join(" ")}: ${args[0]} "x" not found`));
      }
      return Promise.resolve(answer as KubeObject);
    },
    firstPod: () => Promise.reject(new Error("not used")),
    readFile: () => Promise.reject(new Error("not used")),
    podEvents: () => Promise.reject(new Error("not used")),
  };
  const kube = kubectlReads(kubectl);
  assert.deepEqual(await kube.pods("app", "app=web"), [{
    name: "web-1",
    ready: true,
    deleting: false,
    phase: "Running",
    containers: ["app"],
    waiting: [],
  }]);
  assert.deepEqual(await kube.secret("app", "synced"), {
    data: { value: "djE=" },
    labels: { environment: "e2e" },
  });
  assert.equal(await kube.secret("app", "absent"), undefined, "not found: not there yet");
  assert.deepEqual(
    (await kube.events({ namespace: "app", involvedObject: "web-1", reason: "FailedMount" }))
      .map((event) => event.message),
    ["boom"],
  );
  assert.deepEqual(await kube.events({}), []);
  assert.deepEqual(await kube.driverObjects("secretproviderclasspodstatuses"), [
    { status: { mounted: true } },
  ]);
  assert.equal(
    await kube.podLog("kube-system", "p", { container: "c", previous: true }),
    "log line\n",
  );
  await kube.rollout("Deployment", "app", "web");
  await kube.rollout("DaemonSet", "agents", "agent", { timeoutMs: 90_500 });
  assert.deepEqual(ran.filter((args) => args[0] !== "get"), [
    ["logs", "-n", "kube-system", "p", "-c", "c", "--tail=-1", "--previous"],
    ["rollout", "status", "-n", "app", "deployment/web", "--timeout=180s"],
    ["rollout", "status", "-n", "agents", "daemonset/agent", "--timeout=91s"],
  ]);
});
