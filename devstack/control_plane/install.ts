/**
 * What a real install creates, rendered offline: our chart with the real
 * driver chart as its dependency — the chart of the driver module itself
 * (`charts/secrets-store-csi-driver` of `sigs.k8s.io/secrets-store-csi-driver`
 * at the release under test, from the Go module cache) — with the kind
 * suite's values. The driver's CRDs, CSIDriver (tokenRequests, republish) and
 * RBAC, and our ServiceAccount, ClusterRole and ClusterRoleBinding are applied
 * to the API server as rendered; the two DaemonSets are not (nothing would run
 * them) but give the driver's and the provider's command lines.
 *
 * @module
 */

import { providerInstallArgs } from "../../e2e/kind/cluster_args.ts";
import {
  CHART_DIR,
  helmTemplateArgs,
  parseManifests,
  runHelm,
} from "../../e2e/kind/chart_render.ts";
import { e2eSettings } from "../../e2e/kind/settings.ts";
import { type DriverRelease, DRIVERS } from "./components.ts";
import type { KubeObject } from "./kube_client.ts";

/** The driver's module path. */
export const DRIVER_MODULE = "sigs.k8s.io/secrets-store-csi-driver";

/**
 * The directory of `module@version` in the Go module cache, downloading it
 * through the module proxy when missing. Run inside `cwd`, a module that
 * requires it; with `version` empty, the version that module selects.
 *
 * @throws {Error} with go's message.
 */
export async function goModuleDir(module: string, version: string, cwd: string): Promise<string> {
  const output = await new Deno.Command("go", {
    // Without a version: the one the module in `cwd` selects.
    args: ["mod", "download", "-json", version ? `${module}@${version}` : module],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(
      `go mod download ${module}@${version}: ${text}${new TextDecoder().decode(output.stderr)}`,
    );
  }
  const dir = JSON.parse(text).Dir;
  if (typeof dir !== "string") throw new Error(`go mod download ${module}@${version}: no Dir`);
  return dir;
}

/**
 * The `--set` values of the kind suite's `helm install`, with the AWS
 * endpoint given here; `overrides` replace values of the same key.
 */
export function kindInstallValues(awsEndpointUrl: string, overrides: string[] = []): string[] {
  const args = providerInstallArgs(e2eSettings({}), {
    chartDir: CHART_DIR,
    awsEndpointUrl,
    kubeconfig: "",
  });
  const values = args.flatMap((arg, index) => args[index - 1] === "--set" ? [arg] : []);
  const keyOf = (pair: string) => pair.slice(0, pair.indexOf("="));
  const replaced = new Set(overrides.map(keyOf));
  return [...values.filter((pair) => !replaced.has(keyOf(pair))), ...overrides];
}

/** Options of {@linkcode renderInstall}. */
export interface RenderInstallOptions {
  /** The helm binary. */
  helm: string;
  /** Driver release whose chart is the dependency. */
  release: DriverRelease;
  /** `--set` values. */
  set: string[];
  /** Kubernetes version Helm renders for. @default {"v1.35.4"} */
  kubeVersion?: string;
}

/** Renders our chart with the driver module's chart as its dependency, CRDs included. */
export async function renderInstall(options: RenderInstallOptions): Promise<KubeObject[]> {
  const driverDir = await goModuleDir(
    DRIVER_MODULE,
    options.release,
    DRIVERS[options.release].moduleDir,
  );
  const root = await Deno.makeTempDir({ prefix: "control-plane-chart-" });
  try {
    const chart = `${root}/chart`;
    await copyTree(CHART_DIR, chart);
    await copyTree(
      `${driverDir}/charts/secrets-store-csi-driver`,
      `${chart}/charts/secrets-store-csi-driver`,
    );
    const args = [
      ...helmTemplateArgs(chart, { set: options.set }),
      "--include-crds",
      "--kube-version",
      options.kubeVersion ?? "v1.35.4",
    ];
    return parseManifests(await runHelm(options.helm, args, root)) as KubeObject[];
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Whether Helm runs `object` as a hook (a Job and its RBAC) rather than installing it. */
export function isHook(object: KubeObject): boolean {
  return object.metadata.annotations?.["helm.sh/hook"] !== undefined;
}

/**
 * The objects to apply, in an order the API server accepts: CRDs, then
 * cluster-scoped objects, then namespaced ones; no hooks and no DaemonSets.
 */
export function objectsToApply(objects: KubeObject[]): KubeObject[] {
  const rank = (object: KubeObject) =>
    object.kind === "CustomResourceDefinition" ? 0 : object.metadata.namespace ? 2 : 1;
  return objects
    .filter((object) => !isHook(object) && object.kind !== "DaemonSet")
    .sort((a, b) => rank(a) - rank(b));
}

/** The DaemonSet whose pods run `containerName`. @throws {Error} when none. */
export function daemonSetOf(objects: KubeObject[], containerName: string): KubeObject {
  const found = objects.find((object) =>
    object.kind === "DaemonSet" &&
    object.spec?.template?.spec?.containers?.some((container: { name: string }) =>
      container.name === containerName
    )
  );
  if (!found) throw new Error(`no DaemonSet with a ${containerName} container`);
  return found;
}

/** The driver's container in its chart. */
export const DRIVER_CONTAINER = "secrets-store";
/** Our provider's container in our chart. */
export const PROVIDER_CONTAINER = "provider-aws-installer";

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const source = `${from}/${entry.name}`;
    const target = `${to}/${entry.name}`;
    if (entry.isDirectory) await copyTree(source, target);
    // The module cache is read-only; the copy must not be (Helm and the cleanup need to write).
    else if (entry.isFile) await Deno.writeFile(target, await Deno.readFile(source));
  }
}
