import assert from "node:assert/strict";
import { controlPlaneNode, kubectlDockerArgs, objectList } from "./kubectl.ts";
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
