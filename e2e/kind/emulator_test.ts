import assert from "node:assert/strict";
import type { ContainerEngine, ContainerSpec } from "./container_engine.ts";
import {
  emulatorSpec,
  faultProxySpec,
  PROXY_IMAGE,
  PROXY_PORT,
  PROXY_SOURCE,
  startEmulator,
  startFaultProxy,
} from "./emulator.ts";
import { serveRegionFaultProxy } from "./region_fault_proxy.ts";
import { e2eSettings, MOTO_IMAGE } from "./settings.ts";

Deno.test("the emulator's container: the backend's image, port, environment and ready path", () => {
  const moto = e2eSettings({}).backend;
  assert.deepEqual(emulatorSpec(moto, "c"), {
    name: "c-aws-emulator",
    image: MOTO_IMAGE,
    port: 5000,
    cluster: "c",
    env: {},
    readyPath: "/moto-api/",
    readyTimeoutMs: 180_000,
  });
  const localstack = e2eSettings({ LOCALSTACK_AUTH_TOKEN: "t0ken" }).backend;
  const spec = emulatorSpec(localstack, "c");
  assert.equal(spec.port, 4566);
  assert.equal(spec.readyPath, "/_localstack/health");
  assert.equal(spec.env?.LOCALSTACK_AUTH_TOKEN, "t0ken");
});

Deno.test("the fault proxy's container runs the proxy's source, copied in, with only its permissions", async () => {
  const spec = faultProxySpec("http://172.18.0.3:5000", "c");
  assert.equal(spec.name, "c-fault-proxy");
  assert.equal(spec.image, PROXY_IMAGE);
  assert.equal(spec.port, PROXY_PORT);
  assert.deepEqual(spec.entrypoint, ["deno"]);
  assert.deepEqual(spec.command, ["run", "--allow-net", "--allow-env=UPSTREAM,PORT", PROXY_SOURCE]);
  assert.deepEqual(spec.env, {
    UPSTREAM: "http://172.18.0.3:5000",
    PORT: "8080",
    DENO_NO_UPDATE_CHECK: "1",
  });
  assert.equal(spec.files?.length, 1);
  assert.equal(spec.files![0].target, PROXY_SOURCE);
  // The host path is the module next to this one, whatever the checkout's path.
  assert.equal(
    await Deno.readTextFile(spec.files![0].source),
    await Deno.readTextFile(new URL("./region_fault_proxy.ts", import.meta.url)),
  );
  assert.equal(spec.readyPath, "/__e2e/health");
});

Deno.test("startFaultProxy's controls reach the proxy through its host URL", async () => {
  // The real proxy, in this process, in front of an upstream that records what reaches it.
  const reached: string[] = [];
  const upstream = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    reached.push(request.headers.get("authorization") ?? "");
    return new Response("{}");
  });
  const proxy = serveRegionFaultProxy({
    upstream: `http://127.0.0.1:${upstream.addr.port}`,
    hostname: "127.0.0.1",
    port: 0,
  });
  const specs: ContainerSpec[] = [];
  let stopped = 0;
  const engine: ContainerEngine = {
    start(spec) {
      specs.push(spec);
      return Promise.resolve({
        name: spec.name,
        clusterUrl: `http://172.18.0.9:${spec.port}`,
        hostUrl: `http://127.0.0.1:${proxy.addr.port}`,
        stop: () => {
          stopped += 1;
          return Promise.resolve();
        },
      });
    },
    removeLeftovers: () => Promise.resolve([]),
    logs: () => undefined,
  };
  try {
    const emulator = await startEmulator(engine, {
      backend: e2eSettings({}).backend,
      cluster: "c",
    });
    const started = await startFaultProxy(engine, { upstream: emulator.clusterUrl, cluster: "c" });
    assert.deepEqual(specs.map((spec) => spec.name), ["c-aws-emulator", "c-fault-proxy"]);
    assert.equal(specs[1].env?.UPSTREAM, "http://172.18.0.9:5000");
    assert.equal(started.clusterUrl, "http://172.18.0.9:8080");

    const signed =
      "AWS4-HMAC-SHA256 Credential=AKID/20260601/us-west-2/secretsmanager/aws4_request";
    const call = () =>
      fetch(`${started.hostUrl}/`, { method: "POST", headers: { authorization: signed } });
    await started.setFaults({ "us-west-2": 503 });
    const failing = await call();
    assert.equal(failing.status, 503);
    await failing.body?.cancel();
    await started.setFaults({});
    const passing = await call();
    assert.equal(passing.status, 200);
    await passing.body?.cancel();
    assert.equal(reached.length, 1, "only the call without a fault reached the emulator");
    assert.deepEqual(await started.sensitive(), { tokens: [], credentials: [] });
    await started.stop();
    assert.equal(stopped, 1);
  } finally {
    await proxy.shutdown();
    await upstream.shutdown();
  }
});
