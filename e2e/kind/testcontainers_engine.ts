/**
 * The kind suite's {@linkcode ContainerEngine} on testcontainers
 * (`npm:testcontainers`, the design's e2e harness): a `GenericContainer` per
 * container, on kind's network, named and labelled after the cluster, its
 * one port published on the host's loopback, an HTTP wait strategy, files
 * copied in before the start, and its log kept (bounded) from the first line
 * on, so that the diagnostics have it even for a container that never got
 * ready (testcontainers removes such a container at once).
 *
 * Load it through `loadContainerEngine` (engine_loader.ts), which switches
 * the reaper off first when `E2E_KEEP=1`; with `keep` the containers are also
 * started without the reaper's session label (`withAutoCleanup(false)`), so
 * that no reaper of another session can take them either.
 *
 * testcontainers publishes ports on every host address and has no setting
 * for the host IP; {@linkcode LoopbackContainer} binds them to 127.0.0.1 as
 * kind binds its API server, since the fault proxy's control API hands out
 * the service account tokens it saw (and `loadContainerEngine` points
 * testcontainers at that address).
 *
 * @module
 */

import {
  GenericContainer,
  getContainerRuntimeClient,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import {
  type ContainerEngine,
  type ContainerSpec,
  PUBLISH_ADDRESS,
  type StartedEndpoint,
} from "./container_engine.ts";
import { E2E_LABEL, KIND_NETWORK } from "./emulator.ts";
import { LogTail } from "./log_tail.ts";

/** Docker's port bindings (`HostConfig.PortBindings`): container port → host bindings. */
export type PortBindings = Record<string, { HostIp?: string; HostPort?: string }[]>;

/** `bindings` with every host binding on {@linkcode PUBLISH_ADDRESS} (the host port unchanged). */
export function loopbackBindings(bindings: PortBindings | undefined): PortBindings | undefined {
  if (!bindings) return bindings;
  return Object.fromEntries(
    Object.entries(bindings).map(([port, hostBindings]) => [
      port,
      hostBindings.map((binding) => ({ ...binding, HostIp: PUBLISH_ADDRESS })),
    ]),
  );
}

/** A `GenericContainer` whose published ports listen on the host's loopback only. */
export class LoopbackContainer extends GenericContainer {
  /** testcontainers' hook, called by `start()` just before it creates the container. */
  protected override beforeContainerCreated(): Promise<void> {
    this.hostConfig.PortBindings = loopbackBindings(this.hostConfig.PortBindings);
    return Promise.resolve();
  }
}

/** The `GenericContainer` of `spec`, its output going to `tail`. */
export function containerOf(
  spec: ContainerSpec,
  options: { keep: boolean; tail: LogTail },
): GenericContainer {
  let container = new LoopbackContainer(spec.image)
    .withName(spec.name)
    .withNetworkMode(KIND_NETWORK)
    .withLabels({ [E2E_LABEL]: spec.cluster })
    .withExposedPorts(spec.port)
    .withEnvironment(spec.env ?? {})
    // Exit of the container (LocalStack without a token, a proxy that does not compile) ends
    // the wait at once, with its last lines, instead of after the whole timeout.
    .withWaitStrategy(
      Wait.forHttp(spec.readyPath, spec.port, { abortOnContainerExit: true })
        .forStatusCodeMatching((status) => status < 500),
    )
    .withStartupTimeout(spec.readyTimeoutMs)
    .withAutoCleanup(!options.keep)
    .withLogConsumer((stream) => {
      stream.on("data", (chunk: string | Uint8Array) => {
        options.tail.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
      });
    });
  if (spec.entrypoint) container = container.withEntrypoint(spec.entrypoint);
  if (spec.command) container = container.withCommand(spec.command);
  if (spec.files) container = container.withCopyFilesToContainer(spec.files);
  return container;
}

/** The two URLs of a started container (pods: kind network IP; suite: loopback port). */
export function endpointUrls(
  container: Pick<StartedTestContainer, "getHost" | "getMappedPort" | "getIpAddress">,
  port: number,
): { clusterUrl: string; hostUrl: string } {
  const host = container.getHost();
  // The ports listen on 127.0.0.1 only; "localhost" could resolve to ::1 first.
  const hostAddress = host === "localhost" ? PUBLISH_ADDRESS : host;
  return {
    clusterUrl: `http://${container.getIpAddress(KIND_NETWORK)}:${port}`,
    hostUrl: `http://${hostAddress}:${container.getMappedPort(port)}`,
  };
}

/** The engine (see the module doc). */
export function testcontainersEngine(options: { keep: boolean }): ContainerEngine {
  const tails = new Map<string, LogTail>();
  return {
    async start(spec) {
      // moto logs every request: room for a whole run's tail, bounded all the same.
      const tail = new LogTail({ maxLines: 10_000, maxLineLength: 4_096 });
      tails.set(spec.name, tail);
      let started: StartedTestContainer;
      try {
        started = await containerOf(spec, { keep: options.keep, tail }).start();
      } catch (error) {
        throw new Error(
          `${spec.name} (${spec.image}) did not start or get ready within ` +
            `${spec.readyTimeoutMs / 1000} s: ${(error as Error).message}\n` +
            `its last log lines:\n${tail.text(50)}`,
          { cause: error },
        );
      }
      const endpoint: StartedEndpoint = {
        name: spec.name,
        ...endpointUrls(started, spec.port),
        stop: async () => {
          await started.stop({ remove: true, removeVolumes: true });
        },
      };
      return endpoint;
    },
    async removeLeftovers(cluster) {
      const client = await getContainerRuntimeClient();
      const { dockerode } = client.container;
      const leftovers = await dockerode.listContainers({
        all: true,
        filters: { label: [`${E2E_LABEL}=${cluster}`] },
      });
      for (const leftover of leftovers) {
        await dockerode.getContainer(leftover.Id).remove({ force: true, v: true });
      }
      return leftovers.map((leftover) => leftover.Names[0]?.replace(/^\//, "") ?? leftover.Id);
    },
    logs(name) {
      return tails.get(name)?.text();
    },
  };
}
