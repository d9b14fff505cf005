import assert from "node:assert/strict";
import { objectPath, pathOf } from "./kube_client.ts";

Deno.test("core, group, namespaced and cluster-scoped paths", () => {
  assert.equal(
    objectPath({ kind: "Pod", namespace: "a", name: "p" }),
    "/api/v1/namespaces/a/pods/p",
  );
  assert.equal(objectPath({ kind: "Node", name: "n" }), "/api/v1/nodes/n");
  assert.equal(
    objectPath({ kind: "SecretProviderClassPodStatus", namespace: "a" }),
    "/apis/secrets-store.csi.x-k8s.io/v1/namespaces/a/secretproviderclasspodstatuses",
  );
  assert.equal(
    objectPath({ kind: "ClusterRoleBinding", name: "b" }),
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/b",
  );
  assert.equal(
    pathOf({ apiVersion: "storage.k8s.io/v1", kind: "CSIDriver", metadata: { name: "d" } }),
    "/apis/storage.k8s.io/v1/csidrivers/d",
  );
});

Deno.test("unknown kinds and namespaced kinds without a namespace are errors", () => {
  assert.throws(() => objectPath({ kind: "Widget", name: "w" }), /unknown kind Widget/);
  assert.throws(() => objectPath({ kind: "Secret", name: "s" }), /needs a namespace/);
});

Deno.test("names are escaped in paths", () => {
  assert.equal(objectPath({ kind: "Node", name: "a/b" }), "/api/v1/nodes/a%2Fb");
});
