import assert from "node:assert/strict";
import {
  byteByByte,
  concatBytes,
  frame,
  hex,
  pushInChunks,
  seededSizes,
  splitClientStream,
  whole,
} from "../../../test/fakes/mod.ts";
import { clientGoawayDrop } from "./client_goaway_drop.ts";
import { ClientFrameReader } from "./frame_reader.ts";
import { grpcClient } from "./testdata/echo_server.ts";
import { STREAMS } from "./testdata/go_client_streams.ts";

/** GOAWAY: last stream 0, NO_ERROR, debug data "client transport shutdown" (grpc-go's). */
const GOAWAY = frame(
  0x7,
  0x0,
  0,
  new Uint8Array([
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    ...new TextEncoder().encode("client transport shutdown"),
  ]),
);
const PING = frame(0x6, 0x0, 0, new Uint8Array(8));

function dropStream(stream: Uint8Array, sizes: Parameters<typeof pushInChunks>[2]): Uint8Array {
  const reader = new ClientFrameReader([clientGoawayDrop()]);
  return pushInChunks((chunk) => reader.push(chunk), stream, sizes);
}

Deno.test("the GOAWAY drop removes the client's GOAWAY frames and nothing else", () => {
  const stream = hex(STREAMS.validConnection);
  const withGoaway = new Uint8Array([...stream, ...GOAWAY, ...PING]);
  for (const sizes of [whole, byteByByte, seededSizes(5, 20)]) {
    const bytes = dropStream(withGoaway, sizes);
    assert.deepEqual(bytes, new Uint8Array([...stream, ...PING]));
  }
});

Deno.test("a GOAWAY is dropped wherever a chunk boundary cuts it", () => {
  const stream = hex(STREAMS.connection);
  const input = concatBytes([stream, GOAWAY, PING, GOAWAY]);
  const expected = concatBytes([stream, PING]);
  const goawayStart = stream.length;
  for (let cut = goawayStart - 1; cut <= input.length; cut++) {
    const reader = new ClientFrameReader([clientGoawayDrop()]);
    const out = concatBytes([
      ...reader.push(input.subarray(0, cut)),
      ...reader.push(input.subarray(cut)),
    ]);
    assert.deepEqual(out, expected, `cut at ${cut}`);
  }
});

Deno.test("a GOAWAY's payload is never held: the drop holds no bytes", () => {
  const repair = clientGoawayDrop();
  const reader = new ClientFrameReader([repair]);
  reader.push(hex(STREAMS.connection));
  assert.deepEqual(reader.push(GOAWAY.subarray(0, 20)), []);
  assert.equal(reader.pendingBytes, 0);
  assert.equal(repair.heldBytes, 0);
  assert.deepEqual(reader.push(concatBytes([GOAWAY.subarray(20), PING])), [PING]);
});

Deno.test("GOAWAY frames on any stream, with any flags or length, are dropped", () => {
  const frames = [
    frame(0x7, 0xff, 0, new Uint8Array(8)),
    frame(0x7, 0x0, 5, new Uint8Array(0)),
    frame(0x7, 0x0, 0, new Uint8Array(16384)),
  ];
  const stream = concatBytes([hex(STREAMS.connection), ...frames, PING]);
  const out = dropStream(stream, seededSizes(3, 4000));
  assert.deepEqual(splitClientStream(out).map((f) => f.type), [
    0x4,
    0x8,
    0x1,
    0x0,
    0x6,
    0x1,
    0x0,
    0x6,
  ]);
});

const REPO_ROOT = new URL("../../../", import.meta.url).pathname;
const ECHO_SERVER = new URL("./testdata/echo_server.ts", import.meta.url).pathname;

/**
 * One server without the drop, one busy connection closed by its client:
 * whether the server died of it, and what it wrote to stderr.
 */
async function closeBusyConnection(): Promise<{ died: boolean; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "goaway_drop_test_" });
  const socketPath = `${dir}/aws.sock`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-env",
      `--allow-write=${dir}`,
      `--allow-net=unix:${socketPath}`,
      ECHO_SERVER,
      socketPath,
      "authority",
    ],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const stdout = child.stdout.getReader();
  let status: Deno.CommandStatus | undefined;
  const exited = child.status.then((value) => status = value);
  let died = false;
  let stderrText = "";
  try {
    assert.match(new TextDecoder().decode((await stdout.read()).value), /listening/);
    const { client, unary } = grpcClient(socketPath);
    try {
      for (let i = 0; i < 600 && status === undefined; i++) {
        await unary("Version", { version: "v1alpha1" });
      }
    } catch {
      // the server died mid-call
    } finally {
      client.close(); // grpc-js sends GOAWAY here
    }
    // The crash can come a while after the close on a busy machine; a server
    // that dies ends the wait at once.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([exited, new Promise((resolve) => timer = setTimeout(resolve, 5_000))]);
    clearTimeout(timer);
    died = status !== undefined && !status.success;
  } finally {
    if (status === undefined) {
      try {
        child.kill("SIGKILL");
      } catch {
        // exited meanwhile
      }
    }
    await exited;
    stdout.releaseLock();
    await child.stdout.cancel();
    stderrText = await stderr;
    await Deno.remove(dir, { recursive: true });
  }
  return { died, stderr: stderrText };
}

Deno.test({
  name: "still needed: a server without the drop dies when a client closes a busy connection",
  // The server is a child process: this failure takes the whole process down.
  async fn() {
    // Alone, a server died of its first busy connection in 9 of 9 tries; but
    // about one server in five survives it and every later connection (ten
    // in a row, in a local loop of the suite). So each try is a fresh server:
    // eight keep a rare survivor from failing the test, and a fixed Deno
    // survives them all.
    let attempt = { died: false, stderr: "" };
    for (let i = 0; i < 8 && !attempt.died; i++) attempt = await closeBusyConnection();
    assert.ok(
      attempt.died,
      "eight servers survived clients closing busy connections without the GOAWAY drop: " +
        "the Deno crash may be fixed; see client_goaway_drop.ts",
    );
    assert.match(attempt.stderr, /nghttp2|free\(\)|^$/);
  },
});
