import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { connectDriver, driverAttributes } from "../../devstack/mod.ts";
import {
  CLIENT_PREFACE,
  concatBytes,
  encodeHeaderBlock,
  exchangeFrames,
  frame,
  grpcRequestHeaders,
  HpackDecoder,
  VERSION_REQUEST_MESSAGE,
} from "../../test/fakes/mod.ts";
import { createLogger } from "../log/mod.ts";
import { MountError, type MountResult, type RawMountRequest } from "../mount/mod.ts";
import { PROVIDER_NAME, PROVIDER_VERSION } from "../version.ts";
import { loadProviderProto } from "./provider_proto.ts";
import {
  type MountFunction,
  type MountRecord,
  type ProviderServerOptions,
  startProviderServer,
} from "./provider_server.ts";

const TARGET = "/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/secrets/mount";
const encoder = new TextEncoder();

function result(overrides: Partial<MountResult> = {}): MountResult {
  return {
    files: [],
    versions: [{ id: "db", version: "v1" }],
    summary: {},
    ...overrides,
  };
}

/** Starts the server on a socket in a new temp dir; log lines go to `logLines`. */
async function start(mount: MountFunction, options: Partial<ProviderServerOptions> = {}) {
  const dir = await Deno.makeTempDir({ prefix: "provider_server_test_" });
  const socketPath = `${dir}/aws.sock`;
  const logLines: string[] = [];
  const server = await startProviderServer({
    socketPath,
    runtime: { name: PROVIDER_NAME, version: PROVIDER_VERSION },
    mount,
    logger: createLogger({ write: (line) => logLines.push(line) }),
    ...options,
  });
  const driver = connectDriver(socketPath);
  return {
    server,
    socketPath,
    driver,
    logLines,
    async [Symbol.asyncDispose]() {
      driver.close();
      await server.stop(1_000);
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A raw grpc-js client, for calls the driver client does not make (no deadline, cancel). */
function rawClient(socketPath: string) {
  const { Client } = loadProviderProto();
  return new Client(`unix:${socketPath}`, grpc.credentials.createInsecure(), {
    "grpc.default_authority": "localhost",
  }) as unknown as grpc.Client & {
    Mount(
      request: unknown,
      options: grpc.CallOptions,
      callback: (error: grpc.ServiceError | null, response?: unknown) => void,
    ): grpc.ClientUnaryCall;
  };
}

function rawMountRequest() {
  return {
    attributes: driverAttributes({ parameters: {}, targetPath: TARGET }),
    secrets: "null",
    target_path: TARGET,
    permission: "420",
    current_object_version: [],
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("Version answers v1alpha1, the provider's name and its version", async () => {
  await using provider = await start(() => Promise.resolve(result()));
  assert.deepEqual(await provider.driver.version(), {
    version: "v1alpha1",
    runtime_name: "secrets-store-csi-driver-provider-aws",
    runtime_version: PROVIDER_VERSION,
  });
});

Deno.test("onVersion runs after each Version answer has reached the client, not before", async () => {
  let answers = 0;
  const seen: number[] = [];
  await using provider = await start(() => Promise.resolve(result()), {
    // The answers the client had when the hook ran: the warm-up it starts
    // must not stand between a Version call and its answer.
    onVersion: () => seen.push(answers),
  });
  for (let i = 0; i < 5; i++) {
    await provider.driver.version();
    answers++;
    while (seen.length < answers) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
});

Deno.test("Mount hands the request's fields to the mount function and returns its files and versions", async () => {
  const requests: RawMountRequest[] = [];
  await using provider = await start((request) => {
    requests.push(request);
    return Promise.resolve(result({
      files: [{ path: "db", mode: 0o600, contents: encoder.encode("pw") }],
      versions: [{ id: "db", version: "v7" }],
    }));
  });
  const outcome = await provider.driver.mount({
    parameters: { region: "us-east-1" },
    targetPath: TARGET,
    secrets: '{"a":"b"}',
    permission: "384",
    currentObjectVersion: [{ id: "db", version: "v6" }],
  });
  assert.deepEqual(outcome, {
    ok: true,
    versions: { db: "v7" },
    files: [{ path: "db", mode: 0o600, contents: encoder.encode("pw") }],
  });
  assert.deepEqual(requests, [{
    attributes: driverAttributes({ parameters: { region: "us-east-1" }, targetPath: TARGET }),
    secrets: '{"a":"b"}',
    targetPath: TARGET,
    permission: "384",
    currentObjectVersion: [{ id: "db", version: "v6" }],
  }]);
});

Deno.test("a MountError becomes gRPC status UNKNOWN with its message", async () => {
  await using provider = await start(() =>
    Promise.reject(new MountError("InvalidObjects", "object name must be set"))
  );
  assert.deepEqual(await provider.driver.mount({ parameters: {}, targetPath: TARGET }), {
    ok: false,
    code: grpc.status.UNKNOWN,
    message: "object name must be set",
  });
});

Deno.test("any other error becomes UNKNOWN 'internal error: ...' and the server keeps serving", async () => {
  let calls = 0;
  await using provider = await start(() => {
    if (++calls === 1) throw new TypeError("Cannot read properties of undefined");
    return Promise.resolve(result());
  });
  assert.deepEqual(await provider.driver.mount({ parameters: {}, targetPath: TARGET }), {
    ok: false,
    code: grpc.status.UNKNOWN,
    message: "internal error: Cannot read properties of undefined",
  });
  const next = await provider.driver.mount({ parameters: {}, targetPath: TARGET });
  assert.equal(next.ok, true);
  assert.equal((await provider.driver.version()).version, "v1alpha1");
});

Deno.test("file modes above 2^31 wrap to int32 as Go's int32(mode) does", async () => {
  const modes = [0o644, 2 ** 31 + 0o644, 2 ** 32 - 1, 2 ** 31];
  await using provider = await start(() =>
    Promise.resolve(result({
      files: modes.map((mode, i) => ({ path: `f${i}`, mode, contents: new Uint8Array() })),
    }))
  );
  const outcome = await provider.driver.mount({ parameters: {}, targetPath: TARGET });
  assert.ok(outcome.ok);
  assert.deepEqual(outcome.files.map((file) => file.mode), [
    420,
    -2147483228,
    -1,
    -2147483648,
  ]);
});

Deno.test("the mount's signal aborts when the client's deadline passes", async () => {
  const aborted = Promise.withResolvers<number>();
  let deadline = 0;
  await using provider = await start((_request, context) => {
    deadline = context.deadline;
    context.signal.addEventListener("abort", () => aborted.resolve(Date.now()));
    return new Promise((_, reject) =>
      context.signal.addEventListener("abort", () => reject(new MountError("Cancelled", "x")))
    );
  });
  const sent = Date.now();
  const outcome = await provider.driver.mount({
    parameters: {},
    targetPath: TARGET,
    timeoutMs: 300,
  });
  assert.equal(outcome.ok ? "ok" : outcome.code, grpc.status.DEADLINE_EXCEEDED);
  const abortedAt = await aborted.promise;
  assert.ok(
    Math.abs(deadline - (sent + 300)) < 100,
    `deadline ${deadline - sent} ms after sending`,
  );
  assert.ok(abortedAt - sent >= 250 && abortedAt - sent < 1_000, `${abortedAt - sent} ms`);
});

Deno.test("a mount without a deadline gets the default timeout", async () => {
  const aborted = Promise.withResolvers<number>();
  await using provider = await start((_request, context) => {
    const started = Date.now();
    return new Promise((_, reject) =>
      context.signal.addEventListener("abort", () => {
        aborted.resolve(Date.now() - started);
        reject(new MountError("Cancelled", "deadline passed"));
      })
    );
  }, { defaultMountTimeoutMs: 200 });
  const client = rawClient(provider.socketPath);
  try {
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.Mount(rawMountRequest(), {}, resolve)
    );
    assert.deepEqual([error?.code, error?.details], [grpc.status.UNKNOWN, "deadline passed"]);
    const waited = await aborted.promise;
    assert.ok(waited >= 150 && waited < 1_000, `${waited} ms`);
  } finally {
    client.close();
  }
});

Deno.test("a call the client cancels aborts the mount", async () => {
  const aborted = Promise.withResolvers<void>();
  const started = Promise.withResolvers<void>();
  await using provider = await start((_request, context) => {
    started.resolve();
    return new Promise((_, reject) =>
      context.signal.addEventListener("abort", () => {
        aborted.resolve();
        reject(new MountError("Cancelled", "cancelled"));
      })
    );
  });
  const client = rawClient(provider.socketPath);
  try {
    const call = client.Mount(rawMountRequest(), { deadline: Date.now() + 30_000 }, () => {});
    await started.promise;
    call.cancel();
    await aborted.promise;
  } finally {
    client.close();
  }
});

Deno.test("stop() waits for an in-flight mount, then removes the socket", async () => {
  const release = Promise.withResolvers<void>();
  const started = Promise.withResolvers<void>();
  await using provider = await start(async () => {
    started.resolve();
    await release.promise;
    return result();
  });
  const mount = provider.driver.mount({ parameters: {}, targetPath: TARGET });
  await started.promise;
  assert.equal(provider.server.inFlight, 1);
  let stopped = false;
  const stopping = provider.server.stop().then(() => stopped = true);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(stopped, false, "stop() returned while a mount was in flight");
  assert.equal(provider.server.listening, false);
  release.resolve();
  assert.equal((await mount).ok, true);
  await stopping;
  assert.equal(provider.server.inFlight, 0);
  assert.equal(await exists(provider.socketPath), false);
});

Deno.test("stop() gives up on a mount that outlasts the grace period", async () => {
  await using provider = await start(() => new Promise(() => {}));
  const mount = provider.driver.mount({ parameters: {}, targetPath: TARGET });
  while (provider.server.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const started = performance.now();
  await provider.server.stop(100);
  assert.ok(performance.now() - started < 1_000);
  assert.equal((await mount).ok, false);
  assert.ok(
    provider.logLines.some((line) =>
      JSON.parse(line).msg === "in-flight mounts did not finish in time; closing"
    ),
  );
  assert.equal(await exists(provider.socketPath), false);
});

Deno.test("onMount receives the outcome, duration and summary of every mount", async () => {
  const records: MountRecord[] = [];
  let calls = 0;
  await using provider = await start(async (_request, context) => {
    context.summary.secretProviderClass = "test-spc";
    context.summary.regions = ["us-east-1"];
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (++calls === 2) throw new MountError("FetchError", "Failed to fetch secret");
    return result({ summary: context.summary });
  }, { onMount: (record) => records.push(record) });
  await provider.driver.mount({ parameters: {}, targetPath: TARGET });
  await provider.driver.mount({ parameters: {}, targetPath: TARGET });
  assert.deepEqual(records.map(({ outcome, error, summary }) => ({ outcome, error, summary })), [
    {
      outcome: "ok",
      error: undefined,
      summary: { secretProviderClass: "test-spc", regions: ["us-east-1"] },
    },
    {
      outcome: "FetchError",
      error: "Failed to fetch secret",
      summary: { secretProviderClass: "test-spc", regions: ["us-east-1"] },
    },
  ]);
  for (const record of records) {
    assert.ok(record.durationMs >= 45 && record.durationMs < 1_000, `${record.durationMs} ms`);
  }
});

Deno.test("an unexpected error is recorded as Internal", async () => {
  const records: MountRecord[] = [];
  await using provider = await start(() => Promise.reject(new Error("boom")), {
    onMount: (record) => records.push(record),
  });
  await provider.driver.mount({ parameters: {}, targetPath: TARGET });
  assert.deepEqual(records.map(({ outcome, error }) => [outcome, error]), [
    ["Internal", "internal error: boom"],
  ]);
});

Deno.test("each mount is logged once, as info when it succeeds and warn when it fails", async () => {
  let calls = 0;
  await using provider = await start((_request, context) => {
    context.summary.pod = {
      namespace: "default",
      name: "app-0",
      uid: "u",
      serviceAccount: "app-sa",
    };
    if (++calls === 2) return Promise.reject(new MountError("TokenError", "no token"));
    return Promise.resolve(result());
  });
  await provider.driver.mount({ parameters: {}, targetPath: TARGET });
  await provider.driver.mount({ parameters: {}, targetPath: TARGET });
  const mounts = provider.logLines.map((line) => JSON.parse(line)).filter((line) =>
    line.msg === "mount" || line.msg === "mount failed"
  );
  assert.deepEqual(
    mounts.map(({ level, msg, pod, namespace, serviceAccount, outcome, error }) => ({
      level,
      msg,
      pod,
      namespace,
      serviceAccount,
      outcome,
      error,
    })),
    [
      {
        level: "info",
        msg: "mount",
        pod: "app-0",
        namespace: "default",
        serviceAccount: "app-sa",
        outcome: "ok",
        error: undefined,
      },
      {
        level: "warn",
        msg: "mount failed",
        pod: "app-0",
        namespace: "default",
        serviceAccount: "app-sa",
        outcome: "TokenError",
        error: "no token",
      },
    ],
  );
});

Deno.test("a stale file at the socket path is replaced and the socket is private to the owner", async () => {
  const dir = await Deno.makeTempDir({ prefix: "provider_server_test_" });
  const socketPath = `${dir}/aws.sock`;
  await Deno.writeTextFile(socketPath, "stale");
  const server = await startProviderServer({
    socketPath,
    runtime: { name: PROVIDER_NAME, version: PROVIDER_VERSION },
    mount: () => Promise.resolve(result()),
    logger: createLogger({ write: () => {} }),
  });
  const driver = connectDriver(socketPath);
  try {
    const info = await Deno.lstat(socketPath);
    assert.equal(info.isSocket, true);
    assert.equal(info.mode! & 0o777, 0o700);
    assert.equal((await driver.version()).version, "v1alpha1");
  } finally {
    driver.close();
    await server.stop(1_000);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("connections go through the HTTP/2 repairs: a v1.5.x :authority after a client GOAWAY is answered", async () => {
  await using provider = await start(() => Promise.resolve(result()));
  // Without the repairs the server would refuse this in two ways: it closes
  // the connection after a client's GOAWAY, and it resets a stream whose
  // :authority is a socket path (what drivers up to v1.5.x send).
  const block = encodeHeaderBlock(
    grpcRequestHeaders("/v1alpha1.CSIDriverProvider/Version", provider.socketPath),
  );
  const { frames } = await exchangeFrames(
    provider.socketPath,
    concatBytes([
      CLIENT_PREFACE,
      frame(0x4, 0, 0, new Uint8Array(0)), // SETTINGS
      frame(0x7, 0, 0, new Uint8Array(8)), // GOAWAY, NO_ERROR (as grpc-go sends on close)
      frame(0x1, 0x4, 1, block), // HEADERS, END_HEADERS
      frame(0x0, 0x1, 1, VERSION_REQUEST_MESSAGE), // DATA, END_STREAM
    ]),
    { until: (frames) => frames.some((f) => f.type === 0x1 && (f.flags & 0x1) !== 0) },
  );
  const decoder = new HpackDecoder();
  const headers = frames.filter((f) => f.type === 0x1 && f.streamId === 1)
    .flatMap((f) => decoder.decode(f.payload));
  assert.deepEqual(headers.filter(([name]) => name === ":status" || name === "grpc-status"), [
    [":status", "200"],
    ["grpc-status", "0"],
  ]);
  const data = concatBytes(
    frames.filter((f) => f.type === 0x0 && f.streamId === 1).map((f) => f.payload),
  );
  assert.ok(
    new TextDecoder().decode(data).includes("secrets-store-csi-driver-provider-aws"),
    "the Version answer",
  );
});
