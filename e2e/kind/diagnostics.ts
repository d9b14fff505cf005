/**
 * What the kind suite keeps when anything fails, set-up included, before it
 * deletes the cluster: `kind export logs` (kubelet, containerd, every pod's
 * logs), the pods, DaemonSets and events of every namespace and a `describe`
 * of the kube-system pods (kubectl's tables, for people), the logs of the
 * provider, the driver and the Pod Identity agent stand-in (every pod and
 * container, current and previous instance) and the driver's
 * SecretProviderClasses and SecretProviderClassPodStatuses (read with
 * client-node), and what the emulator and fault proxy containers wrote.
 * Each goes into a file of its own in one directory, which CI uploads as an
 * artifact. Collecting never throws: a read that fails leaves its error in
 * its file.
 *
 * @module
 */

import { stringify } from "yaml";
import type { DriverResource, KubeReads } from "./kube_reads.ts";
import type { Kubectl } from "./kubectl.ts";
import { PROVIDER_SELECTOR } from "./leak_scenario.ts";
import { POD_IDENTITY_AGENT_NAME } from "./manifests.ts";
import { AGENT_NAMESPACE } from "./pod_identity_scenario.ts";

/** One kubectl command and the file its output goes to. */
export interface KubectlDiagnostic {
  /** File name in the diagnostics directory. */
  file: string;
  /** kubectl arguments. */
  args: string[];
}

/** kubectl's tables and descriptions, made for people to read. */
export const KUBECTL_DIAGNOSTICS: KubectlDiagnostic[] = [
  { file: "pods.txt", args: ["get", "pods", "--all-namespaces", "-o", "wide"] },
  { file: "daemonsets.txt", args: ["get", "daemonsets", "--all-namespaces", "-o", "wide"] },
  {
    file: "events.txt",
    args: ["get", "events", "--all-namespaces", "--sort-by=.lastTimestamp", "-o", "wide"],
  },
  { file: "kube-system-pods.txt", args: ["describe", "pods", "-n", "kube-system"] },
];

/** The pods whose logs are kept: file name (without `.log`), namespace, label selector. */
export interface LogDiagnostic {
  /** File name without `.log` (`-previous` is added for the previous instances). */
  file: string;
  /** Namespace. */
  namespace: string;
  /** Label selector of the pods. */
  selector: string;
}

/** The logs kept. */
export const LOG_DIAGNOSTICS: LogDiagnostic[] = [
  { file: "provider", namespace: "kube-system", selector: PROVIDER_SELECTOR },
  { file: "driver", namespace: "kube-system", selector: "app=secrets-store-csi-driver" },
  {
    file: "pod-identity-agent",
    namespace: AGENT_NAMESPACE,
    selector: `app=${POD_IDENTITY_AGENT_NAME}`,
  },
];

/** The driver's objects kept, as YAML. */
export const DRIVER_OBJECT_DIAGNOSTICS: DriverResource[] = [
  "secretproviderclasses",
  "secretproviderclasspodstatuses",
];

/** What {@linkcode collectDiagnostics} can reach; absent parts were never created. */
export interface DiagnosticsSources {
  /** kubectl on the cluster, once it exists. */
  kubectl?: Kubectl;
  /** Reads on the cluster, once it exists. */
  kube?: KubeReads;
  /** `kind export logs <dir>` for the cluster, once it exists. */
  exportKindLogs?: (dir: string) => Promise<unknown>;
  /** Containers (emulator, fault proxy) whose output to keep: name → what they wrote. */
  containers: { name: string; logs(): string | undefined }[];
  /** The suite's own account of what failed. */
  summary: string;
}

/** Collects the diagnostics into `dir` (created); returns the files written. */
export async function collectDiagnostics(
  dir: string,
  sources: DiagnosticsSources,
): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  const save = async (file: string, produce: () => Promise<string>) => {
    let text: string;
    try {
      text = await produce();
    } catch (error) {
      text = `(failed: ${(error as Error).message})\n`;
    }
    await Deno.writeTextFile(`${dir}/${file}`, text);
    written.push(file);
  };
  await save("summary.txt", () => Promise.resolve(`${sources.summary}\n`));
  const { kubectl, kube } = sources;
  if (kubectl) {
    for (const { file, args } of KUBECTL_DIAGNOSTICS) await save(file, () => kubectl.run(args));
  }
  if (kube) {
    for (const diagnostic of LOG_DIAGNOSTICS) {
      for (const previous of [false, true]) {
        const file = `${diagnostic.file}${previous ? "-previous" : ""}.log`;
        await save(file, () => podLogs(kube, diagnostic, previous));
      }
    }
    for (const resource of DRIVER_OBJECT_DIAGNOSTICS) {
      await save(`${resource}.yaml`, async () => stringify(await kube.driverObjects(resource)));
    }
  }
  for (const container of sources.containers) {
    await save(`${container.name}.log`, () => {
      const text = container.logs();
      if (text === undefined) throw new Error(`no output of ${container.name} was captured`);
      return Promise.resolve(text);
    });
  }
  if (sources.exportKindLogs) {
    await save("kind-export-logs.txt", async () => {
      await sources.exportKindLogs!(`${dir}/kind`);
      return "kind export logs: see kind/\n";
    });
  }
  return written;
}

/**
 * Every container's log of the pods of `diagnostic`, each under a heading;
 * a container without a (previous) log gets the reason instead.
 */
async function podLogs(
  kube: KubeReads,
  diagnostic: LogDiagnostic,
  previous: boolean,
): Promise<string> {
  const pods = await kube.pods(diagnostic.namespace, diagnostic.selector);
  if (pods.length === 0) return `(no pod with ${diagnostic.selector} in ${diagnostic.namespace})\n`;
  const parts: string[] = [];
  for (const pod of pods) {
    for (const container of pod.containers) {
      const heading = `==> ${diagnostic.namespace}/${pod.name} ${container}` +
        `${previous ? " (previous)" : ""} <==`;
      let text: string;
      try {
        text = await kube.podLog(diagnostic.namespace, pod.name, { container, previous });
      } catch (error) {
        text = `(not available: ${(error as Error).message})\n`;
      }
      parts.push(`${heading}\n${text}${text.endsWith("\n") || text === "" ? "" : "\n"}`);
    }
  }
  return parts.join("");
}
