import assert from "node:assert/strict";
import { createLogger } from "../log/mod.ts";
import { type HealthServerOptions, serveEvery, startHealthServer } from "./health_server.ts";

/** Starts the server (on 127.0.0.1 and a free port unless told); log lines go to `logLines`. */
function start(options: Partial<Omit<HealthServerOptions, "logger">> = {}) {
  const logLines: string[] = [];
  const server = startHealthServer({
    address: { hostname: "127.0.0.1", port: 0 },
    ready: () => true,
    probeSocket: () => Promise.resolve(true),
    logger: createLogger({ write: (line) => logLines.push(line) }),
    ...options,
  });
  return {
    server,
    logLines,
    async get(path: string, init: RequestInit = {}) {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`, init);
      return {
        status: response.status,
        type: response.headers.get("content-type"),
        body: await response.text(),
      };
    },
    [Symbol.asyncDispose]: () => server.stop(),
  };
}

Deno.test("/metrics answers the metrics text with the Prometheus content type", async () => {
  await using endpoint = start({ metrics: () => "# HELP x X.\n# TYPE x gauge\nx 1\n" });
  assert.deepEqual(await endpoint.get("/metrics"), {
    status: 200,
    type: "text/plain; version=0.0.4; charset=utf-8",
    body: "# HELP x X.\n# TYPE x gauge\nx 1\n",
  });
});

Deno.test("/metrics renders the metrics afresh at every request", async () => {
  let scrapes = 0;
  await using endpoint = start({ metrics: () => `scrapes ${++scrapes}\n` });
  assert.equal((await endpoint.get("/metrics")).body, "scrapes 1\n");
  assert.equal((await endpoint.get("/metrics")).body, "scrapes 2\n");
});

Deno.test("/metrics is not found when no metrics are given (a separate health address)", async () => {
  await using endpoint = start();
  assert.equal((await endpoint.get("/metrics")).status, 404);
});

Deno.test("/healthz answers 200 when the socket probe is true", async () => {
  await using endpoint = start({ probeSocket: () => Promise.resolve(true) });
  assert.deepEqual(await endpoint.get("/healthz"), {
    status: 200,
    type: "text/plain; charset=utf-8",
    body: "ok\n",
  });
});

Deno.test("/healthz answers 503 with the reason when the socket probe is false", async () => {
  await using endpoint = start({ probeSocket: () => Promise.resolve(false) });
  assert.deepEqual(await endpoint.get("/healthz"), {
    status: 503,
    type: "text/plain; charset=utf-8",
    body: "event loop: ok; socket: not answering\n",
  });
});

Deno.test("/healthz answers 503 when the socket probe throws", async () => {
  await using endpoint = start({ probeSocket: () => Promise.reject(new Error("boom")) });
  const { status, body } = await endpoint.get("/healthz");
  assert.deepEqual([status, body], [503, "event loop: ok; socket: not answering\n"]);
});

Deno.test("/healthz requests close together share one socket probe", async () => {
  let probes = 0;
  await using endpoint = start({
    probeSocket: () => {
      probes++;
      return Promise.resolve(true);
    },
  });
  await Promise.all([endpoint.get("/healthz"), endpoint.get("/healthz")]);
  assert.equal((await endpoint.get("/healthz")).status, 200);
  assert.equal(probes, 1);
});

Deno.test("/readyz follows ready()", async () => {
  let ready = true;
  await using endpoint = start({ ready: () => ready });
  assert.deepEqual(await endpoint.get("/readyz"), {
    status: 200,
    type: "text/plain; charset=utf-8",
    body: "ok\n",
  });
  ready = false;
  assert.deepEqual(await endpoint.get("/readyz"), {
    status: 503,
    type: "text/plain; charset=utf-8",
    body: "not ready\n",
  });
});

Deno.test("HEAD is answered like GET, without a body", async () => {
  await using endpoint = start();
  assert.deepEqual(await endpoint.get("/readyz", { method: "HEAD" }), {
    status: 200,
    type: "text/plain; charset=utf-8",
    body: "",
  });
});

Deno.test("an unknown path is 404", async () => {
  await using endpoint = start({ metrics: () => "" });
  assert.deepEqual(await endpoint.get("/metricsz"), {
    status: 404,
    type: "text/plain; charset=utf-8",
    body: "not found\n",
  });
});

Deno.test("a method other than GET or HEAD is 405", async () => {
  await using endpoint = start({ metrics: () => "" });
  for (const method of ["POST", "PUT", "DELETE"]) {
    const { status, body } = await endpoint.get("/metrics", { method });
    assert.deepEqual([status, body], [405, "method not allowed\n"], method);
  }
});

Deno.test("the server logs what it serves and where", async () => {
  await using endpoint = start({ metrics: () => "" });
  const [line] = endpoint.logLines.map((text) => JSON.parse(text));
  assert.equal(line.level, "info");
  assert.equal(
    line.msg,
    `Serving /metrics, /healthz and /readyz on 127.0.0.1:${endpoint.server.port}`,
  );
});

Deno.test("stop() closes the port", async () => {
  const endpoint = start();
  assert.equal((await endpoint.get("/readyz")).status, 200);
  await endpoint.server.stop();
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port: endpoint.server.port }),
    Deno.errors.ConnectionRefused,
  );
});

Deno.test("every interface is one dual-stack socket: IPv4 and IPv6 loopback both answer", async () => {
  await using endpoint = start({ address: { hostname: "", port: 0 } });
  for (const host of ["127.0.0.1", "[::1]"]) {
    const response = await fetch(`http://${host}:${endpoint.server.port}/readyz`);
    assert.equal(await response.text(), "ok\n", host);
  }
  assert.equal(
    JSON.parse(endpoint.logLines[0]).msg,
    `Serving /healthz and /readyz on [::]:${endpoint.server.port}`,
  );
});

Deno.test("every interface with its port taken on IPv4 fails as in use", () => {
  using taken = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  assert.throws(
    () => start({ address: { hostname: "", port: taken.addr.port } }),
    Deno.errors.AddrInUse,
  );
});

Deno.test("serveEvery binds every host it can, all on the port the first one got", async () => {
  const handler = () => new Response("ok");
  const servers = serveEvery(["::1", "127.0.0.1"], { port: 0, handler });
  try {
    assert.deepEqual(servers.map(({ hostname }) => hostname), ["::1", "127.0.0.1"]);
    const port = servers[0].server.addr.port;
    assert.equal(servers[1].server.addr.port, port);
    for (const host of ["[::1]", "127.0.0.1"]) {
      assert.equal(await (await fetch(`http://${host}:${port}/`)).text(), "ok", host);
    }
  } finally {
    await Promise.all(servers.map(({ server }) => server.shutdown()));
  }
});

Deno.test("serveEvery leaves out a later host whose port the first one covers", async () => {
  // As 0.0.0.0 after a dual-stack :: (net.ipv6.bindv6only 0).
  const servers = serveEvery(["127.0.0.1", "0.0.0.0"], {
    port: 0,
    handler: () => new Response("ok"),
  });
  try {
    assert.deepEqual(servers.map(({ hostname }) => hostname), ["127.0.0.1"]);
  } finally {
    await Promise.all(servers.map(({ server }) => server.shutdown()));
  }
});

Deno.test("serveEvery moves past a host it cannot bind, and throws when none binds", async () => {
  // 203.0.113.7 (TEST-NET-3) is no address of this machine: the bind fails here, sending
  // nothing; not available, not in use.
  const handler = () => new Response("ok");
  const servers = serveEvery(["203.0.113.7", "127.0.0.1"], { port: 0, handler });
  try {
    assert.deepEqual(servers.map(({ hostname }) => hostname), ["127.0.0.1"]);
  } finally {
    await Promise.all(servers.map(({ server }) => server.shutdown()));
  }
  assert.throws(
    () => serveEvery(["203.0.113.7"], { port: 0, handler }),
    Deno.errors.AddrNotAvailable,
  );
});
