/**
 * kubectl for the kind suite, without installing it: every kind node image
 * ships the kubectl of its Kubernetes version, so the suite runs
 * `docker exec -i <cluster>-control-plane kubectl --kubeconfig=/etc/kubernetes/admin.conf …`.
 * The README's commands (`kubectl apply`, `kubectl exec … cat`) run exactly
 * as a user types them, version-matched to the cluster, and the suite needs
 * nothing but Docker and the Go-built kind and helm.
 *
 * @module
 */

import type { KubeObject } from "./chart_render.ts";

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
  /** `kubectl get -o json`. */
  getJson(args: string[]): Promise<KubeObject & { items?: KubeObject[] }>;
  /** The name of the first pod with `app=<app>` in `namespace`. */
  firstPod(namespace: string, app: string): Promise<string>;
  /** `kubectl exec <pod> -- cat <path>` (the README's verification step). */
  readFile(namespace: string, pod: string, path: string): Promise<string>;
  /** Messages of the pod's events with `reason`. */
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
