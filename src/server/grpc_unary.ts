/**
 * Unary gRPC over `node:http2`: the part of gRPC the CSI driver uses (two
 * unary methods, no metadata, no compression), served on connections we
 * accept ourselves and hand in (`h2_repair/` sits between the socket and
 * HTTP/2).
 *
 * grpc-js did this before; it and the protobuf runtime it needs cost about
 * 8 MiB of the provider's memory, a good part of its start-up and of each
 * mount's CPU, for what is here a few hundred lines. What clients see is
 * grpc-js's: the same response headers and trailers, `grpc-timeout` read the
 * same way (a deadline answers `DEADLINE_EXCEEDED`), an unknown method
 * `UNIMPLEMENTED`, a wrong content type HTTP 415, a request over 4 MiB
 * `RESOURCE_EXHAUSTED`, a request that does not decode `INTERNAL`. Status
 * messages are percent-encoded as the gRPC spec says (any text, lone
 * surrogates included, reaches the client intact or as U+FFFD).
 *
 * @module
 */

import {
  constants,
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from "node:http2";
import type { Duplex } from "node:stream";

/** gRPC status codes (those this server sends, and OK). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** A gRPC status code. */
export type GrpcStatusCode = (typeof GrpcStatus)[keyof typeof GrpcStatus];

/** A failed call's status, as a handler throws it. */
export class GrpcError extends Error {
  /** Creates the status `code` with the message `details`. */
  constructor(readonly code: GrpcStatusCode, readonly details: string) {
    super(details);
    this.name = "GrpcError";
  }
}

/** What a handler knows of its call. */
export interface UnaryCallContext {
  /** Aborts when the client cancels, the deadline passes or the server closes the stream. */
  signal: AbortSignal;
  /** The client's deadline (epoch ms), if it sent one. */
  deadline: number | undefined;
}

/** One unary method: how its request is read, handled and answered. */
export interface UnaryMethod<Request, Response> {
  /** Decodes the request message; a throw answers `INTERNAL`. */
  decode(bytes: Uint8Array): Request;
  /**
   * Encodes the response with 5 bytes left free in front (for the frame
   * header), so the answer is written without a copy.
   */
  encode(response: Response, prefix: number): Uint8Array;
  /** Handles the call; a {@linkcode GrpcError} is answered as its status, anything else `UNKNOWN`. */
  handle(request: Request, context: UnaryCallContext): Promise<Response> | Response;
  /**
   * Called once the response of a call has been answered in full (its
   * stream closed) and the event loop has had a turn to send it: work
   * started here cannot hold the answer back.
   */
  answered?(): void;
}

/** Options of {@linkcode createUnaryServer}. */
export interface UnaryServerOptions {
  /** Largest request message accepted (bytes, default 4 MiB, grpc-js's default). */
  maxReceiveBytes?: number;
}

/** A server to hand connections to. */
export interface UnaryServer {
  /** Serves HTTP/2 on an accepted connection. */
  serve(connection: Duplex): void;
}

/** grpc-js's default limit on a received message. */
export const DEFAULT_MAX_RECEIVE_BYTES = 4 * 1024 * 1024;
/** The gRPC frame header: compressed flag and 32-bit length. */
const FRAME_HEADER = 5;
/** `grpc-timeout` as grpc-js reads it: up to 8 digits and a unit. */
const TIMEOUT = /(\d{1,8})\s*([HMSmun])/;
const TIMEOUT_UNIT_MS: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 0.001,
  n: 0.000001,
};
/** The longest delay `setTimeout` keeps (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A `grpc-timeout` header in whole milliseconds, or undefined when it is not
 * one. grpc-js truncates with `| 0`, which turns 99999999H into a negative
 * deadline (an immediate DEADLINE_EXCEEDED); a deadline past what a timer
 * holds (about 24 days) is clamped to it instead.
 */
export function grpcTimeoutMs(value: string): number | undefined {
  const match = TIMEOUT.exec(value);
  if (match === null) return undefined;
  return Math.min(Math.trunc(Number(match[1]) * TIMEOUT_UNIT_MS[match[2]]), MAX_TIMER_MS);
}

const RESPONSE_HEADERS = {
  [constants.HTTP2_HEADER_STATUS]: 200,
  [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc+proto",
  "grpc-accept-encoding": "identity",
  "grpc-encoding": "identity",
};

/**
 * An HTTP/2 server with the given unary methods (by path,
 * `/package.Service/Method`).
 */
export function createUnaryServer(
  methods: Record<string, UnaryMethod<unknown, unknown>>,
  options: UnaryServerOptions = {},
): UnaryServer {
  const maxReceiveBytes = options.maxReceiveBytes ?? DEFAULT_MAX_RECEIVE_BYTES;
  const routes = new Map(Object.entries(methods));
  // As grpc-js: no header block or session memory limit (nghttp2's defaults
  // refuse valid traffic under load), no idle timeout.
  const http2: Http2Server = createServer({
    maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
    maxSessionMemory: Number.MAX_SAFE_INTEGER,
  });
  http2.setTimeout(0);
  http2.on("session", (session) => session.on("error", () => {}));
  http2.on("sessionError", () => {});
  http2.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on("error", () => {});
    const contentType = headers[constants.HTTP2_HEADER_CONTENT_TYPE];
    if (typeof contentType !== "string" || !contentType.startsWith("application/grpc")) {
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: 415 }, { endStream: true });
      return;
    }
    const path = String(headers[constants.HTTP2_HEADER_PATH] ?? "");
    const method = routes.get(path);
    if (method === undefined) {
      respondStatus(
        stream,
        new GrpcError(
          GrpcStatus.UNIMPLEMENTED,
          `The server does not implement the method ${path}`,
        ),
      );
      return;
    }
    serveCall(stream, headers, method, maxReceiveBytes);
  });
  return {
    serve(connection) {
      http2.emit("connection", connection);
    },
  };
}

/** Reads the request, runs the handler, answers once: the response, a status, or nothing if gone. */
function serveCall(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  method: UnaryMethod<unknown, unknown>,
  maxReceiveBytes: number,
): void {
  const controller = new AbortController();
  let answered = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Answers once. Unless the handler's own result is the answer, its signal
  // aborts: the client is gone, the deadline passed or the request was bad.
  const finish = (answer: () => void, handled = false) => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    if (!stream.destroyed && !stream.closed) answer();
    if (!handled) controller.abort();
  };
  const fail = (error: GrpcError, handled = false) =>
    finish(() => respondStatus(stream, error), handled);
  stream.once("close", () => finish(() => {}));

  let deadline: number | undefined;
  const timeout = headers["grpc-timeout"];
  if (timeout !== undefined) {
    const ms = grpcTimeoutMs(String(timeout));
    if (ms === undefined) {
      fail(new GrpcError(GrpcStatus.INTERNAL, `Invalid grpc-timeout value "${timeout}"`));
      return;
    }
    deadline = Date.now() + ms;
    timer = setTimeout(
      () => fail(new GrpcError(GrpcStatus.DEADLINE_EXCEEDED, "Deadline exceeded")),
      ms,
    );
  }

  const chunks: Uint8Array[] = [];
  let received = 0;
  stream.on("data", (chunk: Uint8Array) => {
    if (answered) return;
    received += chunk.length;
    if (received > maxReceiveBytes + FRAME_HEADER) {
      chunks.length = 0;
      fail(
        new GrpcError(
          GrpcStatus.RESOURCE_EXHAUSTED,
          `Received message larger than max (${received - FRAME_HEADER} vs. ${maxReceiveBytes})`,
        ),
      );
      return;
    }
    chunks.push(chunk);
  });
  stream.on("end", () => {
    if (answered) return;
    let request: unknown;
    try {
      request = method.decode(unframe(chunks, received));
    } catch (error) {
      fail(
        error instanceof GrpcError
          ? error
          : new GrpcError(GrpcStatus.INTERNAL, "Error deserializing request"),
      );
      return;
    }
    chunks.length = 0;
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(method.handle(request, { signal: controller.signal, deadline }));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (response) => {
        let frame: Uint8Array;
        try {
          frame = method.encode(response, FRAME_HEADER);
        } catch {
          fail(new GrpcError(GrpcStatus.INTERNAL, "Error serializing response"), true);
          return;
        }
        finish(() => {
          respondMessage(stream, frame);
          const answered = method.answered;
          if (answered) stream.once("close", () => setTimeout(answered, 0));
        }, true);
      },
      (error) =>
        fail(
          error instanceof GrpcError
            ? error
            : new GrpcError(GrpcStatus.UNKNOWN, String((error as Error)?.message ?? error)),
          true,
        ),
    );
  });
}

/** The one message of a unary request, from the stream's bytes. */
function unframe(chunks: Uint8Array[], size: number): Uint8Array {
  const bytes = chunks.length === 1 ? chunks[0] : concat(chunks, size);
  if (bytes.length < FRAME_HEADER) {
    throw new GrpcError(GrpcStatus.INTERNAL, "the request has no message");
  }
  if (bytes[0] !== 0) {
    throw new GrpcError(
      GrpcStatus.UNIMPLEMENTED,
      "Received a compressed message; this server supports only identity encoding",
    );
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  if (length !== bytes.length - FRAME_HEADER) {
    throw new GrpcError(
      GrpcStatus.INTERNAL,
      length > bytes.length - FRAME_HEADER
        ? "the request message is truncated"
        : "a unary call must send exactly one message",
    );
  }
  return bytes.subarray(FRAME_HEADER);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** Headers, the framed message (its first 5 bytes free for the header), then OK trailers. */
function respondMessage(stream: ServerHttp2Stream, frame: Uint8Array): void {
  frame[0] = 0;
  new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
    .setUint32(1, frame.length - FRAME_HEADER);
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once("wantTrailers", () => {
    stream.sendTrailers({ "grpc-status": String(GrpcStatus.OK), "grpc-message": "OK" });
  });
  stream.end(frame);
}

/** A trailers-only answer: the status in the one header block. */
function respondStatus(stream: ServerHttp2Stream, error: GrpcError): void {
  stream.respond({
    ...RESPONSE_HEADERS,
    "grpc-status": String(error.code),
    "grpc-message": percentEncode(error.details),
  }, { endStream: true });
}

/**
 * A status message as the gRPC spec carries it: UTF-8, with every byte
 * outside printable ASCII (and `%`) as `%XX`.
 *
 * @example
 * ```ts
 * percentEncode("50% off\n"); // "50%25 off%0A"
 * ```
 */
export function percentEncode(text: string): string {
  let plain = true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return text;
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
