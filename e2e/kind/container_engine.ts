/**
 * What the kind suite asks of a container engine ({@linkcode ContainerEngine}:
 * start a container on kind's network with one published port, remove what an
 * earlier kept run left, hand over a container's log) and how the suite gets
 * the real one, testcontainers (`testcontainers_engine.ts`), with or without
 * its reaper.
 *
 * testcontainers removes its containers through Ryuk, a reaper container that
 * deletes everything of the session once the suite's connection to it closes,
 * that is when the process ends. `E2E_KEEP=1` must keep the emulator and the
 * fault proxy, so for that run Ryuk is switched off with
 * `TESTCONTAINERS_RYUK_DISABLED=true`, which testcontainers reads from
 * `process.env` (Deno's `process.env` is `Deno.env`). testcontainers 12.2.0
 * reads it when the first container starts (`getReaper` in `reaper/reaper.js`),
 * but the variable is set before the module is even loaded, so no version that
 * reads it at import time can miss it: in Deno a static import is evaluated
 * before the importing module's own code runs, so {@linkcode loadContainerEngine}
 * sets the variable first and then imports the engine module dynamically.
 *
 * The containers' ports are published on {@linkcode PUBLISH_ADDRESS} only, so
 * the suite also reaches them there: `TESTCONTAINERS_HOST_OVERRIDE` is set to
 * it (unless set already), for testcontainers' own readiness checks too.
 * Otherwise testcontainers would use `localhost`, which may resolve to `::1`
 * first, or, when the suite itself runs in a container, the Docker gateway.
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

/** What {@linkcode loadContainerEngine} needs. */
export interface EngineLoading {
  /** `E2E_KEEP=1`: nothing may remove the containers when the process ends. */
  keep: boolean;
  /** Where testcontainers reads its settings from. @default {Deno.env} */
  env?: { get(name: string): string | undefined; set(name: string, value: string): void };
  /** Imports the engine module (tests pass a fake). @default {the testcontainers engine} */
  importEngine?: () => Promise<
    { testcontainersEngine(options: { keep: boolean }): ContainerEngine }
  >;
  /** Messages. @default {console.error} */
  log?: (message: string) => void;
}

/**
 * The testcontainers engine, with Ryuk switched off first when everything
 * must be kept and the host address set (see the module doc for why the
 * order matters).
 */
export async function loadContainerEngine(loading: EngineLoading): Promise<ContainerEngine> {
  const env = loading.env ?? Deno.env;
  const log = loading.log ?? console.error;
  if (loading.keep) {
    env.set(RYUK_DISABLED, "true");
    log(`E2E_KEEP=1: ${RYUK_DISABLED}=true, so no reaper removes the containers at exit`);
  } else if (env.get(RYUK_DISABLED) === "true") {
    log(
      `${RYUK_DISABLED}=true is set: the suite removes its containers itself, but a killed run leaves them`,
    );
  }
  const host = env.get(HOST_OVERRIDE);
  if (host === undefined) {
    env.set(HOST_OVERRIDE, PUBLISH_ADDRESS);
  } else if (host !== PUBLISH_ADDRESS) {
    log(`${HOST_OVERRIDE}=${host}: the containers' ports listen on ${PUBLISH_ADDRESS} only`);
  }
  const module = await (loading.importEngine ?? (() => import("./testcontainers_engine.ts")))();
  return module.testcontainersEngine({ keep: loading.keep });
}
