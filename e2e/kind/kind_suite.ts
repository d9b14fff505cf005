/**
 * The kind suite, where Docker exists: builds our image, creates the kind
 * cluster, starts the emulator and the fault proxy on kind's network with
 * testcontainers, installs our chart with the real driver as its dependency,
 * seeds two regions and runs the scenarios (the leak check last), reading
 * the cluster with client-node and applying and `exec`ing with kubectl. When
 * anything fails, set-up included, the diagnostics are collected before
 * anything is removed. Everything it creates is removed at the end;
 * `E2E_KEEP=1` keeps all of it (cluster, emulator, fault proxy, work
 * directory: testcontainers' reaper is off for that run) and prints how to
 * reach and remove each. The docker, kind and helm steps are thin wrappers
 * around the command lines of cluster_args.ts.
 *
 * @module
 */

import { createSeeder, type SecretSample } from "../../devstack/mod.ts";
import { CHART_DIR, helmEnvironment } from "./chart_render.ts";
import {
  dockerBuildArgs,
  DRIVER_CHART_REPO,
  kindCreateArgs,
  kindDeleteArgs,
  kindExportLogsArgs,
  kindKubeconfigArgs,
  kindLoadArgs,
  providerInstallArgs,
} from "./cluster_args.ts";
import { clientNodeReads, type ClosableKubeReads } from "./client_node_reads.ts";
import type { ContainerEngine } from "./container_engine.ts";
import { loadContainerEngine } from "./engine_loader.ts";
import { collectDiagnostics } from "./diagnostics.ts";
import {
  emulatorSpec,
  faultProxySpec,
  PROXY_IMAGE,
  type StartedFaultProxy,
  startEmulator,
  startFaultProxy,
} from "./emulator.ts";
import { ensureGoTool, HELM, KIND } from "./go_tools.ts";
import { controlPlaneNode, dockerKubectl, type Kubectl } from "./kubectl.ts";
import { runScenarios, SCENARIOS, summaryLine } from "./scenarios.ts";
import type { E2eSettings } from "./settings.ts";

/** Something the suite created: how to remove it, and how to reach it when kept. */
export interface Created {
  /** What it is. */
  what: string;
  /** Removes it. */
  remove: () => Promise<unknown>;
  /** How to reach and remove it by hand (`E2E_KEEP=1`). */
  keep: string[];
}

/** The message `E2E_KEEP=1` prints: every kept resource, how to reach it and remove it. */
export function keepInstructions(created: Created[]): string {
  return [
    "E2E_KEEP=1: everything was kept.",
    ...created.flatMap((item) => [`- ${item.what}:`, ...item.keep.map((line) => `    ${line}`)]),
  ].join("\n");
}

/** Runs a command, streaming its output; returns stdout when `capture` is set. */
async function run(
  command: string,
  args: string[],
  options: { capture?: boolean; env?: Record<string, string> } = {},
): Promise<string> {
  console.error(`$ ${command} ${args.join(" ")}`);
  const result = await new Deno.Command(command, {
    args,
    env: options.env,
    stdout: options.capture ? "piped" : "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) throw new Error(`${command} ${args[0]} failed (exit ${result.code})`);
  return options.capture ? new TextDecoder().decode(result.stdout) : "";
}

/** Runs the kind suite; returns the process exit code. */
export async function runKindE2e(settings: E2eSettings): Promise<number> {
  const created: Created[] = [];
  const containers: string[] = [];
  let engine: ContainerEngine | undefined;
  let kubectl: Kubectl | undefined;
  let kube: ClosableKubeReads | undefined;
  let kind: string | undefined;
  let summary = "";
  let failed = false;
  const work = await Deno.makeTempDir({ prefix: "ascp-e2e-" });
  created.push({
    what: `work directory ${work} (kubeconfig, chart copy)`,
    remove: () => Deno.remove(work, { recursive: true }),
    keep: [`rm -rf ${work}`],
  });
  try {
    // First: with E2E_KEEP=1 the reaper must be off before testcontainers is loaded.
    engine = await loadContainerEngine({ keep: settings.keep });
    kind = await ensureGoTool(KIND);
    const helm = await ensureGoTool(HELM);
    await run("docker", dockerBuildArgs(settings));

    await run(kind, kindCreateArgs(settings));
    const kindBinary = kind;
    created.push({
      what: `kind cluster ${settings.clusterName} (${settings.kindNodeImage})`,
      remove: () => run(kindBinary, kindDeleteArgs(settings)),
      keep: [
        `kubectl: ${kindBinary} get kubeconfig --name ${settings.clusterName} > kubeconfig && ` +
        `KUBECONFIG=kubeconfig kubectl get pods -A`,
        `  (or without kubectl: docker exec -it ${controlPlaneNode(settings.clusterName)} ` +
        `kubectl --kubeconfig=/etc/kubernetes/admin.conf get pods -A)`,
        `remove: ${kindBinary} delete cluster --name ${settings.clusterName}`,
      ],
    });
    const kubeconfig = `${work}/kubeconfig`;
    await Deno.writeTextFile(
      kubeconfig,
      await run(kind, kindKubeconfigArgs(settings), { capture: true }),
    );
    await run(kind, kindLoadArgs(settings));
    kubectl = dockerKubectl(controlPlaneNode(settings.clusterName));
    kube = await clientNodeReads({ kubeconfig });

    const leftovers = await engine.removeLeftovers(settings.clusterName);
    if (leftovers.length > 0) {
      console.error(`removed the containers of an earlier kept run: ${leftovers.join(", ")}`);
    }
    console.error(`starting ${settings.backend.image} and the fault proxy on the kind network`);
    // Named before they start: a container that never gets ready still has its output kept.
    containers.push(emulatorSpec(settings.backend, settings.clusterName).name);
    const emulator = await startEmulator(engine, {
      backend: settings.backend,
      cluster: settings.clusterName,
    });
    created.push({
      what: `emulator container ${emulator.name} (${settings.backend.image})`,
      remove: () => emulator.stop(),
      keep: [
        `AWS endpoint from the host: ${emulator.hostUrl}, from pods: ${emulator.clusterUrl}`,
        `remove: docker rm -f ${emulator.name}`,
      ],
    });
    containers.push(faultProxySpec(emulator.clusterUrl, settings.clusterName).name);
    const proxy: StartedFaultProxy = await startFaultProxy(engine, {
      upstream: emulator.clusterUrl,
      cluster: settings.clusterName,
    });
    created.push({
      what: `fault proxy container ${proxy.name} (the provider's AWS endpoint)`,
      remove: () => proxy.stop(),
      keep: [
        `from the host: ${proxy.hostUrl}, from pods: ${proxy.clusterUrl}`,
        `clear faults: curl -X PUT ${proxy.hostUrl}/__e2e/faults -d '{}'`,
        `remove: docker rm -f ${proxy.name}`,
      ],
    });
    // The Pod Identity agent stand-in runs on this image too: the nodes get it from the host
    // (already pulled for the proxy) rather than from a registry with pull limits.
    await run(kind, kindLoadArgs(settings, PROXY_IMAGE));

    // Our chart with the real driver as its dependency, fetched from the driver's repository.
    const chartCopy = `${work}/chart`;
    await run("cp", ["-R", CHART_DIR, chartCopy]);
    const env = helmEnvironment(work);
    await run(helm, ["repo", "add", DRIVER_CHART_REPO.name, DRIVER_CHART_REPO.url], { env });
    await run(helm, ["dependency", "build", chartCopy], { env });
    await run(
      helm,
      providerInstallArgs(settings, {
        chartDir: chartCopy,
        awsEndpointUrl: proxy.clusterUrl,
        kubeconfig,
      }),
      { env },
    );

    using seeder = createSeeder(emulator.hostUrl);
    const results = await runScenarios(SCENARIOS, {
      kubectl,
      kube,
      aws: seeder,
      setFaults: (faults) => proxy.setFaults(faults),
      settings,
      awsEndpointForPods: proxy.clusterUrl,
      leakSamples: async () => [...seeder.seededValues(), ...stsSamples(await proxy.sensitive())],
      log: (message) => console.error(message),
    });
    summary = [
      ...results.map((result) =>
        `${result.error ? "✗" : "✓"} ${result.name} (${result.seconds} s)` +
        (result.error ? `: ${result.error}` : "")
      ),
      summaryLine(results),
    ].join("\n");
    failed = results.some((result) => result.error !== undefined);
    console.log(summaryLine(results));
  } catch (error) {
    failed = true;
    summary = `set-up failed: ${(error as Error).stack ?? error}`;
    console.error(summary);
  } finally {
    if (failed) {
      const dir = settings.artifactsDir ?? await Deno.makeTempDir({ prefix: "ascp-e2e-diag-" });
      const kindBinary = kind;
      const started = engine;
      const files = await collectDiagnostics(dir, {
        kubectl,
        kube,
        exportKindLogs: kubectl && kindBinary
          ? (into) => run(kindBinary, kindExportLogsArgs(settings, into))
          : undefined,
        containers: containers.map((name) => ({ name, logs: () => started?.logs(name) })),
        summary,
      });
      console.error(`diagnostics (${files.length} files) in ${dir}`);
    }
    await kube?.close();
    if (settings.keep) {
      console.error(keepInstructions(created));
    } else {
      for (const item of created.reverse()) {
        try {
          await item.remove();
        } catch (error) {
          console.error(`removing the ${item.what} failed: ${(error as Error).message}`);
        }
      }
    }
  }
  return failed ? 1 : 0;
}

/** The proxy's STS values as leak samples (described, never shown). */
export function stsSamples(values: { tokens: string[]; credentials: string[] }): SecretSample[] {
  return [
    ...values.tokens.map((value, index) => ({
      value,
      what: `a web identity token sent to STS (#${index + 1})`,
    })),
    ...values.credentials.map((value, index) => ({
      value,
      what: `an STS secret key or session token (#${index + 1})`,
    })),
  ];
}
