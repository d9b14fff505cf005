/**
 * The kind suite, where Docker exists: builds our image, creates the kind
 * cluster, starts the emulator and the fault proxy on kind's network,
 * installs our chart with the real driver as its dependency, seeds two
 * regions and runs the scenarios. Everything it creates is removed at the end
 * (`E2E_KEEP=1` keeps it for debugging). The steps are thin wrappers around
 * the command lines of cluster_args.ts.
 *
 * @module
 */

import { createSeeder } from "../../test/support/aws_seed.ts";
import { CHART_DIR, helmEnvironment } from "./chart_render.ts";
import {
  dockerBuildArgs,
  DRIVER_CHART_REPO,
  kindCreateArgs,
  kindDeleteArgs,
  kindKubeconfigArgs,
  kindLoadArgs,
  providerInstallArgs,
  RELEASE,
} from "./cluster_args.ts";
import { startEmulator, startFaultProxy } from "./emulator.ts";
import { ensureGoTool, HELM, KIND } from "./go_tools.ts";
import { controlPlaneNode, dockerKubectl, type Kubectl } from "./kubectl.ts";
import { runScenarios, SCENARIOS, summaryLine } from "./scenarios.ts";
import type { E2eSettings } from "./settings.ts";

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

/** Prints what helps to understand a failure: provider and driver logs, events. */
async function diagnostics(kubectl: Kubectl): Promise<void> {
  const commands = [
    ["get", "pods", "-A", "-o", "wide"],
    [
      "logs",
      "-n",
      RELEASE.namespace,
      "-l",
      "app=secrets-store-csi-driver-provider-aws",
      "--tail=200",
    ],
    [
      "logs",
      "-n",
      RELEASE.namespace,
      "-l",
      "app=secrets-store-csi-driver",
      "-c",
      "secrets-store",
      "--tail=100",
    ],
    ["get", "events", "-A", "--field-selector", "type=Warning"],
  ];
  for (const args of commands) {
    try {
      console.error(`--- kubectl ${args.join(" ")}\n${await kubectl.run(args)}`);
    } catch (error) {
      console.error(`--- kubectl ${args.join(" ")} failed: ${(error as Error).message}`);
    }
  }
}

/** Runs the kind suite; returns the process exit code. */
export async function runKindE2e(settings: E2eSettings): Promise<number> {
  const cleanups: { what: string; action: () => Promise<unknown> }[] = [];
  const work = await Deno.makeTempDir({ prefix: "ascp-e2e-" });
  cleanups.push({ what: "work directory", action: () => Deno.remove(work, { recursive: true }) });
  try {
    const [kind, helm] = [await ensureGoTool(KIND), await ensureGoTool(HELM)];
    await run("docker", dockerBuildArgs(settings));

    await run(kind, kindCreateArgs(settings));
    cleanups.push({ what: "kind cluster", action: () => run(kind, kindDeleteArgs(settings)) });
    const kubeconfig = `${work}/kubeconfig`;
    await Deno.writeTextFile(
      kubeconfig,
      await run(kind, kindKubeconfigArgs(settings), { capture: true }),
    );
    await run(kind, kindLoadArgs(settings));
    const kubectl = dockerKubectl(controlPlaneNode(settings.clusterName));

    console.error(`starting ${settings.backend.image} and the fault proxy on the kind network`);
    const emulator = await startEmulator(settings.backend);
    cleanups.push({ what: "emulator", action: () => emulator.stop() });
    const proxy = await startFaultProxy(emulator.clusterUrl);
    cleanups.push({ what: "fault proxy", action: () => proxy.stop() });

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
      aws: seeder,
      setFaults: (faults) => proxy.setFaults(faults),
      settings,
      log: (message) => console.error(message),
    });
    const failed = results.some((result) => result.error !== undefined);
    if (failed) await diagnostics(kubectl);
    console.log(summaryLine(results));
    return failed ? 1 : 0;
  } finally {
    if (settings.keep) {
      console.error(`E2E_KEEP=1: kept ${cleanups.map((cleanup) => cleanup.what).join(", ")}`);
    } else {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup.action();
        } catch (error) {
          console.error(`cleanup of the ${cleanup.what} failed: ${(error as Error).message}`);
        }
      }
    }
  }
}
