/**
 * The kind suite's `Kubectl` (`e2e/kind/kubectl.ts`) on the control-plane
 * cluster, so that the kind suite's scenarios run here unchanged: objects
 * are applied to the real API server; a Deployment also gets its pods
 * (created from its template, bound to the node) which the kubelet
 * stand-in starts; `rollout status` waits for them; `exec … cat` and
 * `exec … stat -L -c %a` read the file in the pod's volume on the node,
 * `exec … printenv` answers from the container's environment as resolved at
 * its start, and `logs` of the provider's or the driver's DaemonSet pod
 * prints its process's lines (`--previous`: the process before a restart).
 *
 * Only the kubectl commands the kind scenarios use are understood; any
 * other fails with a message saying so.
 *
 * @module
 */

import type { Kubectl } from "../../e2e/kind/kubectl.ts";

/** The kind suite's kubectl interface, which the stand-in implements. */
export type { Kubectl };
import type { KubeObject as KindObject } from "../../e2e/kind/chart_render.ts";
import type { Cluster } from "./cluster.ts";
import { KubeApiError, type KubeObject, objectPath } from "./kube_client.ts";
import { containerEnv, podFromTemplate } from "./workloads.ts";

/** Options of {@linkcode kubectlStandIn}. */
export interface KubectlStandInOptions {
  /** How long `rollout status` waits when the command gives no `--timeout`. @default {180_000} */
  rolloutTimeoutMs?: number;
}

interface Workload {
  pods: KubeObject[];
  started: Promise<void>;
}

const RESOURCES: Record<string, string> = {
  secret: "Secret",
  secrets: "Secret",
  pod: "Pod",
  pods: "Pod",
  event: "Event",
  events: "Event",
};

/** A `Kubectl` for `cluster` (see the module doc). */
export function kubectlStandIn(cluster: Cluster, options: KubectlStandInOptions = {}): Kubectl {
  const kube = cluster.kube;
  const workloads = new Map<string, Workload>();
  const environments = new Map<string, Promise<Record<string, string>>>();

  async function startDeployment(deployment: KubeObject): Promise<void> {
    const key = `${deployment.metadata.namespace}/${deployment.metadata.name}`;
    if (workloads.has(key)) return; // unchanged re-apply: no new pods in this stand-in
    const pods: KubeObject[] = [];
    const replicas = deployment.spec?.replicas ?? 1;
    for (let index = 0; index < replicas; index++) {
      const name = `${deployment.metadata.name}-${randomSuffix()}`;
      pods.push(
        await kube.create(podFromTemplate(deployment, { name, nodeName: cluster.nodeName })),
      );
    }
    const started = Promise.all(pods.map((pod) => cluster.kubelet().runPod(pod))).then(() => {});
    started.catch(() => {}); // reported by `rollout status`
    workloads.set(key, { pods, started });
  }

  async function podByName(namespace: string, name: string): Promise<KubeObject> {
    const pod = await kube.get(objectPath({ kind: "Pod", namespace, name }));
    if (!pod) throw new Error(`kubectl: pods "${name}" not found in ${namespace}`);
    return pod;
  }

  async function readFile(namespace: string, name: string, path: string): Promise<string> {
    try {
      return await Deno.readTextFile(await nodePath(namespace, name, path));
    } catch (error) {
      throw new Error(`kubectl exec cat ${path}: ${(error as Error).message}`);
    }
  }

  /** The file's target path on the node, for a path inside the pod's container. */
  async function nodePath(namespace: string, name: string, path: string): Promise<string> {
    const pod = await podByName(namespace, name);
    const container = pod.spec.containers[0];
    const mount = [...(container.volumeMounts ?? [])]
      .sort((a, b) => b.mountPath.length - a.mountPath.length)
      .find((candidate) =>
        path === candidate.mountPath || path.startsWith(`${candidate.mountPath}/`)
      );
    if (!mount) throw new Error(`kubectl exec ${path}: no volume mounted there`);
    return `${cluster.kubelet().targetPath(pod, mount.name)}${path.slice(mount.mountPath.length)}`;
  }

  async function fileMode(namespace: string, name: string, path: string): Promise<number> {
    try {
      return (await Deno.stat(await nodePath(namespace, name, path))).mode! & 0o7777;
    } catch (error) {
      throw new Error(`kubectl exec stat ${path}: ${(error as Error).message}`);
    }
  }

  function logs(args: string[]): string {
    const namespace = flagValue(args, "-n") ?? "default";
    const name = args.slice(1).find((arg, index, list) =>
      !arg.startsWith("-") && list[index - 1] !== "-n"
    );
    if (!name) throw new Error(`kubectl ${args.join(" ")}: no pod`);
    const previous = args.includes("--previous");
    const lines = cluster.podLogs(namespace, name, { previous });
    if (lines === undefined) {
      throw new Error(
        previous
          ? `previous terminated container not found in pod "${name}"`
          : `kubectl logs: no process behind pod ${namespace}/${name}`,
      );
    }
    return lines.map((line) => `${line}\n`).join("");
  }

  async function exec(args: string[]): Promise<string> {
    const separator = args.indexOf("--");
    const namespace = flagValue(args.slice(0, separator), "-n") ?? "default";
    const pod = args.slice(1, separator).find((arg, index, list) =>
      !arg.startsWith("-") && list[index - 1] !== "-n"
    );
    const [program, ...rest] = args.slice(separator + 1);
    if (!pod || separator < 0) throw new Error(`kubectl ${args.join(" ")}: no pod or command`);
    if (program === "cat" && rest.length === 1) return await readFile(namespace, pod, rest[0]);
    if (
      program === "stat" && rest.length === 4 && rest[0] === "-L" && rest[1] === "-c" &&
      rest[2] === "%a"
    ) {
      return `${(await fileMode(namespace, pod, rest[3])).toString(8)}\n`;
    }
    if (program === "printenv" && rest.length === 1) {
      const env = await environment(namespace, pod);
      if (!(rest[0] in env)) throw new Error(`kubectl exec printenv ${rest[0]}: exit status 1`);
      return `${env[rest[0]]}\n`;
    }
    throw new Error(`kubectl ${args.join(" ")}: not supported by the control-plane stand-in`);
  }

  /** The container environment, resolved once as at container start (retried like the kubelet). */
  function environment(namespace: string, name: string): Promise<Record<string, string>> {
    const key = `${namespace}/${name}`;
    let resolved = environments.get(key);
    if (!resolved) {
      resolved = (async () => {
        const pod = await podByName(namespace, name);
        const deadline = Date.now() + 60_000;
        for (;;) {
          try {
            return await containerEnv(kube, pod);
          } catch (error) {
            if (Date.now() > deadline) throw error;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
      })();
      environments.set(key, resolved);
    }
    return resolved;
  }

  async function rolloutStatus(args: string[]): Promise<string> {
    const namespace = flagValue(args, "-n") ?? "default";
    const target = args.find((arg) => arg.startsWith("deployment/"));
    if (!target) throw new Error(`kubectl ${args.join(" ")}: only deployment/<name> is supported`);
    const name = target.slice("deployment/".length);
    const workload = workloads.get(`${namespace}/${name}`);
    if (!workload) throw new Error(`kubectl rollout status: deployments "${name}" not found`);
    const timeout = flagValue(args, "--timeout");
    const timeoutMs = timeout ? parseSeconds(timeout) * 1000 : options.rolloutTimeoutMs ?? 180_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        workload.started,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`kubectl rollout status ${target}: timed out`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return `deployment "${name}" successfully rolled out\n`;
  }

  async function getJson(args: string[]): Promise<KindObject & { items?: KindObject[] }> {
    const kind = RESOURCES[args[0]];
    if (!kind) throw new Error(`kubectl get ${args.join(" ")}: not supported by the stand-in`);
    const allNamespaces = args.includes("--all-namespaces") || args.includes("-A");
    const namespace = flagValue(args, "-n") ?? "default";
    const labelSelector = flagValue(args, "-l");
    const fieldSelector = flagValue(args, "--field-selector");
    if (allNamespaces) {
      const resource = objectPath({ kind, namespace: "x" }).split("/").at(-1);
      const root = objectPath({ kind, namespace: "x" }).split("/namespaces/")[0];
      const items = await kube.list(`${root}/${resource}`, { labelSelector, fieldSelector });
      return {
        apiVersion: "v1",
        kind: "List",
        metadata: { name: "" },
        items: items as KindObject[],
      };
    }
    const name = args.slice(1).find((arg, index, list) =>
      !arg.startsWith("-") && !["-n", "-l", "--field-selector"].includes(list[index - 1])
    );
    if (name) {
      const object = await kube.get(objectPath({ kind, namespace, name }));
      if (!object) {
        throw new Error(`kubectl get ${args.join(" ")}: ${args[0]} "${name}" not found`);
      }
      return object as KindObject;
    }
    const items = await kube.list(objectPath({ kind, namespace }), {
      labelSelector,
      fieldSelector,
    });
    return { apiVersion: "v1", kind: "List", metadata: { name: "" }, items: items as KindObject[] };
  }

  const kubectl: Kubectl = {
    async run(args) {
      if (args[0] === "rollout" && args[1] === "status") return await rolloutStatus(args.slice(2));
      if (args[0] === "exec") return await exec(args);
      if (args[0] === "logs") return logs(args);
      throw new Error(`kubectl ${args.join(" ")}: not supported by the control-plane stand-in`);
    },
    async apply(objects) {
      for (const object of objects as KubeObject[]) {
        const namespaced = { ...object, metadata: { ...object.metadata } };
        try {
          await kube.apply(namespaced);
        } catch (error) {
          if (error instanceof KubeApiError) throw new Error(`kubectl apply: ${error.message}`);
          throw error;
        }
        if (object.kind === "Deployment") await startDeployment(object);
      }
    },
    getJson,
    async firstPod(namespace, app) {
      const list = await getJson(["pods", "-n", namespace, "-l", `app=${app}`]);
      const name = list.items?.[0]?.metadata.name;
      if (!name) throw new Error(`no pod with app=${app} in ${namespace}`);
      return name;
    },
    readFile,
    async podEvents(namespace, pod, reason) {
      const list = await getJson([
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

function flagValue(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  if (index >= 0) return args[index + 1];
  const joined = args.find((arg) => arg.startsWith(`${flag}=`));
  return joined?.slice(flag.length + 1);
}

function parseSeconds(value: string): number {
  const match = /^(\d+)(s|m)?$/.exec(value);
  if (!match) throw new Error(`kubectl: bad --timeout ${value}`);
  return Number(match[1]) * (match[2] === "m" ? 60 : 1);
}

function randomSuffix(): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  return [...crypto.getRandomValues(new Uint8Array(5))]
    .map((byte) => alphabet[byte % alphabet.length]).join("");
}
