import assert from "node:assert/strict";
import { daemonSetOf, isHook, kindInstallValues, objectsToApply } from "./install.ts";
import type { KubeObject } from "./kube_client.ts";

Deno.test("the kind suite's values, with the AWS endpoint given and overrides last", () => {
  const values = kindInstallValues("http://127.0.0.1:4566", [
    "secrets-store-csi-driver.rotationPollInterval=5s",
  ]);
  assert.ok(values.includes("awsEndpointUrl=http://127.0.0.1:4566"));
  assert.ok(values.includes("secrets-store-csi-driver.syncSecret.enabled=true"));
  assert.ok(values.includes("secrets-store-csi-driver.enableSecretRotation=true"));
  assert.deepEqual(
    values.filter((value) => value.startsWith("secrets-store-csi-driver.rotationPollInterval=")),
    ["secrets-store-csi-driver.rotationPollInterval=5s"],
  );
});

function object(kind: string, name: string, extra: Partial<KubeObject> = {}): KubeObject {
  return { apiVersion: "v1", kind, metadata: { name }, ...extra };
}

Deno.test("CRDs first, then cluster-scoped, then namespaced; no hooks, no DaemonSets", () => {
  const hook = object("Job", "upgrade-crds", {
    metadata: {
      name: "upgrade-crds",
      namespace: "kube-system",
      annotations: { "helm.sh/hook": "pre-install" },
    },
  });
  const objects = [
    object("ServiceAccount", "sa", { metadata: { name: "sa", namespace: "kube-system" } }),
    object("DaemonSet", "ds", { metadata: { name: "ds", namespace: "kube-system" } }),
    object("ClusterRole", "role"),
    hook,
    object("CustomResourceDefinition", "crd"),
  ];
  assert.equal(isHook(hook), true);
  assert.deepEqual(objectsToApply(objects).map((each) => each.metadata.name), [
    "crd",
    "role",
    "sa",
  ]);
});

Deno.test("the DaemonSet of a container is found by the container's name", () => {
  const daemonSet = object("DaemonSet", "driver", {
    spec: { template: { spec: { containers: [{ name: "secrets-store" }] } } },
  });
  assert.equal(daemonSetOf([object("ClusterRole", "r"), daemonSet], "secrets-store"), daemonSet);
  assert.throws(() => daemonSetOf([daemonSet], "provider-aws-installer"), /no DaemonSet/);
});
