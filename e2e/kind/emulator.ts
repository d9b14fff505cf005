/**
 * The AWS emulator (moto or LocalStack) and the region fault proxy, as
 * containers on kind's Docker network (`kind`), started with the docker CLI
 * (as kind itself is): pods reach them by container IP, the suite through
 * ports published on 127.0.0.1. They are named after the cluster and labelled
 * {@linkcode E2E_LABEL}, so they are easy to find, keep (`E2E_KEEP=1`) and
 * remove (`docker rm -f <name>`); nothing removes them behind the suite's back.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { RegionFaults, SensitiveValues } from "./region_fault_proxy.ts";
import type { EmulatorBackend } from "./settings.ts";

/** kind's Docker network. */
export const KIND_NETWORK = "kind";
/** Image that runs the fault proxy: the project's Deno. */
export const PROXY_IMAGE = "denoland/deno:2.9.6";
/** Label of every container the suite starts; its value is the cluster name. */
export const E2E_LABEL = "io.github.ascp-deno.e2e";
const PROXY_PORT = 8080;
const PROXY_SOURCE = "/tmp/region_fault_proxy.ts";

/** A container to run on the kind network with one published port. */
export interface ContainerSpec {
  /** Container name. */
  name: string;
  /** Image (pinned). */
  image: string;
  /** The port to publish on 127.0.0.1 (a free host port is chosen). */
  port: number;
  /** Cluster name (the label's value). */
  cluster: string;
  /** Environment. */
  env?: Record<string, string>;
  /** Entrypoint override. */
  entrypoint?: string;
  /** Command (arguments of the entrypoint). */
  command?: string[];
}

/** `docker create` arguments for `spec`. */
export function dockerCreateArgs(spec: ContainerSpec): string[] {
  return [
    "create",
    "--name",
    spec.name,
    "--network",
    KIND_NETWORK,
    "--publish",
    `127.0.0.1::${spec.port}`,
    "--label",
    `${E2E_LABEL}=${spec.cluster}`,
    ...Object.entries(spec.env ?? {}).flatMap(([name, value]) => ["--env", `${name}=${value}`]),
    ...(spec.entrypoint ? ["--entrypoint", spec.entrypoint] : []),
    spec.image,
    ...(spec.command ?? []),
  ];
}

/** The host port of `docker port <name> <port>/tcp` output (`127.0.0.1:49153`). */
export function publishedPort(output: string): number {
  const match = output.match(/^127\.0\.0\.1:(\d+)$/m);
  if (!match) throw new Error(`no 127.0.0.1 port in docker port's output: ${output.trim()}`);
  return Number(match[1]);
}

/** Runs `docker <args>`; returns stdout. @throws {Error} with stderr. */
export async function docker(args: string[]): Promise<string> {
  const result = await new Deno.Command("docker", { args, stdout: "piped", stderr: "piped" })
    .output();
  const decoder = new TextDecoder();
  if (!result.success) {
    throw new Error(`docker ${args[0]} failed: ${decoder.decode(result.stderr).trim()}`);
  }
  return decoder.decode(result.stdout);
}

/** A started container and its two addresses. */
export interface StartedEndpoint {
  /** Container name. */
  name: string;
  /** URL for pods (container IP on the kind network). */
  clusterUrl: string;
  /** URL for the suite on the host (published port). */
  hostUrl: string;
  /** Removes the container. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startContainer}. */
export interface StartOptions {
  /** Path answered once the container is ready. */
  readyPath: string;
  /** How long to wait for it. */
  readyTimeoutMs: number;
  /** Files to copy in before the start: container path → host path. */
  files?: Record<string, string>;
}

/**
 * Creates and starts `spec` (replacing a leftover container of the same
 * name) and waits until `readyPath` answers below 500.
 *
 * @throws {Error} with the container's last log lines when it never gets ready.
 */
export async function startContainer(
  spec: ContainerSpec,
  options: StartOptions,
): Promise<StartedEndpoint> {
  await docker(["rm", "--force", spec.name]).catch(() => {});
  await docker(dockerCreateArgs(spec));
  for (const [target, source] of Object.entries(options.files ?? {})) {
    await docker(["cp", source, `${spec.name}:${target}`]);
  }
  await docker(["start", spec.name]);
  const port = publishedPort(await docker(["port", spec.name, `${spec.port}/tcp`]));
  const ip = (await docker([
    "inspect",
    "--format",
    `{{ (index .NetworkSettings.Networks "${KIND_NETWORK}").IPAddress }}`,
    spec.name,
  ])).trim();
  const started: StartedEndpoint = {
    name: spec.name,
    clusterUrl: `http://${ip}:${spec.port}`,
    hostUrl: `http://127.0.0.1:${port}`,
    stop: async () => {
      await docker(["rm", "--force", spec.name]);
    },
  };
  const deadline = Date.now() + options.readyTimeoutMs;
  while (true) {
    try {
      const answer = await fetch(`${started.hostUrl}${options.readyPath}`);
      await answer.body?.cancel();
      if (answer.status < 500) return started;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const logs = await docker(["logs", "--tail", "50", spec.name]).catch(() => "");
      throw new Error(
        `${spec.name} (${spec.image}) did not answer ${options.readyPath} within ` +
          `${options.readyTimeoutMs / 1000} s; its last log lines:\n${logs}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Starts the emulator of `backend` on the kind network. */
export function startEmulator(backend: EmulatorBackend, cluster: string): Promise<StartedEndpoint> {
  return startContainer({
    name: `${cluster}-aws-emulator`,
    image: backend.image,
    port: backend.port,
    cluster,
    env: backend.environment,
  }, { readyPath: backend.readyPath, readyTimeoutMs: 180_000 });
}

/** The fault proxy, started in front of `upstream` (a URL valid on the kind network). */
export interface StartedFaultProxy extends StartedEndpoint {
  /** Replaces the failing regions (`{}` clears them). */
  setFaults(faults: RegionFaults): Promise<void>;
  /** The tokens and STS credentials that went through it. */
  sensitive(): Promise<SensitiveValues>;
}

/** Starts region_fault_proxy.ts in a Deno container on the kind network. */
export async function startFaultProxy(
  upstream: string,
  cluster: string,
): Promise<StartedFaultProxy> {
  const started = await startContainer({
    name: `${cluster}-fault-proxy`,
    image: PROXY_IMAGE,
    port: PROXY_PORT,
    cluster,
    env: { UPSTREAM: upstream, PORT: String(PROXY_PORT), DENO_NO_UPDATE_CHECK: "1" },
    entrypoint: "deno",
    command: ["run", "--allow-net", "--allow-env=UPSTREAM,PORT", PROXY_SOURCE],
  }, {
    readyPath: "/__e2e/health",
    readyTimeoutMs: 120_000,
    files: { [PROXY_SOURCE]: fileURLToPath(new URL("./region_fault_proxy.ts", import.meta.url)) },
  });
  return {
    ...started,
    async setFaults(faults) {
      const answer = await fetch(`${started.hostUrl}/__e2e/faults`, {
        method: "PUT",
        body: JSON.stringify(faults),
      });
      await answer.body?.cancel();
      if (!answer.ok) throw new Error(`fault proxy answered ${answer.status}`);
    },
    async sensitive() {
      const answer = await fetch(`${started.hostUrl}/__e2e/sensitive`);
      if (!answer.ok) throw new Error(`fault proxy answered ${answer.status}`);
      return await answer.json();
    },
  };
}
