import assert from "node:assert/strict";
import {
  containerEnvironment,
  expandReferences,
  hostMounts,
  relocate,
  replaceHost,
} from "./host_command.ts";

const DAEMON_SET = {
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name: "ds" },
  spec: {
    template: {
      spec: {
        containers: [],
        volumes: [
          { name: "plugin-dir", hostPath: { path: "/var/lib/kubelet/plugins/csi-secrets-store/" } },
          { name: "pods", hostPath: { path: "/var/lib/kubelet/pods" } },
          { name: "token", projected: { sources: [] } },
        ],
      },
    },
  },
};
const CONTAINER = {
  name: "c",
  volumeMounts: [
    { name: "plugin-dir", mountPath: "/csi" },
    { name: "pods", mountPath: "/var/lib/kubelet/pods" },
    { name: "token", mountPath: "/var/run/token" },
  ],
};

Deno.test("hostPath mounts move under the node root; other volumes are left out", () => {
  assert.deepEqual(hostMounts(DAEMON_SET, CONTAINER, "/tmp/node/"), [
    { containerPath: "/csi", hostPath: "/tmp/node/var/lib/kubelet/plugins/csi-secrets-store" },
    { containerPath: "/var/lib/kubelet/pods", hostPath: "/tmp/node/var/lib/kubelet/pods" },
  ]);
});

Deno.test("container paths are relocated where they stand as paths, and nowhere else", () => {
  const mappings = hostMounts(DAEMON_SET, CONTAINER, "/n");
  assert.equal(
    relocate("unix:///csi/csi.sock", mappings),
    "unix:///n/var/lib/kubelet/plugins/csi-secrets-store/csi.sock",
  );
  assert.equal(
    relocate("--allow-write=/var/lib/kubelet/pods,/csi", mappings),
    "--allow-write=/n/var/lib/kubelet/pods,/n/var/lib/kubelet/plugins/csi-secrets-store",
  );
  assert.equal(
    relocate("--x=unix:/csi/a.sock", mappings),
    "--x=unix:/n/var/lib/kubelet/plugins/csi-secrets-store/a.sock",
  );
  assert.equal(relocate("/csi-other", mappings), "/csi-other");
  assert.equal(relocate("--y=/var/lib/kubelet/podsx", mappings), "--y=/var/lib/kubelet/podsx");
  assert.equal(relocate("/tmp/csi", mappings), "/tmp/csi");
});

Deno.test("$(VAR) references expand like the kubelet's; $$ escapes; unknown names stay", () => {
  const env = { CSI_ENDPOINT: "unix:///csi/csi.sock", NODE: "n1" };
  assert.equal(
    expandReferences("--endpoint=$(CSI_ENDPOINT)", env),
    "--endpoint=unix:///csi/csi.sock",
  );
  assert.equal(expandReferences("$$(NODE)-$(NODE)-$(MISSING)", env), "$(NODE)-n1-$(MISSING)");
});

Deno.test("the container environment takes values and fieldRefs", () => {
  const container = {
    env: [
      { name: "A", value: "a" },
      { name: "B", value: "$(A)-b" },
      { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
    ],
  };
  assert.deepEqual(containerEnvironment(container, { "spec.nodeName": "n1" }), {
    A: "a",
    B: "a-b",
    NODE: "n1",
  });
  assert.throws(() => containerEnvironment(container, {}), /spec.nodeName/);
});

Deno.test("hosts are replaced as list elements only", () => {
  assert.equal(
    replaceHost(
      "--allow-net=a:1,kubernetes.default.svc,0.0.0.0:8989",
      "kubernetes.default.svc",
      "127.0.0.1:6443",
    ),
    "--allow-net=a:1,127.0.0.1:6443,0.0.0.0:8989",
  );
  assert.equal(
    replaceHost("--x=my.kubernetes.default.svc", "kubernetes.default.svc", "h"),
    "--x=my.kubernetes.default.svc",
  );
});
