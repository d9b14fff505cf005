/**
 * The AWS emulator (moto or LocalStack) and the region fault proxy, as
 * containers on kind's Docker network (`kind`) started by a
 * {@linkcode ContainerEngine} (testcontainers in the suite): pods reach them
 * by container IP, the suite through ports published on the host's
 * loopback. They are named after the cluster and labelled
 * {@linkcode E2E_LABEL}, so they are easy to find, keep (`E2E_KEEP=1`) and
 * remove (`docker rm -f <name>`). The specs are pure, so tests check them
 * without Docker.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { ContainerEngine, ContainerSpec, StartedEndpoint } from "./container_engine.ts";
import type { RegionFaults, SensitiveValues } from "./region_fault_proxy.ts";
import type { EmulatorBackend } from "./settings.ts";

export type { StartedEndpoint };

/** kind's Docker network. */
export const KIND_NETWORK = "kind";
/** Image that runs the fault proxy: the project's Deno. */
export const PROXY_IMAGE = "denoland/deno:2.9.6";
/** Label of every container the suite starts; its value is the cluster name. */
export const E2E_LABEL = "io.github.ascp-deno.e2e";
/** The fault proxy's port in its container. */
export const PROXY_PORT = 8080;
/** Where the proxy's source goes in its container. */
export const PROXY_SOURCE = "/tmp/region_fault_proxy.ts";
const PROXY_SOURCE_ON_HOST = fileURLToPath(new URL("./region_fault_proxy.ts", import.meta.url));

/** The emulator container of `backend` for `cluster`. */
export function emulatorSpec(backend: EmulatorBackend, cluster: string): ContainerSpec {
  return {
    name: `${cluster}-aws-emulator`,
    image: backend.image,
    port: backend.port,
    cluster,
    env: backend.environment,
    readyPath: backend.readyPath,
    // LocalStack pulls and starts its services on first use of an image: minutes, not seconds.
    readyTimeoutMs: 180_000,
  };
}

/** The fault proxy's container in front of `upstream` (a URL valid on kind's network). */
export function faultProxySpec(upstream: string, cluster: string): ContainerSpec {
  return {
    name: `${cluster}-fault-proxy`,
    image: PROXY_IMAGE,
    port: PROXY_PORT,
    cluster,
    env: { UPSTREAM: upstream, PORT: String(PROXY_PORT), DENO_NO_UPDATE_CHECK: "1" },
    entrypoint: ["deno"],
    command: ["run", "--allow-net", "--allow-env=UPSTREAM,PORT", PROXY_SOURCE],
    files: [{ source: PROXY_SOURCE_ON_HOST, target: PROXY_SOURCE }],
    readyPath: "/__e2e/health",
    readyTimeoutMs: 120_000,
  };
}

/** Starts the emulator of `backend` on kind's network. */
export function startEmulator(
  engine: ContainerEngine,
  options: { backend: EmulatorBackend; cluster: string },
): Promise<StartedEndpoint> {
  return engine.start(emulatorSpec(options.backend, options.cluster));
}

/** The fault proxy, started in front of the emulator. */
export interface StartedFaultProxy extends StartedEndpoint {
  /** Replaces the failing regions (`{}` clears them). */
  setFaults(faults: RegionFaults): Promise<void>;
  /** The tokens and STS credentials that went through it. */
  sensitive(): Promise<SensitiveValues>;
}

/** Starts region_fault_proxy.ts in a Deno container on kind's network. */
export async function startFaultProxy(
  engine: ContainerEngine,
  options: { upstream: string; cluster: string },
): Promise<StartedFaultProxy> {
  const started = await engine.start(faultProxySpec(options.upstream, options.cluster));
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
      if (!answer.ok) {
        await answer.body?.cancel();
        throw new Error(`fault proxy answered ${answer.status}`);
      }
      return await answer.json();
    },
  };
}
