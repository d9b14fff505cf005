/**
 * The testcontainers engine: its pure parts, and the real testcontainers
 * (with dockerode and Deno's `node:http` over a Unix socket) driving the
 * Docker Engine API stand-in, in a process of its own per run as the suite
 * is (testcontainers keeps its reaper and runtime client per process), with
 * the permission flags of `deno task e2e`.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  type DockerEngineStandIn,
  RYUK_IMAGE,
  type StandInContainer,
  startDockerEngineStandIn,
} from "./docker_engine_stand_in.ts";
import { E2E_LABEL, PROXY_IMAGE, PROXY_SOURCE } from "./emulator.ts";
import { MOTO_IMAGE } from "./settings.ts";
import {
  endpointUrls,
  loopbackBindings,
  LoopbackContainer,
  type PortBindings,
} from "./testcontainers_engine.ts";
import { PUBLISH_ADDRESS } from "./container_engine.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PROBE = fileURLToPath(new URL("./testdata/start_containers.ts", import.meta.url));
const SESSION_LABEL = "org.testcontainers.session-id";

Deno.test("published ports are bound to the host's loopback, host ports unchanged", () => {
  assert.deepEqual(
    loopbackBindings({ "5000/tcp": [{ HostPort: "0" }], "53/udp": [{ HostPort: "5353" }] }),
    {
      "5000/tcp": [{ HostPort: "0", HostIp: "127.0.0.1" }],
      "53/udp": [{ HostPort: "5353", HostIp: "127.0.0.1" }],
    },
  );
  assert.equal(loopbackBindings(undefined), undefined);
});

Deno.test("LoopbackContainer rewrites the bindings of withExposedPorts just before creation", async () => {
  class Probe extends LoopbackContainer {
    async bindingsAtCreation(): Promise<PortBindings | undefined> {
      await this.beforeContainerCreated();
      return this.hostConfig.PortBindings;
    }
  }
  const container = new Probe(MOTO_IMAGE).withExposedPorts(5000);
  assert.deepEqual(await container.bindingsAtCreation(), {
    "5000/tcp": [{ HostPort: "0", HostIp: PUBLISH_ADDRESS }],
  });
});

Deno.test("endpoint URLs: the kind network's IP for pods, loopback and the mapped port for the suite", () => {
  const started = (host: string) => ({
    getHost: () => host,
    getMappedPort: (port: string | number) => (port === 5000 ? 32768 : 0),
    getIpAddress: (network: string) => (network === "kind" ? "172.18.0.4" : "?"),
  });
  assert.deepEqual(endpointUrls(started("localhost"), 5000), {
    clusterUrl: "http://172.18.0.4:5000",
    hostUrl: "http://127.0.0.1:32768",
  });
  // TESTCONTAINERS_HOST_OVERRIDE or a gateway address: used as given.
  assert.equal(endpointUrls(started("172.17.0.1"), 5000).hostUrl, "http://172.17.0.1:32768");
});

/** The permission flags of `deno task e2e` (deno.json), so the run proves they suffice. */
async function e2eTaskPermissions(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const flags = (config.tasks.e2e as string).split(/\s+/).filter((word) =>
    word.startsWith("--allow-")
  );
  assert.ok(flags.length > 0, "deno task e2e has permission flags");
  return flags;
}

/** Runs the probe (testdata/start_containers.ts) against `engine`; returns its report. */
async function probe(
  engine: DockerEngineStandIn,
  dir: string,
  args: string[] = [],
): Promise<Record<string, unknown> & { ok: boolean }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...await e2eTaskPermissions(), PROBE, ...args],
    cwd: ROOT,
    // No TESTCONTAINERS_HOST_OVERRIDE: the engine's loader sets it (this machine may itself
    // be a container, where testcontainers would otherwise look for a Docker gateway).
    env: { DOCKER_HOST: engine.dockerHost, TMPDIR: dir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, `the probe failed:\n${stdout}\n${stderr}`);
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

function created(engine: DockerEngineStandIn, name: string): StandInContainer {
  const matches = [...engine.containers.values()].filter((container) => container.name === name);
  assert.ok(matches.length > 0, `no container ${name} was created`);
  return matches.at(-1)!;
}

function labels(container: StandInContainer): Record<string, string> {
  return container.create.Labels as Record<string, string>;
}

async function withEngine(
  images: Parameters<typeof startDockerEngineStandIn>[1],
  run: (engine: DockerEngineStandIn, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "docker-stand-in-" });
  const engine = startDockerEngineStandIn(dir, images);
  try {
    await run(engine, dir);
  } finally {
    await engine.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a normal run: both containers on kind's network, reaped by Ryuk, removed at the end", async () => {
  await withEngine({}, async (engine, dir) => {
    const report = await probe(engine, dir);
    assert.equal(report.ok, true, String(report.error));
    assert.equal(report.health, 200, "the proxy answered through its host URL");

    const emulator = created(engine, "probe-aws-emulator");
    assert.equal(emulator.create.Image, MOTO_IMAGE);
    assert.equal(labels(emulator)[E2E_LABEL], "probe");
    assert.deepEqual(emulator.create.HostConfig, {
      AutoRemove: false,
      NetworkMode: "kind",
      PortBindings: { "5000/tcp": [{ HostPort: "0", HostIp: "127.0.0.1" }] },
    });
    assert.deepEqual(report.emulator, {
      name: "probe-aws-emulator",
      clusterUrl: `http://${emulator.ip}:5000`,
      hostUrl: `http://127.0.0.1:${emulator.ports["5000/tcp"]}`,
    });

    const proxy = created(engine, "probe-fault-proxy");
    assert.equal(proxy.create.Image, PROXY_IMAGE);
    assert.deepEqual(proxy.create.Entrypoint, ["deno"]);
    assert.deepEqual(proxy.create.Cmd, [
      "run",
      "--allow-net",
      "--allow-env=UPSTREAM,PORT",
      PROXY_SOURCE,
    ]);
    assert.ok((proxy.create.Env as string[]).includes(`UPSTREAM=http://${emulator.ip}:5000`));
    const source = await Deno.readTextFile(new URL("./region_fault_proxy.ts", import.meta.url));
    assert.deepEqual(proxy.files.map((file) => file.name.replace(/^\//, "")), [
      PROXY_SOURCE.slice(1),
    ]);
    assert.equal(proxy.files[0].content, source, "the proxy's source was copied in whole");

    // The reaper: started for the session, told to reap it, and our containers carry it.
    const ryuk = [...engine.containers.values()].find((c) => c.create.Image === RYUK_IMAGE);
    assert.ok(ryuk, "Ryuk was started");
    const session = labels(ryuk)[SESSION_LABEL];
    assert.deepEqual(engine.reaperLines, [`label=${SESSION_LABEL}=${session}`]);
    assert.equal(labels(emulator)[SESSION_LABEL], session);
    assert.equal(labels(proxy)[SESSION_LABEL], session);
    assert.equal(emulator.state, "removed");
    assert.equal(proxy.state, "removed");
  });
});

Deno.test("E2E_KEEP=1: no reaper, no session label, containers left running; the next run replaces them", async () => {
  await withEngine({}, async (engine, dir) => {
    const first = await probe(engine, dir, ["--keep"]);
    assert.equal(first.ok, true, String(first.error));
    assert.deepEqual(first.leftovers, []);
    assert.ok(
      (first.messages as string[]).some((line) =>
        line.includes("TESTCONTAINERS_RYUK_DISABLED=true")
      ),
    );
    const kept = [created(engine, "probe-aws-emulator"), created(engine, "probe-fault-proxy")];
    for (const container of kept) {
      assert.equal(container.state, "running", `${container.name} was kept`);
      assert.equal(labels(container)[SESSION_LABEL], undefined, "no reaper session to reap it");
    }
    assert.ok(
      ![...engine.containers.values()].some((c) => c.create.Image === RYUK_IMAGE),
      "no Ryuk container",
    );
    assert.deepEqual(engine.reaperLines, []);

    const second = await probe(engine, dir, ["--keep"]);
    assert.equal(second.ok, true, String(second.error));
    assert.deepEqual([...second.leftovers as string[]].sort(), [
      "probe-aws-emulator",
      "probe-fault-proxy",
    ]);
    for (const container of kept) assert.equal(container.state, "removed");
    assert.equal(created(engine, "probe-aws-emulator").state, "running");
  });
});

Deno.test("an emulator that exits fails at once with its last log lines, which stay for the diagnostics", async () => {
  const images = {
    images: {
      [MOTO_IMAGE]: { exits: true, logs: ["starting moto", "OSError: [Errno 98] in use"] },
    },
  };
  await withEngine(images, async (engine, dir) => {
    const started = performance.now();
    const report = await probe(engine, dir);
    assert.equal(report.ok, false);
    assert.ok(performance.now() - started < 60_000, "not after the 180 s timeout");
    const error = String(report.error);
    assert.match(
      error,
      /^probe-aws-emulator \(motoserver\/moto:5\.2\.5\) did not start or get ready/,
    );
    assert.match(error, /Container exited during HTTP healthCheck/);
    assert.match(error, /its last log lines:\nstarting moto\nOSError: \[Errno 98\] in use\n/);
    assert.equal(report.emulatorLog, "starting moto\nOSError: [Errno 98] in use\n");
    // testcontainers removes a container that never got ready, keep or not.
    assert.equal(created(engine, "probe-aws-emulator").state, "removed");
  });
});
