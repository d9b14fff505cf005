import assert from "node:assert/strict";
import { appPod, podFromTemplate, SECRETS_VOLUME } from "./workloads.ts";

Deno.test("a pod from a workload's template is bound to the node and keeps its labels", () => {
  const pod = podFromTemplate({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "ds", namespace: "kube-system" },
    spec: {
      template: {
        metadata: { labels: { app: "x" }, annotations: { a: "b" } },
        spec: { serviceAccountName: "sa", containers: [{ name: "c", image: "i" }] },
      },
    },
  }, { name: "ds-node", nodeName: "node" });
  assert.deepEqual(pod, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "ds-node",
      namespace: "kube-system",
      labels: { app: "x" },
      annotations: { a: "b" },
    },
    spec: { serviceAccountName: "sa", containers: [{ name: "c", image: "i" }], nodeName: "node" },
  });
});

Deno.test("an app pod mounts its class read-only at /mnt/secrets-store, as the kind suite's", () => {
  const pod = appPod("app", {
    namespace: "ns",
    serviceAccount: "sa",
    secretProviderClass: "spc",
    nodeName: "node",
    envFromSecrets: { TOKEN: ["synced", "value"] },
  });
  assert.equal(pod.spec.nodeName, "node");
  assert.equal(pod.spec.serviceAccountName, "sa");
  assert.deepEqual(pod.spec.volumes, [{
    name: SECRETS_VOLUME,
    csi: {
      driver: "secrets-store.csi.k8s.io",
      readOnly: true,
      volumeAttributes: { secretProviderClass: "spc" },
    },
  }]);
  assert.equal(pod.spec.containers[0].volumeMounts[0].mountPath, "/mnt/secrets-store");
  assert.deepEqual(pod.spec.containers[0].env, [{
    name: "TOKEN",
    valueFrom: { secretKeyRef: { name: "synced", key: "value" } },
  }]);
});
