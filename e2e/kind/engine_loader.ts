/**
 * How the kind suite gets its container engine: testcontainers
 * (`testcontainers_engine.ts`), with or without its reaper, pointed at the
 * address the containers' ports are published on.
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
 * The containers' ports are published on `PUBLISH_ADDRESS` (container_engine.ts) only, so
 * the suite also reaches them there: `TESTCONTAINERS_HOST_OVERRIDE` is set to
 * it (unless set already), for testcontainers' own readiness checks too.
 * Otherwise testcontainers would use `localhost`, which may resolve to `::1`
 * first, or, when the suite itself runs in a container, the Docker gateway.
 *
 * @module
 */

import {
  type ContainerEngine,
  HOST_OVERRIDE,
  PUBLISH_ADDRESS,
  RYUK_DISABLED,
} from "./container_engine.ts";

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
