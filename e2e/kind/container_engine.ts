/**
 * What the kind suite asks of a container engine ({@linkcode ContainerEngine}:
 * start a container on kind's network with one published port, remove what an
 * earlier kept run left, hand over a container's output), and the
 * testcontainers settings the suite uses. The engine is testcontainers
 * (`testcontainers_engine.ts`), loaded by `engine_loader.ts`; tests use fakes.
 *
 * @module
 */

/** The environment variable that switches testcontainers' reaper (Ryuk) off. */
export const RYUK_DISABLED = "TESTCONTAINERS_RYUK_DISABLED";
/** The environment variable that tells testcontainers where published ports are reached. */
export const HOST_OVERRIDE = "TESTCONTAINERS_HOST_OVERRIDE";
/** The host address the containers' ports are published on (as kind publishes its API server). */
export const PUBLISH_ADDRESS = "127.0.0.1";

/** A container to run on kind's network, with one port published on the host's loopback. */
export interface ContainerSpec {
  /** Container name. */
  name: string;
  /** Image, pinned. */
  image: string;
  /** The container port to publish (the host port is chosen by Docker). */
  port: number;
  /** Cluster name: the value of the suite's label, so leftovers can be found. */
  cluster: string;
  /** Environment. */
  env?: Record<string, string>;
  /** Entrypoint override. */
  entrypoint?: string[];
  /** Command (the entrypoint's arguments). */
  command?: string[];
  /** Host files copied into the container before it starts. */
  files?: { source: string; target: string }[];
  /** Path that answers HTTP below 500 once the container is ready. */
  readyPath: string;
  /** How long to wait for it. */
  readyTimeoutMs: number;
}

/** A started container and its two addresses. */
export interface StartedEndpoint {
  /** Container name. */
  name: string;
  /** URL for pods: the container's IP on kind's network and the container port. */
  clusterUrl: string;
  /** URL for the suite on the host: loopback and the published port. */
  hostUrl: string;
  /** Stops and removes the container. */
  stop(): Promise<void>;
}

/** Starts and removes the suite's containers. */
export interface ContainerEngine {
  /**
   * Starts `spec` and waits until it is ready.
   *
   * @throws {Error} with the container's last log lines when it never gets ready.
   */
  start(spec: ContainerSpec): Promise<StartedEndpoint>;
  /** Removes every container labelled for `cluster` (an earlier kept run); returns their names. */
  removeLeftovers(cluster: string): Promise<string[]>;
  /** What a container started by this engine wrote (the last lines), for the diagnostics. */
  logs(name: string): string | undefined;
}
