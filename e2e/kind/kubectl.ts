/**
 * kubectl for the kind suite, without installing it: every kind node image
 * ships the kubectl of its Kubernetes version, so the suite runs
 * `docker exec -i <cluster>-control-plane kubectl --kubeconfig=/etc/kubernetes/admin.conf …`.
 * The suite uses it for what a user types in the README: `kubectl apply -f`
 * of the manifests and `kubectl exec … cat` of a mounted file (and `printenv`,
 * `stat`); its reads and waits go through client-node (client_node_reads.ts).
 *
 * Why apply and exec stay on kubectl: the walkthrough scenario proves the
 * README's commands, and those are `kubectl apply -f` (client-side apply,
 * with kubectl's validation and its last-applied annotation) and `kubectl
 * exec`. client-node has no `apply`: its `KubernetesObjectApi` offers create,
 * replace and patch (server-side apply with a field manager), a second way of
 * applying that no user of the README takes, and its `Exec` runs over a
 * WebSocket client rather than the path users take; neither would prove more.
 *
 * {@linkcode kubectlReads} gives the same reads over a {@linkcode Kubectl},
 * for the control-plane suite, whose kubectl stand-in answers `rollout
 * status` and `logs` itself (its cluster has no controllers and no kubelet
 * API) and implements this interface, `getJson`, `firstPod` and `podEvents`
 * included.
 *
 * @module
 */

import type { KubeObject } from "./chart_render.ts";
import {
  type EventFields,
  eventFieldSelector,
  eventSummary,
  type KubeReads,
  podSummary,
} from "./kube_reads.ts";

/** The control-plane container of a kind cluster. */
export function controlPlaneNode(clusterName: string): string {
  return `${clusterName}-control-plane`;
}

/** `docker` arguments that run kubectl with `args` inside `node`. */
export function kubectlDockerArgs(
  node: string,
  args: string[],
  options: { stdin?: boolean } = {},
): string[] {
  return [
    "exec",
    ...(options.stdin ? ["-i"] : []),
    node,
    "kubectl",
    "--kubeconfig=/etc/kubernetes/admin.conf",
    ...args,
  ];
}

/** A `List` of objects, for `kubectl apply -f -`. */
export function objectList(objects: KubeObject[]): string {
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: objects });
}

/** kubectl bound to one cluster. */
export interface Kubectl {
  /** Runs kubectl; returns stdout. @throws {Error} with stderr on failure. */
  run(args: string[], input?: string): Promise<string>;
  /** `kubectl apply -f -` of `objects`. */
  apply(objects: KubeObject[]): Promise<void>;
  /** `kubectl get -o json` ({@linkcode kubectlReads} reads through it). */
  getJson(args: string[]): Promise<KubeObject & { items?: KubeObject[] }>;
  /**
   * The name of the first pod with `app=<app>` in `namespace`. The suite
   * reads pods through {@linkcode KubeReads}; this stays for the control-plane
   * stand-in, which implements it.
   */
  firstPod(namespace: string, app: string): Promise<string>;
  /** `kubectl exec <pod> -- cat <path>` (the README's verification step). */
  readFile(namespace: string, pod: string, path: string): Promise<string>;
  /** Messages of the pod's events with `reason` (as `firstPod`, kept for the stand-in). */
  podEvents(namespace: string, pod: string, reason: string): Promise<string[]>;
}

/** kubectl inside `node` (see the module doc). */
export function dockerKubectl(node: string): Kubectl {
  const run = async (args: string[], input?: string): Promise<string> => {
    const child = new Deno.Command("docker", {
      args: kubectlDockerArgs(node, args, { stdin: input !== undefined }),
      stdin: input === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (input !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(input));
      await writer.close();
    }
    const result = await child.output();
    const decoder = new TextDecoder();
    if (!result.success) {
      throw new Error(`kubectl ${args.join(" ")}: ${decoder.decode(result.stderr).trim()}`);
    }
    return decoder.decode(result.stdout);
  };
  const kubectl: Kubectl = {
    run,
    async apply(objects) {
      await run(["apply", "-f", "-"], objectList(objects));
    },
    async getJson(args) {
      return JSON.parse(await run(["get", ...args, "-o", "json"]));
    },
    async firstPod(namespace, app) {
      const list = await kubectl.getJson(["pods", "-n", namespace, "-l", `app=${app}`]);
      const name = list.items?.[0]?.metadata.name;
      if (!name) throw new Error(`no pod with app=${app} in ${namespace}`);
      return name;
    },
    readFile(namespace, pod, path) {
      return run(["exec", "-n", namespace, pod, "--", "cat", path]);
    },
    async podEvents(namespace, pod, reason) {
      const list = await kubectl.getJson([
        "events",
        "-n",
        namespace,
        "--field-selector",
        `involvedObject.name=${pod},reason=${reason}`,
      ]);
      return (list.items ?? []).map((event) => String(event.message));
    },
  };
  return kubectl;
}

/** {@linkcode KubeReads} through `kubectl` (see the module doc). */
export function kubectlReads(kubectl: Kubectl): KubeReads {
  return {
    async pods(namespace, labelSelector) {
      const list = await kubectl.getJson(["pods", "-n", namespace, "-l", labelSelector]);
      return (list.items ?? []).map(podSummary);
    },
    podLog(namespace, pod, log) {
      return kubectl.run([
        "logs",
        "-n",
        namespace,
        pod,
        "-c",
        log.container,
        "--tail=-1",
        ...(log.previous ? ["--previous"] : []),
      ]);
    },
    async secret(namespace, name) {
      let secret: KubeObject;
      try {
        secret = await kubectl.getJson(["secret", "-n", namespace, name]);
      } catch (error) {
        if (/not found/i.test((error as Error).message)) return undefined;
        throw error;
      }
      return { data: secret.data ?? {}, labels: secret.metadata.labels ?? {} };
    },
    async events(filter) {
      const selector = eventFieldSelector(filter);
      const list = await kubectl.getJson([
        "events",
        ...(filter.namespace ? ["-n", filter.namespace] : ["--all-namespaces"]),
        ...(selector ? ["--field-selector", selector] : []),
      ]);
      return (list.items ?? []).map((event) => eventSummary(event as EventFields));
    },
    async driverObjects(resource) {
      return (await kubectl.getJson([resource, "--all-namespaces"])).items ?? [];
    },
    async rollout(kind, namespace, name, options = {}) {
      await kubectl.run([
        "rollout",
        "status",
        "-n",
        namespace,
        `${kind.toLowerCase()}/${name}`,
        `--timeout=${Math.ceil((options.timeoutMs ?? 180_000) / 1000)}s`,
      ]);
    },
  };
}
