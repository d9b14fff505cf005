import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { loadProviderProto } from "./provider_proto.ts";
import { createSocketProbe } from "./socket_probe.ts";

type VersionHandler = (
  call: grpc.ServerUnaryCall<unknown, unknown>,
  callback: grpc.sendUnaryData<unknown>,
) => void;

/** A grpc-js server of the provider service on a Unix socket in a new temp dir. */
async function startServer(version: VersionHandler) {
  const dir = await Deno.makeTempDir({ prefix: "socket_probe_test_" });
  const socketPath = `${dir}/aws.sock`;
  const server = new grpc.Server();
  server.addService(loadProviderProto().service, {
    Version: version,
    Mount: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
      callback({ code: grpc.status.UNIMPLEMENTED }),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(
      `unix:${socketPath}`,
      grpc.ServerCredentials.createInsecure(),
      (error) => error ? reject(error) : resolve(),
    )
  );
  return {
    socketPath,
    async [Symbol.asyncDispose]() {
      server.forceShutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function answering(_call: unknown, callback: grpc.sendUnaryData<unknown>): void {
  callback(null, { version: "v1alpha1", runtime_name: "test", runtime_version: "1" });
}

Deno.test("a probe of a socket that answers Version is true", async () => {
  await using server = await startServer(answering);
  const probe = createSocketProbe(server.socketPath);
  try {
    assert.equal(await probe.check(), true);
    assert.equal(await probe.check(), true, "a second check on the same connection");
  } finally {
    probe.close();
  }
});

Deno.test("a probe of a missing socket is false within the timeout", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socket_probe_test_" });
  const probe = createSocketProbe(`${dir}/aws.sock`);
  try {
    const started = performance.now();
    assert.equal(await probe.check(500), false);
    assert.ok(performance.now() - started < 1_000, `${performance.now() - started} ms`);
  } finally {
    probe.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a probe of a server that never answers is false once the timeout has passed", async () => {
  await using server = await startServer(() => {});
  const probe = createSocketProbe(server.socketPath);
  try {
    const started = performance.now();
    assert.equal(await probe.check(200), false);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 190 && elapsed < 1_000, `${elapsed} ms`);
  } finally {
    probe.close();
  }
});

Deno.test("a probe of a server whose Version call fails is false", async () => {
  await using server = await startServer((_call, callback) =>
    callback({ code: grpc.status.INTERNAL, details: "broken" })
  );
  const probe = createSocketProbe(server.socketPath);
  try {
    assert.equal(await probe.check(), false);
  } finally {
    probe.close();
  }
});
