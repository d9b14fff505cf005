import assert from "node:assert/strict";
import { driverHostCommand } from "./node_driver.ts";

/** The shape of the driver chart's DaemonSet (charts/secrets-store-csi-driver, 1.6.0). */
const DAEMON_SET = {
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name: "secrets-store-csi-driver", namespace: "kube-system" },
  spec: {
    template: {
      spec: {
        serviceAccountName: "secrets-store-csi-driver",
        containers: [{
          name: "secrets-store",
          args: [
            "--endpoint=$(CSI_ENDPOINT)",
            "--nodeid=$(KUBE_NODE_NAME)",
            "--provider-volume=/var/run/secrets-store-csi-providers",
            "--additional-provider-volume-paths=/etc/kubernetes/secrets-store-csi-providers",
            "--enable-secret-rotation=true",
            "--rotation-poll-interval=5s",
            "--metrics-addr=:8095",
          ],
          env: [
            { name: "CSI_ENDPOINT", value: "unix:///csi/csi.sock" },
            { name: "KUBE_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          ],
          volumeMounts: [
            { name: "plugin-dir", mountPath: "/csi" },
            { name: "mountpoint-dir", mountPath: "/var/lib/kubelet/pods" },
            { name: "providers-dir", mountPath: "/var/run/secrets-store-csi-providers" },
            { name: "providers-dir-0", mountPath: "/etc/kubernetes/secrets-store-csi-providers" },
          ],
        }],
        volumes: [
          { name: "mountpoint-dir", hostPath: { path: "/var/lib/kubelet/pods" } },
          { name: "plugin-dir", hostPath: { path: "/var/lib/kubelet/plugins/csi-secrets-store/" } },
          { name: "providers-dir", hostPath: { path: "/var/run/secrets-store-csi-providers" } },
          {
            name: "providers-dir-0",
            hostPath: { path: "/etc/kubernetes/secrets-store-csi-providers" },
          },
        ],
      },
    },
  },
};

Deno.test("the chart's driver arguments with the node's paths, name and a loopback metrics port", () => {
  const command = driverHostCommand(DAEMON_SET, {
    nodeRoot: "/n",
    nodeName: "node-1",
    kubeconfig: "/k/driver.kubeconfig",
    metricsPort: 9200,
    verbosity: 3,
  });
  assert.deepEqual(command.args, [
    "--endpoint=unix:///n/var/lib/kubelet/plugins/csi-secrets-store/csi.sock",
    "--nodeid=node-1",
    "--provider-volume=/n/var/run/secrets-store-csi-providers",
    "--additional-provider-volume-paths=/n/etc/kubernetes/secrets-store-csi-providers",
    "--enable-secret-rotation=true",
    "--rotation-poll-interval=5s",
    "--metrics-addr=127.0.0.1:9200",
    "--kubeconfig=/k/driver.kubeconfig",
    "-v=3",
  ]);
  assert.equal(command.csiSocket, "/n/var/lib/kubelet/plugins/csi-secrets-store/csi.sock");
  // v1.5.6's rotation reconciler reads KUBECONFIG, not --kubeconfig.
  assert.equal(command.env.KUBECONFIG, "/k/driver.kubeconfig");
});
