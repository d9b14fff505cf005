/**
 * The AWS emulator (moto or LocalStack) and the region fault proxy, as
 * containers on kind's Docker network (`kind`) started with testcontainers:
 * pods reach them by container IP, the suite reaches them through mapped
 * ports on the host. testcontainers' reaper removes them even if the suite
 * is killed.
 *
 * @module
 */

// Inline and pinned: only the kind suite needs it (loaded only where Docker runs), so the import
// map of the provider does not carry it.
import { GenericContainer, type StartedTestContainer, Wait } from "testcontainers";
import type { RegionFaults } from "./region_fault_proxy.ts";
import type { EmulatorBackend } from "./settings.ts";

/** kind's Docker network. */
export const KIND_NETWORK = "kind";
/** Image that runs the fault proxy: the project's Deno. */
export const PROXY_IMAGE = "denoland/deno:2.9.6";
const PROXY_PORT = 8080;

/** A started container and its two addresses. */
export interface StartedEndpoint {
  /** URL for pods (container IP on the kind network). */
  clusterUrl: string;
  /** URL for the suite on the host (mapped port). */
  hostUrl: string;
  /** Stops and removes the container. */
  stop(): Promise<void>;
}

function endpoint(container: StartedTestContainer, port: number): StartedEndpoint {
  return {
    clusterUrl: `http://${container.getIpAddress(KIND_NETWORK)}:${port}`,
    hostUrl: `http://${container.getHost()}:${container.getMappedPort(port)}`,
    stop: async () => {
      await container.stop();
    },
  };
}

/** Starts the emulator of `backend` on the kind network. */
export async function startEmulator(backend: EmulatorBackend): Promise<StartedEndpoint> {
  const container = await new GenericContainer(backend.image)
    .withNetworkMode(KIND_NETWORK)
    .withEnvironment(backend.environment)
    .withExposedPorts(backend.port)
    .withWaitStrategy(Wait.forHttp(backend.readyPath, backend.port))
    .withStartupTimeout(180_000)
    .start();
  return endpoint(container, backend.port);
}

/** The fault proxy, started in front of `upstream` (a URL valid on the kind network). */
export interface StartedFaultProxy extends StartedEndpoint {
  /** Replaces the failing regions (`{}` clears them). */
  setFaults(faults: RegionFaults): Promise<void>;
}

/** Starts region_fault_proxy.ts in a Deno container on the kind network. */
export async function startFaultProxy(upstream: string): Promise<StartedFaultProxy> {
  const source = await Deno.readTextFile(new URL("./region_fault_proxy.ts", import.meta.url));
  const container = await new GenericContainer(PROXY_IMAGE)
    .withNetworkMode(KIND_NETWORK)
    .withCopyContentToContainer([{ content: source, target: "/e2e/region_fault_proxy.ts" }])
    .withEnvironment({ UPSTREAM: upstream, PORT: String(PROXY_PORT) })
    .withEntrypoint(["deno"])
    .withCommand(["run", "--allow-net", "--allow-env=UPSTREAM,PORT", "/e2e/region_fault_proxy.ts"])
    .withExposedPorts(PROXY_PORT)
    .withWaitStrategy(Wait.forHttp("/__e2e/health", PROXY_PORT))
    .withStartupTimeout(120_000)
    .start();
  const started = endpoint(container, PROXY_PORT);
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
  };
}
