import assert from "node:assert/strict";
import type { Kubectl } from "./kubectl.ts";
import { collectDiagnostics, KUBECTL_DIAGNOSTICS } from "./diagnostics.ts";

function fakeKubectl(ran: string[][]): Kubectl {
  const unused = () => Promise.reject(new Error("not used"));
  return {
    run: (args) => {
      ran.push(args);
      if (args.includes("--previous")) {
        return Promise.reject(new Error("previous terminated container not found"));
      }
      return Promise.resolve(`output of ${args.join(" ")}\n`);
    },
    apply: unused,
    getJson: unused,
    firstPod: unused,
    readFile: unused,
    podEvents: unused,
  };
}

Deno.test("the diagnostics cover the provider, the driver, events and pods, current and previous", () => {
  const files = KUBECTL_DIAGNOSTICS.map((diagnostic) => diagnostic.file);
  for (
    const file of [
      "pods.txt",
      "events.txt",
      "provider.log",
      "provider-previous.log",
      "driver.log",
      "driver-previous.log",
      "pod-identity-agent.log",
    ]
  ) {
    assert.ok(files.includes(file), file);
  }
  const provider = KUBECTL_DIAGNOSTICS.find((diagnostic) => diagnostic.file === "provider.log")!;
  assert.deepEqual(provider.args.slice(0, 5), [
    "logs",
    "-n",
    "kube-system",
    "-l",
    "app=secrets-store-csi-driver-provider-aws",
  ]);
  assert.ok(provider.args.includes("--tail=-1"));
});

Deno.test("collectDiagnostics writes every file, failures included, then the kind logs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ran: string[][] = [];
    const exported: string[] = [];
    const files = await collectDiagnostics(dir, {
      kubectl: fakeKubectl(ran),
      exportKindLogs: (into) => {
        exported.push(into);
        return Promise.resolve();
      },
      containers: [],
      summary: "✗ failover: boom\n6 passed, 1 failed",
    });
    assert.deepEqual(files, [
      "summary.txt",
      ...KUBECTL_DIAGNOSTICS.map((diagnostic) => diagnostic.file),
      "kind-export-logs.txt",
    ]);
    assert.equal(ran.length, KUBECTL_DIAGNOSTICS.length);
    assert.equal(
      await Deno.readTextFile(`${dir}/summary.txt`),
      "✗ failover: boom\n6 passed, 1 failed\n",
    );
    assert.match(
      await Deno.readTextFile(`${dir}/pods.txt`),
      /^output of get pods --all-namespaces/,
    );
    assert.equal(
      await Deno.readTextFile(`${dir}/provider-previous.log`),
      "(failed: previous terminated container not found)\n",
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
