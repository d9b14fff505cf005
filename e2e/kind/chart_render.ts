/**
 * Rendering the provider chart with `helm template`, without network access.
 *
 * The chart depends on the driver's chart (`secrets-store-csi-driver`), which
 * `helm dependency build` downloads from its repository; Helm refuses to
 * render a chart whose dependency is missing, even when its condition turns it
 * off. Offline renders (CI, unit tests) therefore use a temporary copy of the
 * chart with a stub in place of the dependency: a chart of the same name and
 * version whose only template is a ConfigMap holding the values it was given,
 * so tests can see what the provider chart passes to the driver. A copy of
 * the driver chart that `helm dependency build` left in the chart's `charts/`
 * directory is not copied: renders are the same before and after it.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { OLDEST_TESTED_KUBERNETES } from "./settings.ts";

/** The chart's directory in this repository. */
export const CHART_DIR = fileURLToPath(
  new URL("../../charts/secrets-store-csi-driver-provider-aws", import.meta.url),
);

/** Name of the provider's objects in a default render (release `secrets-provider-aws`). */
export const DEFAULT_FULLNAME = "secrets-provider-aws-secrets-store-csi-driver-provider-aws";

/** Name of the stub's ConfigMap. */
export const DEPENDENCY_STUB_CONFIGMAP = "secrets-store-csi-driver-stub-values";

/** A Kubernetes object as rendered. */
export interface KubeObject {
  /** API version. */
  apiVersion: string;
  /** Kind. */
  kind: string;
  /** Metadata. */
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // deno-lint-ignore no-explicit-any
  [field: string]: any;
}

/** Options of a render. */
export interface RenderOptions {
  /** Release name. @default {"secrets-provider-aws"} (the README's) */
  release?: string;
  /** Namespace. @default {"kube-system"} */
  namespace?: string;
  /** `--set` pairs (`key=value`). */
  set?: string[];
  /** `--set-json` pairs (`key=<json>`). */
  setJson?: string[];
  /** Values files (`--values`). */
  values?: string[];
  /**
   * Kubernetes version of the render (`--kube-version`), which Helm checks the
   * chart's `kubeVersion` against. Helm's own offline default (1.20) is older
   * than the chart allows. @default {RENDER_KUBE_VERSION}
   */
  kubeVersion?: string;
}

/** Kubernetes version of offline renders: the oldest the kind suite runs. */
export const RENDER_KUBE_VERSION = OLDEST_TESTED_KUBERNETES;

/** The `helm template` arguments for `chartDir` with `options`. */
export function helmTemplateArgs(chartDir: string, options: RenderOptions = {}): string[] {
  return [
    "template",
    options.release ?? "secrets-provider-aws",
    chartDir,
    "--namespace",
    options.namespace ?? "kube-system",
    ...(options.values ?? []).flatMap((file) => ["--values", file]),
    ...(options.set ?? []).flatMap((pair) => ["--set", pair]),
    ...(options.setJson ?? []).flatMap((pair) => ["--set-json", pair]),
    "--kube-version",
    options.kubeVersion ?? RENDER_KUBE_VERSION,
  ];
}

/** Parses a multi-document YAML stream into its non-empty objects. */
export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw document.errors[0];
      return document.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null);
}

/**
 * The object of `kind` named `name`. Both are needed: a render can hold
 * objects of the same kind from the driver's chart.
 *
 * @throws {Error} when absent.
 */
export function findObject(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered objects`);
  return found;
}

/**
 * Copies the chart to `copy` (a new directory), without the dependencies
 * `helm dependency build` may have put into its `charts/`, and adds the
 * dependency stub.
 */
export async function offlineChartCopy(chartDir: string, copy: string): Promise<void> {
  await copyDirectory(chartDir, copy, (name) => name !== "charts");
  const stub = `${copy}/charts/secrets-store-csi-driver`;
  await Deno.mkdir(`${stub}/templates`, { recursive: true });
  await Deno.writeTextFile(
    `${stub}/Chart.yaml`,
    "apiVersion: v2\nname: secrets-store-csi-driver\nversion: 1.6.0\n" +
      "description: Offline stand-in for the driver chart (renders its values only)\n",
  );
  await Deno.writeTextFile(
    `${stub}/templates/values.yaml`,
    [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      `  name: ${DEPENDENCY_STUB_CONFIGMAP}`,
      "data:",
      "  values.json: {{ toJson .Values | quote }}",
      "",
    ].join("\n"),
  );
}

/** Options of {@linkcode renderChart}. */
export interface RenderChartOptions extends RenderOptions {
  /** The helm binary. */
  helm: string;
  /** The chart. @default {CHART_DIR} */
  chartDir?: string;
}

/**
 * Renders the chart offline (see the module doc) and returns its objects.
 *
 * @throws {Error} with helm's message when the render fails.
 */
export async function renderChart(options: RenderChartOptions): Promise<KubeObject[]> {
  const root = await Deno.makeTempDir({ prefix: "provider-chart-" });
  try {
    const copy = `${root}/chart`;
    await offlineChartCopy(options.chartDir ?? CHART_DIR, copy);
    const text = await runHelm(options.helm, helmTemplateArgs(copy, options), root);
    return parseManifests(text);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/**
 * Runs helm with its config, cache and data homes inside `home` (so nothing
 * of the user's helm setup is read or changed); returns stdout.
 *
 * @throws {Error} with stderr when helm fails.
 */
export async function runHelm(helm: string, args: string[], home: string): Promise<string> {
  const result = await new Deno.Command(helm, {
    args,
    env: helmEnvironment(home),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (!result.success) {
    throw new Error(`helm ${args[0]} failed: ${decoder.decode(result.stderr).trim()}`);
  }
  return decoder.decode(result.stdout);
}

/** Helm's home directories under `home`. */
export function helmEnvironment(home: string): Record<string, string> {
  return {
    HELM_CONFIG_HOME: `${home}/.helm/config`,
    HELM_CACHE_HOME: `${home}/.helm/cache`,
    HELM_DATA_HOME: `${home}/.helm/data`,
  };
}

/** Copies directory `from` to `to` (created), with the top-level entries `include` accepts. */
export async function copyDirectory(
  from: string,
  to: string,
  include: (name: string) => boolean = () => true,
): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (!include(entry.name)) continue;
    const source = `${from}/${entry.name}`;
    const target = `${to}/${entry.name}`;
    if (entry.isDirectory) await copyDirectory(source, target);
    else if (entry.isFile) await Deno.copyFile(source, target);
  }
}

/** The provider container of a rendered DaemonSet. */
export interface ProviderContainer {
  /** `command`. */
  command: string[];
  /** `args`. */
  args: string[];
  /** `env` as a map (value-only entries). */
  env: Record<string, string>;
  /** The whole container. */
  // deno-lint-ignore no-explicit-any
  spec: Record<string, any>;
}

/** The provider's container in the DaemonSet `name` (default: the default render's). */
export function providerContainer(
  objects: KubeObject[],
  name: string = DEFAULT_FULLNAME,
): ProviderContainer {
  const daemonSet = findObject(objects, "DaemonSet", name);
  const container = daemonSet.spec.template.spec.containers
    // deno-lint-ignore no-explicit-any
    .find((candidate: any) => candidate.name === "provider-aws-installer");
  if (!container) throw new Error("no provider-aws-installer container in the DaemonSet");
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (typeof variable.value === "string") env[variable.name] = variable.value;
  }
  return { command: container.command, args: container.args ?? [], env, spec: container };
}
