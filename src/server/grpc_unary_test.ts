import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { connect, constants, type IncomingHttpHeaders } from "node:http2";
import { connect as connectSocket, createServer, type Socket } from "node:net";
import {
  createUnaryServer,
  GrpcError,
  GrpcStatus,
  grpcTimeoutMs,
  percentEncode,
  type UnaryMethod,
} from "./grpc_unary.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Resolved by the "wait" handler when its signal aborts. */
let aborted = Promise.withResolvers<void>();

/** `/test.Echo/Say`: the request's bytes as text, answered in upper case; "fail:<text>" throws. */
const SAY: UnaryMethod<unknown, unknown> = {
  decode(bytes) {
    const text = decoder.decode(bytes);
    if (text === "undecodable") throw new Error("bad bytes");
    return text;
  },
  encode(response, prefix) {
    const bytes = encoder.encode(String(response));
    const out = new Uint8Array(prefix + bytes.length);
    out.set(bytes, prefix);
    return out;
  },
  async handle(request, context) {
    const text = String(request);
    if (text.startsWith("fail:")) throw new GrpcError(GrpcStatus.UNKNOWN, text.slice(5));
    if (text === "throw") throw new TypeError("not a status");
    if (text === "wait") {
      await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
      aborted.resolve();
      return "aborted";
    }
    return text.toUpperCase();
  },
};

async function startServer(options: { maxReceiveBytes?: number } = {}) {
  const dir = await Deno.makeTempDir({ prefix: "grpc_unary_test_" });
  const path = `${dir}/test.sock`;
  const server = createUnaryServer({ "/test.Echo/Say": SAY }, options);
  const sockets = new Set<Socket>();
  const listener = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    server.serve(socket);
  });
  await new Promise<void>((resolve) => listener.listen(path, resolve));
  const session = connect("http://localhost", { createConnection: () => connectSocket(path) });
  session.on("error", () => {});
  return {
    session,
    async [Symbol.asyncDispose]() {
      session.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => listener.close(resolve));
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A gRPC frame: flag, 32-bit length, message. */
function frame(message: Uint8Array | string, compressed = false): Uint8Array {
  const bytes = typeof message === "string" ? encoder.encode(message) : message;
  const out = new Uint8Array(5 + bytes.length);
  out[0] = compressed ? 1 : 0;
  new DataView(out.buffer).setUint32(1, bytes.length);
  out.set(bytes, 5);
  return out;
}

interface Answer {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  body: Uint8Array;
}

/** One call; `body` is sent as is, in one piece. */
function call(
  session: ReturnType<typeof connect>,
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: "/test.Echo/Say",
      [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
      te: "trailers",
      ...headers,
    });
    const answer: Answer = { headers: {}, trailers: {}, body: new Uint8Array() };
    const chunks: Uint8Array[] = [];
    stream.on("response", (h) => answer.headers = h);
    stream.on("trailers", (t) => answer.trailers = t);
    stream.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    stream.on("error", reject);
    stream.on("close", () => {
      answer.body = new Uint8Array(chunks.flatMap((chunk) => [...chunk]));
      resolve(answer);
    });
    stream.end(body);
  });
}

/** The status of an answer: from the trailers, or from the headers of a trailers-only answer. */
function statusOf(answer: Answer): [string | undefined, string | undefined] {
  const source = answer.trailers["grpc-status"] !== undefined ? answer.trailers : answer.headers;
  return [source["grpc-status"] as string, source["grpc-message"] as string];
}

Deno.test("a call is answered with grpc-js's headers, one framed message and OK trailers", async () => {
  await using server = await startServer();
  const answer = await call(server.session, frame("hello"));
  assert.equal(answer.headers[":status"], 200);
  assert.equal(answer.headers["content-type"], "application/grpc+proto");
  assert.deepEqual(answer.body, frame("HELLO"));
  assert.deepEqual(statusOf(answer), ["0", "OK"]);
});

Deno.test("a message split over many DATA frames is put together", async () => {
  await using server = await startServer();
  const answer = await new Promise<Answer>((resolve, reject) => {
    const stream = server.session.request({
      ":method": "POST",
      ":path": "/test.Echo/Say",
      "content-type": "application/grpc",
    });
    const chunks: Uint8Array[] = [];
    const answer: Answer = { headers: {}, trailers: {}, body: new Uint8Array() };
    stream.on("response", (h) => answer.headers = h);
    stream.on("trailers", (t) => answer.trailers = t);
    stream.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    stream.on("error", reject);
    stream.on("close", () => {
      answer.body = new Uint8Array(chunks.flatMap((chunk) => [...chunk]));
      resolve(answer);
    });
    for (const byte of frame("split")) stream.write(new Uint8Array([byte]));
    stream.end();
  });
  assert.deepEqual(answer.body, frame("SPLIT"));
});

Deno.test("failures are trailers-only answers with the status in the headers", async () => {
  await using server = await startServer({ maxReceiveBytes: 100 });
  const cases: [Uint8Array, Record<string, string>, [string, string]][] = [
    [frame("fail:no such secret"), {}, ["2", "no such secret"]],
    [frame("throw"), {}, ["2", "not a status"]],
    [frame("undecodable"), {}, ["13", "Error deserializing request"]],
    [frame("x".repeat(101)), {}, ["8", "Received message larger than max (101 vs. 100)"]],
    [frame("z", true), {}, [
      "12",
      "Received a compressed message; this server supports only identity encoding",
    ]],
    [new Uint8Array(), {}, ["13", "the request has no message"]],
    [frame("abc").subarray(0, 6), {}, ["13", "the request message is truncated"]],
    [new Uint8Array([...frame("a"), ...frame("b")]), {}, [
      "13",
      "a unary call must send exactly one message",
    ]],
    [frame("a"), { ":path": "/test.Echo/Other" }, [
      "12",
      "The server does not implement the method /test.Echo/Other",
    ]],
    [frame("a"), { "grpc-timeout": "soon" }, ["13", 'Invalid grpc-timeout value "soon"']],
  ];
  for (const [body, headers, status] of cases) {
    const answer = await call(server.session, body, headers);
    assert.equal(answer.headers[":status"], 200);
    assert.deepEqual(answer.trailers, {});
    assert.deepEqual(statusOf(answer), status, JSON.stringify(status));
  }
});

Deno.test("a request that is not gRPC gets HTTP 415", async () => {
  await using server = await startServer();
  const answer = await call(server.session, frame("a"), { "content-type": "text/plain" });
  assert.equal(answer.headers[":status"], 415);
});

Deno.test("the deadline answers DEADLINE_EXCEEDED and aborts the handler's signal", async () => {
  await using server = await startServer();
  aborted = Promise.withResolvers();
  const started = performance.now();
  const answer = await call(server.session, frame("wait"), { "grpc-timeout": "100m" });
  assert.deepEqual(statusOf(answer), ["4", "Deadline exceeded"]);
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 90 && elapsed < 1_000, `${elapsed} ms`);
  await aborted.promise;
});

Deno.test("status messages are percent-encoded, and grpc-js reads back the text", async () => {
  assert.equal(percentEncode("plain text: ok"), "plain text: ok");
  assert.equal(percentEncode("50% off\n"), "50%25 off%0A");
  assert.equal(percentEncode("é"), "%C3%A9");
  assert.equal(percentEncode("\ud800"), "%EF%BF%BD");
  const dir = await Deno.makeTempDir({ prefix: "grpc_unary_test_" });
  const path = `${dir}/grpc.sock`;
  const unary = createUnaryServer({ "/test.Echo/Say": SAY });
  const listener = createServer((socket) => unary.serve(socket));
  await new Promise<void>((resolve) => listener.listen(path, resolve));
  const client = new grpc.Client(`unix:${path}`, grpc.credentials.createInsecure());
  try {
    for (const text of ["100% sure\nnext line", "naïve ✓ 🙂", "a, b; c? d/e #f"]) {
      const error = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest(
          "/test.Echo/Say",
          (value: string) => Buffer.from(value),
          (bytes: Buffer) => bytes,
          `fail:${text}`,
          (error) => resolve(error),
        )
      );
      assert.deepEqual([error?.code, error?.details], [grpc.status.UNKNOWN, text]);
    }
  } finally {
    client.close();
    await new Promise((resolve) => listener.close(resolve));
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a client that goes away aborts the handler's signal", async () => {
  await using server = await startServer();
  aborted = Promise.withResolvers();
  const stream = server.session.request({
    ":method": "POST",
    ":path": "/test.Echo/Say",
    "content-type": "application/grpc",
  });
  stream.on("error", () => {});
  stream.end(frame("wait"));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const closed = new Promise((resolve) => stream.on("close", resolve));
  stream.close(constants.NGHTTP2_CANCEL);
  await closed;
  await aborted.promise;
  // Nothing is sent to the closed stream, and the server still answers the next call.
  const answer = await call(server.session, frame("next"));
  assert.deepEqual(answer.body, frame("NEXT"));
});

Deno.test("grpc-timeout: every unit, junk refused, deadlines past a timer's range clamped", () => {
  assert.equal(grpcTimeoutMs("2H"), 7_200_000);
  assert.equal(grpcTimeoutMs("3M"), 180_000);
  assert.equal(grpcTimeoutMs("4S"), 4_000);
  assert.equal(grpcTimeoutMs("150m"), 150);
  assert.equal(grpcTimeoutMs("2500u"), 2);
  assert.equal(grpcTimeoutMs("999999n"), 0);
  assert.equal(grpcTimeoutMs("soon"), undefined);
  // 99999999 hours would wrap to a negative deadline with grpc-js's `| 0`.
  assert.equal(grpcTimeoutMs("99999999H"), 2 ** 31 - 1);
  assert.equal(grpcTimeoutMs("99999999M"), 2 ** 31 - 1);
});
