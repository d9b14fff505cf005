import assert from "node:assert/strict";
import type { Agent } from "node:http";
import type { NodeHttpHandler } from "@smithy/node-http-handler";
import { type AwsHttpHandler, awsHttpHandler } from "./http_handler.ts";

type SmithyRequest = Parameters<NodeHttpHandler["handle"]>[0];

/** A GET of `/` on 127.0.0.1:`port` as the SDK hands it to the handler. */
function getRequest(port: number): SmithyRequest {
  return {
    protocol: "http:",
    hostname: "127.0.0.1",
    port,
    method: "GET",
    path: "/",
    query: {},
    headers: { host: `127.0.0.1:${port}` },
  } as unknown as SmithyRequest; // the handler reads only these fields
}

/** Sends a request and reads its whole body; returns the status. */
async function send(handler: AwsHttpHandler, port: number): Promise<number> {
  const { response } = await handler.handle(getRequest(port));
  for await (const _ of response.body as AsyncIterable<Uint8Array>) {
    // drain, so that the connection goes back to the pool
  }
  return response.statusCode;
}

/**
 * A local HTTP server that answers every request after `delayMs`, counting
 * the connections it saw and the most requests it served at once.
 */
function slowServer(delayMs: number) {
  const connections = new Set<number>();
  let inFlight = 0;
  let peak = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (_request, info) => {
      connections.add(info.remoteAddr.port);
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      inFlight--;
      return new Response("ok");
    },
  );
  return {
    port: server.addr.port,
    connections: () => connections.size,
    peak: () => peak,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("the handler's HTTP and HTTPS agents keep connections alive and allow 256 sockets per host", async () => {
  await using server = slowServer(0);
  const handler = awsHttpHandler();
  try {
    await send(handler, server.port); // resolves the handler's configuration
    const { httpAgent, httpsAgent } = handler.httpHandlerConfigs() as unknown as {
      httpAgent: Agent & { keepAlive: boolean };
      httpsAgent: Agent & { keepAlive: boolean };
    };
    assert.deepEqual(
      [httpAgent.keepAlive, httpAgent.maxSockets, httpsAgent.keepAlive, httpsAgent.maxSockets],
      [true, 256, true, 256],
    );
  } finally {
    handler.destroy();
  }
});

Deno.test("300 concurrent requests to a slow server all succeed, over many reused connections", async () => {
  await using server = slowServer(50);
  const handler = awsHttpHandler();
  try {
    const statuses = await Promise.all(
      Array.from({ length: 300 }, () => send(handler, server.port)),
    );
    assert.deepEqual(new Set(statuses), new Set([200]));
    // Many sockets at once (the SDK's own default is 50) ...
    assert.ok(server.peak() > 50, `at most ${server.peak()} requests were served at once`);
    // ... and requests that waited for a pooled socket reused one instead of failing.
    assert.ok(server.connections() <= 256, `${server.connections()} connections`);
  } finally {
    handler.destroy();
  }
});

Deno.test("sequential requests reuse one kept-alive connection", async () => {
  await using server = slowServer(0);
  const handler = awsHttpHandler();
  try {
    for (let i = 0; i < 5; i++) assert.equal(await send(handler, server.port), 200);
    assert.equal(server.connections(), 1);
  } finally {
    handler.destroy();
  }
});

Deno.test("the smithy handler is loaded on the first request, not before", async () => {
  await using server = slowServer(0);
  const handler = awsHttpHandler();
  try {
    assert.equal(handler.httpHandlerConfigs().httpAgent, undefined);
    assert.equal(handler.httpHandlerConfigs().requestTimeout, 10_000);
    assert.equal(await send(handler, server.port), 200);
    assert.equal(handler.httpHandlerConfigs().httpAgent?.maxSockets, 256);
  } finally {
    handler.destroy();
  }
});
