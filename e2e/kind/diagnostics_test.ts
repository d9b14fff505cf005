import assert from "node:assert/strict";
import { parse } from "yaml";
import { runningPod } from "./_test_utils.ts";
import type { KubeReads } from "./kube_reads.ts";
import type { Kubectl } from "./kubectl.ts";
import {
  collectDiagnostics,
  DRIVER_OBJECT_DIAGNOSTICS,
  KUBECTL_DIAGNOSTICS,
  LOG_DIAGNOSTICS,
} from "./diagnostics.ts";

function fakeKubectl(ran: string[][]): Kubectl {
  const unused = () => Promise.reject(new Error("not used"));
  return {
    run: (args) => {
      ran.push(args);
      return Promise.resolve(`output of ${args.join(" ")}\n`);
    },
    apply: unused,
    getJson: unused,
    firstPod: unused,
    readFile: unused,
    podEvents: unused,
  };
}

/** Two provider pods (one restarted), a driver pod of three containers, no agent. */
function fakeKube(): KubeReads {
  return {
    pods: (namespace, selector) => {
      if (selector === "app=secrets-store-csi-driver-provider-aws") {
        return Promise.resolve([
          runningPod("provider-a", ["provider"]),
          runningPod("provider-b", ["provider"]),
        ]);
      }
      if (selector === "app=secrets-store-csi-driver") {
        return Promise.resolve([
          runningPod("driver-a", ["node-driver-registrar", "secrets-store"]),
        ]);
      }
      return namespace === "e2e-pod-identity-agent"
        ? Promise.resolve([])
        : Promise.reject(new Error(`unexpected ${namespace} ${selector}`));
    },
    podLog: (_namespace, pod, options) => {
      if (options.previous && pod !== "provider-b") {
        return Promise.reject(new Error("previous terminated container not found"));
      }
      return Promise.resolve(`${pod} ${options.container}${options.previous ? " before" : ""}\n`);
    },
    secret: () => Promise.reject(new Error("not used")),
    events: () => Promise.reject(new Error("not used")),
    driverObjects: (resource) =>
      resource === "secretproviderclasspodstatuses"
        ? Promise.resolve([{ metadata: { name: "p-ns-spc" }, status: { mounted: true } }])
        : Promise.reject(new Error("the server could not find the requested resource")),
    rollout: () => Promise.reject(new Error("not used")),
  };
}

Deno.test("the diagnostics cover the provider, the driver and the agent, pods, events and the driver's objects", () => {
  assert.deepEqual(KUBECTL_DIAGNOSTICS.map((diagnostic) => diagnostic.file), [
    "pods.txt",
    "daemonsets.txt",
    "events.txt",
    "kube-system-pods.txt",
  ]);
  assert.deepEqual(LOG_DIAGNOSTICS, [
    {
      file: "provider",
      namespace: "kube-system",
      selector: "app=secrets-store-csi-driver-provider-aws",
    },
    { file: "driver", namespace: "kube-system", selector: "app=secrets-store-csi-driver" },
    {
      file: "pod-identity-agent",
      namespace: "e2e-pod-identity-agent",
      selector: "app=eks-pod-identity-agent",
    },
  ]);
  assert.deepEqual(DRIVER_OBJECT_DIAGNOSTICS, [
    "secretproviderclasses",
    "secretproviderclasspodstatuses",
  ]);
});

Deno.test("collectDiagnostics writes every file, failures included, then the kind logs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ran: string[][] = [];
    const exported: string[] = [];
    const files = await collectDiagnostics(dir, {
      kubectl: fakeKubectl(ran),
      kube: fakeKube(),
      exportKindLogs: (into) => {
        exported.push(into);
        return Promise.resolve();
      },
      containers: [
        { name: "c-aws-emulator", logs: () => "moto line\n" },
        { name: "c-fault-proxy", logs: () => undefined },
      ],
      summary: "✗ failover: boom\n6 passed, 1 failed",
    });
    assert.deepEqual(files, [
      "summary.txt",
      ...KUBECTL_DIAGNOSTICS.map((diagnostic) => diagnostic.file),
      "provider.log",
      "provider-previous.log",
      "driver.log",
      "driver-previous.log",
      "pod-identity-agent.log",
      "pod-identity-agent-previous.log",
      "secretproviderclasses.yaml",
      "secretproviderclasspodstatuses.yaml",
      "c-aws-emulator.log",
      "c-fault-proxy.log",
      "kind-export-logs.txt",
    ]);
    const read = (file: string) => Deno.readTextFile(`${dir}/${file}`);
    assert.deepEqual(ran, KUBECTL_DIAGNOSTICS.map((diagnostic) => diagnostic.args));
    assert.equal(await read("summary.txt"), "✗ failover: boom\n6 passed, 1 failed\n");
    assert.match(await read("pods.txt"), /^output of get pods --all-namespaces/);
    assert.equal(
      await read("provider.log"),
      "==> kube-system/provider-a provider <==\nprovider-a provider\n" +
        "==> kube-system/provider-b provider <==\nprovider-b provider\n",
    );
    assert.equal(
      await read("provider-previous.log"),
      "==> kube-system/provider-a provider (previous) <==\n" +
        "(not available: previous terminated container not found)\n" +
        "==> kube-system/provider-b provider (previous) <==\nprovider-b provider before\n",
    );
    assert.match(
      await read("driver.log"),
      /driver-a node-driver-registrar\n.*\ndriver-a secrets-store\n/,
    );
    assert.equal(
      await read("pod-identity-agent.log"),
      "(no pod with app=eks-pod-identity-agent in e2e-pod-identity-agent)\n",
    );
    assert.deepEqual(parse(await read("secretproviderclasspodstatuses.yaml")), [
      { metadata: { name: "p-ns-spc" }, status: { mounted: true } },
    ]);
    assert.equal(
      await read("secretproviderclasses.yaml"),
      "(failed: the server could not find the requested resource)\n",
    );
    assert.equal(await read("c-aws-emulator.log"), "moto line\n");
    assert.equal(
      await read("c-fault-proxy.log"),
      "(failed: no output of c-fault-proxy was captured)\n",
    );
    assert.deepEqual(exported, [`${dir}/kind`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a set-up that failed before the cluster existed still leaves its summary", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files = await collectDiagnostics(`${dir}/new`, {
      containers: [],
      summary: "set-up failed: docker build failed (exit 1)",
    });
    assert.deepEqual(files, ["summary.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
