import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import {
  grpcClient,
  listenWrapped as listenRepaired,
  startEchoServer,
} from "./testdata/echo_server.ts";

const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** An HTTP/2 PING frame (type 6) on stream 0 with eight bytes of data. */
const PING = new Uint8Array([0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);

/** A Unix socket in a new temp dir whose accepted connections are wrapped by repairedConnection. */
async function listenWrapped(onStream: (stream: Duplex) => void) {
  const dir = await Deno.makeTempDir({ prefix: "repaired_socket_test_" });
  const socketPath = `${dir}/aws.sock`;
  const listener = await listenRepaired(socketPath, onStream);
  return {
    socketPath,
    async [Symbol.asyncDispose]() {
      await listener.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A connected raw client and the server side's wrapped stream. */
async function rawPair(listener: { socketPath: string }, streams: Promise<Duplex>) {
  const client = connect(listener.socketPath);
  await new Promise((resolve) => client.once("connect", resolve));
  return { client, stream: await streams };
}

function nextStream(): { onStream: (stream: Duplex) => void; stream: Promise<Duplex> } {
  const { promise, resolve } = Promise.withResolvers<Duplex>();
  return { onStream: resolve, stream: promise };
}

function collect(readable: Duplex | Socket): () => Uint8Array {
  const chunks: Uint8Array[] = [];
  readable.on("data", (chunk: Uint8Array) => chunks.push(chunk));
  return () => new Uint8Array(Buffer.concat(chunks));
}

function once(emitter: Duplex | Socket, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}

Deno.test("the client's bytes reach the stream unchanged, however they are split", async () => {
  const { onStream, stream: streamPromise } = nextStream();
  await using listener = await listenWrapped(onStream);
  const { client, stream } = await rawPair(listener, streamPromise);
  const received = collect(stream);
  const sent = new Uint8Array([...PREFACE, ...PING, ...PING]);
  // Inside the preface, at its end, inside a frame header, inside a frame's payload.
  const cuts = [0, 5, 24, 30, 41, sent.length];
  for (let i = 1; i < cuts.length; i++) {
    client.write(sent.subarray(cuts[i - 1], cuts[i]));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  client.end();
  await once(stream, "end");
  assert.deepEqual(received(), sent);
});

Deno.test("bytes written to the stream reach the client unchanged", async () => {
  const { onStream, stream: streamPromise } = nextStream();
  await using listener = await listenWrapped(onStream);
  const { client, stream } = await rawPair(listener, streamPromise);
  const received = collect(client);
  const answer = crypto.getRandomValues(new Uint8Array(65_536));
  stream.write(answer.subarray(0, 1000));
  stream.end(answer.subarray(1000));
  await once(client, "end");
  assert.deepEqual(received(), answer);
  client.destroy();
});

Deno.test("the client ending its side ends the stream", async () => {
  const { onStream, stream: streamPromise } = nextStream();
  await using listener = await listenWrapped(onStream);
  const { client, stream } = await rawPair(listener, streamPromise);
  stream.resume();
  const ended = once(stream, "end");
  client.end();
  await ended;
  client.destroy();
});

Deno.test("the client closing its socket closes the stream", async () => {
  const { onStream, stream: streamPromise } = nextStream();
  await using listener = await listenWrapped(onStream);
  const { client, stream } = await rawPair(listener, streamPromise);
  stream.resume();
  const closed = once(stream, "close");
  client.destroy();
  await closed;
  assert.equal(stream.destroyed, true);
});

Deno.test("destroying the stream closes the client's socket", async () => {
  const { onStream, stream: streamPromise } = nextStream();
  await using listener = await listenWrapped(onStream);
  const { client, stream } = await rawPair(listener, streamPromise);
  client.resume();
  const closed = once(client, "close");
  stream.destroy();
  await closed;
});

Deno.test("bytes that are not HTTP/2 frames destroy the stream with an error", async () => {
  const { onStream, stream: streamPromise } = nextStream();
  await using listener = await listenWrapped(onStream);
  const { client, stream } = await rawPair(listener, streamPromise);
  const failed = new Promise<Error>((resolve) => stream.once("error", resolve));
  stream.resume();
  client.on("error", () => {});
  // A HEADERS frame (type 1, END_HEADERS) whose PADDED flag claims more padding than it has.
  client.write(new Uint8Array([...PREFACE, 0, 0, 1, 1, 0x0c, 0, 0, 0, 1, 9]));
  assert.equal((await failed).name, "Http2StreamError");
  client.destroy();
});

interface EchoResponse {
  object_version: { id: string; version: string }[];
  files: { path: string; mode: number; contents: Uint8Array }[];
}

Deno.test("a grpc-js client's calls and their answers pass through unchanged", async () => {
  await using server = await startEchoServer();
  const { client, unary } = grpcClient(server.socketPath);
  try {
    // Larger than the HTTP/2 window and frame size, so it crosses many chunks both ways.
    const attributes = JSON.stringify({ objects: "x".repeat(1_500_000), region: "us-east-1" });
    const answer = await unary<EchoResponse>("Mount", {
      attributes,
      secrets: '{"key":"value"}',
      target_path: "/var/lib/kubelet/pods/uid/mount",
      permission: "420",
      current_object_version: [{ id: "db", version: "v1" }],
    });
    assert.deepEqual(answer.object_version, [{ id: "db", version: "v1" }]);
    assert.deepEqual(answer.files.map((file) => [file.path, file.mode]), [
      ["/var/lib/kubelet/pods/uid/mount", 420],
      ["secrets", 0],
    ]);
    assert.equal(Buffer.from(answer.files[0].contents).toString(), attributes);
    assert.equal(Buffer.from(answer.files[1].contents).toString(), '{"key":"value"}');
  } finally {
    client.close();
  }
});

Deno.test("fifty concurrent calls on one connection all get their own answers", async () => {
  await using server = await startEchoServer();
  const { client, unary } = grpcClient(server.socketPath);
  try {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        unary<EchoResponse>("Mount", {
          attributes: `call ${i}`,
          secrets: "",
          target_path: `/t/${i}`,
          permission: "420",
          current_object_version: [],
        })),
    );
    answers.forEach((answer, i) => {
      assert.equal(answer.files[0].path, `/t/${i}`);
      assert.equal(Buffer.from(answer.files[0].contents).toString(), `call ${i}`);
    });
  } finally {
    client.close();
  }
});

Deno.test("a call whose :authority is the socket path (drivers up to v1.5) is served", async () => {
  await using server = await startEchoServer();
  const { client, unary } = grpcClient(server.socketPath, server.socketPath);
  try {
    const answer = await unary<{ runtime_name: string }>("Version", { version: "v1alpha1" });
    assert.equal(answer.runtime_name, "echo");
  } finally {
    client.close();
  }
});
