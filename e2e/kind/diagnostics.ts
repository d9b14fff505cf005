/**
 * What the kind suite keeps when anything fails, set-up included, before it
 * deletes the cluster: `kind export logs` (kubelet, containerd, every pod's
 * logs), the pods, DaemonSets and events of every namespace, the provider's
 * and the driver's logs (current and previous containers), the mount status
 * objects, and the logs of the emulator and fault proxy containers. Each goes
 * into a file of its own in one directory, which CI uploads as an artifact.
 * Collecting never throws: a command that fails leaves its error in its file.
 *
 * @module
 */

import type { Kubectl } from "./kubectl.ts";
import { PROVIDER_SELECTOR } from "./leak_scenario.ts";
import { AGENT_NAMESPACE } from "./pod_identity_scenario.ts";

/** One kubectl command and the file its output goes to. */
export interface KubectlDiagnostic {
  /** File name in the diagnostics directory. */
  file: string;
  /** kubectl arguments. */
  args: string[];
}

/** The kubectl commands of the diagnostics. */
export const KUBECTL_DIAGNOSTICS: KubectlDiagnostic[] = [
  { file: "pods.txt", args: ["get", "pods", "--all-namespaces", "-o", "wide"] },
  { file: "daemonsets.txt", args: ["get", "daemonsets", "--all-namespaces", "-o", "wide"] },
  {
    file: "events.txt",
    args: ["get", "events", "--all-namespaces", "--sort-by=.lastTimestamp", "-o", "wide"],
  },
  { file: "kube-system-pods.txt", args: ["describe", "pods", "-n", "kube-system"] },
  ...[false, true].flatMap((previous) => {
    const suffix = previous ? "-previous" : "";
    const flags = ["--all-containers", "--prefix", "--tail=-1", "--max-log-requests=20"];
    return [
      {
        file: `provider${suffix}.log`,
        args: ["logs", "-n", "kube-system", "-l", PROVIDER_SELECTOR, ...flags],
      },
      {
        file: `driver${suffix}.log`,
        args: ["logs", "-n", "kube-system", "-l", "app=secrets-store-csi-driver", ...flags],
      },
    ].map((diagnostic) => ({
      ...diagnostic,
      args: previous ? [...diagnostic.args, "--previous"] : diagnostic.args,
    }));
  }),
  {
    file: "pod-identity-agent.log",
    args: ["logs", "-n", AGENT_NAMESPACE, "--all-containers", "--prefix", "-l", "app"],
  },
  {
    file: "secretproviderclasspodstatuses.yaml",
    args: ["get", "secretproviderclasspodstatuses", "--all-namespaces", "-o", "yaml"],
  },
  {
    file: "secretproviderclasses.yaml",
    args: ["get", "secretproviderclasses", "--all-namespaces", "-o", "yaml"],
  },
];

/** What {@linkcode collectDiagnostics} can reach; absent parts were never created. */
export interface DiagnosticsSources {
  /** kubectl on the cluster, once it exists. */
  kubectl?: Kubectl;
  /** `kind export logs <dir>` for the cluster, once it exists. */
  exportKindLogs?: (dir: string) => Promise<unknown>;
  /** Containers (emulator, fault proxy) whose logs to keep. */
  containers: string[];
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
  if (sources.kubectl) {
    for (const { file, args } of KUBECTL_DIAGNOSTICS) {
      await save(file, () => sources.kubectl!.run(args));
    }
  }
  for (const name of sources.containers) {
    await save(`${name}.log`, () => containerLogs(name));
  }
  if (sources.exportKindLogs) {
    await save("kind-export-logs.txt", async () => {
      await sources.exportKindLogs!(`${dir}/kind`);
      return "kind export logs: see kind/\n";
    });
  }
  return written;
}

/** `docker logs` of a container: what it wrote to stdout and to stderr. */
async function containerLogs(name: string): Promise<string> {
  const result = await new Deno.Command("docker", {
    args: ["logs", "--timestamps", name],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  const text = `${decoder.decode(result.stdout)}${decoder.decode(result.stderr)}`;
  if (!result.success) throw new Error(text.trim());
  return text;
}
