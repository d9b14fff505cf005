import assert from "node:assert/strict";
import { renderChart } from "../../e2e/kind/chart_render.ts";
import { ensureGoTool, HELM } from "../../e2e/kind/go_tools.ts";
import { permissionFlags } from "../../src/cli/permissions.ts";
import type { KubeObject } from "./kube_client.ts";
import { providerHostCommand } from "./node_provider.ts";

const helm = await ensureGoTool(HELM);

async function providerDaemonSet(set: string[]): Promise<KubeObject> {
  const daemonSet = (await renderChart({ helm, set })).find((object) =>
    object.kind === "DaemonSet"
  );
  assert.ok(daemonSet, "the chart renders a DaemonSet");
  return daemonSet as KubeObject;
}

const SETTINGS = {
  nodeRoot: "/n",
  repoRoot: "/repo",
  denoPath: "/bin/deno",
  apiServerHost: "127.0.0.1:6443",
  kubeconfig: "/k/provider.kubeconfig",
  metricsPort: 9100,
  configFile: "/repo/deno.provider.json",
  kubeletPodsDirFlag: false,
};

Deno.test("the chart's provider command with only paths and hosts adapted", async () => {
  const daemonSet = await providerDaemonSet([
    "awsEndpointUrl=http://127.0.0.1:4566",
    "logLevel=debug",
  ]);
  const { command, args, env } = providerHostCommand(daemonSet, SETTINGS);
  assert.equal(command, "/bin/deno");
  const expectedFlags = permissionFlags({
    providerVolume: "/n/var/run/secrets-store-csi-providers",
    kubeletPodsDir: "/n/var/lib/kubelet/pods",
    readPaths: ["/k/provider.kubeconfig"],
    netHosts: [
      "*.amazonaws.com:443",
      "*.amazonaws.com.cn:443",
      "*.api.aws:443",
      "169.254.170.23:80",
      "[fd00:ec2::23]:80",
      "127.0.0.1:6443",
      "[::1]:9100",
      "127.0.0.1:9100",
      "127.0.0.1:4566",
    ],
  });
  assert.deepEqual(args, [
    "run",
    ...expectedFlags,
    "--cached-only",
    "--config=/repo/deno.provider.json",
    "/repo/src/main.ts",
    "--provider-volume=/n/var/run/secrets-store-csi-providers",
    "--log-level=debug",
    "--metrics-addr=127.0.0.1:9100",
    "--kubeconfig=/k/provider.kubeconfig",
  ]);
  assert.equal(env.AWS_ENDPOINT_URL, "http://127.0.0.1:4566");
  assert.equal(env.AWS_EC2_METADATA_DISABLED, "true");
});

Deno.test("driver-writes mode keeps the chart's narrower permissions", async () => {
  const daemonSet = await providerDaemonSet(["driverWritesSecrets=true"]);
  const { args } = providerHostCommand(daemonSet, SETTINGS);
  assert.ok(args.includes("--driver-writes-secrets=true"), args.join(" "));
  assert.ok(!args.some((arg) => arg.includes("/kubelet/pods")), args.join(" "));
});

Deno.test("--kubelet-pods-dir names the relocated pods directory when the provider has it", async () => {
  const daemonSet = await providerDaemonSet([]);
  const { args } = providerHostCommand(daemonSet, { ...SETTINGS, kubeletPodsDirFlag: true });
  assert.equal(args.at(-1), "--kubelet-pods-dir=/n/var/lib/kubelet/pods");
});
