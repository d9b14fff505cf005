import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  dockerBuildArgs,
  KIND_CONFIG,
  kindCreateArgs,
  kindExportLogsArgs,
  kindLoadArgs,
  providerInstallArgs,
  REPO_ROOT,
  splitImage,
} from "./cluster_args.ts";
import { DEFAULT_NODE_IMAGE, e2eSettings, KIND_NODE_IMAGES } from "./settings.ts";

const settings = e2eSettings({});

Deno.test("kind create uses kind-config.yaml and always a node image by digest", () => {
  assert.deepEqual(kindCreateArgs(settings), [
    "create",
    "cluster",
    "--name",
    "ascp-deno-e2e",
    "--config",
    KIND_CONFIG,
    "--image",
    DEFAULT_NODE_IMAGE,
    "--wait",
    "180s",
  ]);
  const oldest = KIND_NODE_IMAGES.at(-1)!;
  const pinned = kindCreateArgs(e2eSettings({ KIND_NODE_IMAGE: oldest }));
  assert.deepEqual(pinned.slice(6, 8), ["--image", oldest]);
  assert.deepEqual(kindExportLogsArgs(settings, "/tmp/diag/kind"), [
    "export",
    "logs",
    "/tmp/diag/kind",
    "--name",
    "ascp-deno-e2e",
  ]);
});

Deno.test("repository paths are file paths, also when the checkout path has a space", () => {
  assert.ok(REPO_ROOT.endsWith("/") && !REPO_ROOT.includes("%"));
  assert.ok(KIND_CONFIG.startsWith(REPO_ROOT) && KIND_CONFIG.endsWith("/kind-config.yaml"));
  // What URL.pathname gave before: the percent-escaped form, which no file system has.
  assert.equal(new URL("file:///work/my%20repo/kind-config.yaml").pathname.includes("%20"), true);
  assert.equal(
    fileURLToPath("file:///work/my%20repo/kind-config.yaml"),
    "/work/my repo/kind-config.yaml",
  );
});

Deno.test("the image is built from the repository and loaded into the cluster", () => {
  assert.deepEqual(dockerBuildArgs(settings), [
    "build",
    "--tag",
    "ascp-deno/provider:e2e",
    REPO_ROOT,
  ]);
  assert.deepEqual(kindLoadArgs(settings), [
    "load",
    "docker-image",
    "ascp-deno/provider:e2e",
    "--name",
    "ascp-deno-e2e",
  ]);
});

Deno.test("splitImage separates the tag but not a registry port", () => {
  assert.deepEqual(splitImage("ascp-deno/provider:e2e"), {
    repository: "ascp-deno/provider",
    tag: "e2e",
  });
  assert.deepEqual(splitImage("localhost:5000/provider"), {
    repository: "localhost:5000/provider",
    tag: "latest",
  });
});

Deno.test("the install turns on sync and 30 s rotation and points the provider at the emulator", () => {
  const args = providerInstallArgs(settings, {
    chartDir: "/tmp/chart",
    awsEndpointUrl: "http://172.18.0.9:8080",
    kubeconfig: "/tmp/kubeconfig",
  });
  assert.deepEqual(args.slice(0, 10), [
    "install",
    "secrets-provider-aws",
    "/tmp/chart",
    "--namespace",
    "kube-system",
    "--kubeconfig",
    "/tmp/kubeconfig",
    "--wait",
    "--timeout",
    "5m",
  ]);
  const values = args.slice(10).filter((_, index) => index % 2 === 1);
  assert.deepEqual(values, [
    "image.repository=ascp-deno/provider",
    "image.tag=e2e",
    "image.pullPolicy=IfNotPresent",
    "awsEndpointUrl=http://172.18.0.9:8080",
    "logLevel=debug",
    "secrets-store-csi-driver.install=true",
    "secrets-store-csi-driver.syncSecret.enabled=true",
    "secrets-store-csi-driver.enableSecretRotation=true",
    "secrets-store-csi-driver.rotationPollInterval=30s",
  ]);
});

Deno.test("kind-config.yaml has a control plane and a worker labelled with the primary region", async () => {
  const { parse } = await import("yaml");
  const config = parse(await Deno.readTextFile(KIND_CONFIG));
  assert.equal(config.kind, "Cluster");
  assert.equal(config.apiVersion, "kind.x-k8s.io/v1alpha4");
  assert.deepEqual(config.nodes.map((node: { role: string }) => node.role), [
    "control-plane",
    "worker",
  ]);
  assert.equal(config.nodes[1].labels["topology.kubernetes.io/region"], settings.primaryRegion);
});
