/**
 * Reads the client's half of one HTTP/2 connection frame by frame, as its
 * bytes arrive, and lets repairs (see `mod.ts`) drop or replace frames before
 * the server sees them.
 *
 * A frame whose type no repair asks for passes through as its bytes arrive:
 * DATA is never buffered, and a run of such frames inside one chunk leaves as
 * one slice of that chunk (no copy). A repair sees a frame whole only when it
 * asks to ("collect"); that frame is copied once into a buffer of its
 * announced size. So the bytes held per connection are bounded: at most a
 * 24-byte preface, a 9-byte frame header and one collected frame of at most
 * `maxFrameSize` payload, plus what the repairs hold themselves
 * ({@linkcode FrameRepair.heldBytes}).
 *
 * A frame longer than the server's SETTINGS_MAX_FRAME_SIZE is a connection
 * error as soon as its header is read, before any payload (RFC 9113 §4.2).
 * The server itself would refuse it the same way, only after reading it.
 *
 * @module
 */

/** The 24-octet client connection preface (RFC 9113 §3.4). */
export const CLIENT_PREFACE: Uint8Array = new TextEncoder().encode(
  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
);
/** Octets in a frame header (RFC 9113 §4.1). */
export const FRAME_HEADER_LENGTH = 9;
/**
 * The server's SETTINGS_MAX_FRAME_SIZE: the initial value of RFC 9113, which
 * the provider's server never raises (grpc-js 1.14.7 on Deno 2.9.6 sends an
 * empty SETTINGS frame; `frame_reader_test.ts` checks that on the wire).
 */
export const DEFAULT_MAX_FRAME_SIZE = 16384;

/** Frame types the repairs name (RFC 9113 §6). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  GOAWAY: 0x7,
  CONTINUATION: 0x9,
} as const;

/** Thrown when the client's bytes are not HTTP/2 we can follow (a connection error). */
export class Http2StreamError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "Http2StreamError";
  }
}

/** The 9-octet header of a frame. */
export interface FrameHeader {
  /** Payload length (24 bits). */
  length: number;
  /** Frame type. */
  type: number;
  /** Flags. */
  flags: number;
  /** Stream identifier (the reserved bit cleared). */
  streamId: number;
}

/**
 * What happens to a frame: `pass` forwards its bytes as they arrive, `drop`
 * discards them as they arrive, `collect` hands the whole frame to the repair
 * that asked for it.
 */
export type FrameRoute = "pass" | "drop" | "collect";

/** One workaround applied to the client's frames. */
export interface FrameRepair {
  /**
   * Decides a frame's route once its header has arrived, before any of its
   * payload; may throw {@linkcode Http2StreamError} to end the connection.
   */
  route(header: FrameHeader): FrameRoute;
  /** Receives a frame it asked to collect (header included); returns what to forward instead. */
  collected(frame: Uint8Array, header: FrameHeader): Uint8Array[];
  /** Bytes of the client's stream the repair holds now (frames not yet forwarded). */
  readonly heldBytes: number;
}

/** Options of {@linkcode ClientFrameReader}. */
export interface ClientFrameReaderOptions {
  /** The server's SETTINGS_MAX_FRAME_SIZE (default {@linkcode DEFAULT_MAX_FRAME_SIZE}). */
  maxFrameSize?: number;
}

/** Where the reader is in the client's stream. */
type State =
  | { kind: "preface"; received: number }
  | { kind: "header"; received: number }
  | { kind: "payload"; route: "pass" | "drop"; remaining: number }
  | {
    kind: "collect";
    frame: Uint8Array;
    received: number;
    header: FrameHeader;
    repair: FrameRepair;
  };

/**
 * Splits the client-to-server bytes of one connection into frames and applies
 * `repairs` (the first repair whose route is not `pass` owns a frame). Feed
 * it chunks in order; it returns the bytes to hand to the server now.
 *
 * @example
 * ```ts
 * const reader = new ClientFrameReader([clientGoawayDrop()]);
 * socket.on("data", (chunk) => reader.push(chunk).forEach((part) => server.push(part)));
 * ```
 */
export class ClientFrameReader {
  readonly #repairs: FrameRepair[];
  readonly #maxFrameSize: number;
  #state: State = { kind: "preface", received: 0 };
  /** The preface or a frame header while it is incomplete. */
  readonly #scratch = new Uint8Array(CLIENT_PREFACE.length);

  /** Creates a reader applying `repairs` in order. */
  constructor(repairs: FrameRepair[], options: ClientFrameReaderOptions = {}) {
    this.#repairs = repairs;
    this.#maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Bytes of the client's stream received but not yet returned (repairs included). */
  get pendingBytes(): number {
    const state = this.#state;
    const own = state.kind === "payload" ? 0 : state.received;
    return own + this.#repairs.reduce((sum, repair) => sum + repair.heldBytes, 0);
  }

  /**
   * Consumes a chunk and returns the bytes that can be forwarded now.
   *
   * @throws {Http2StreamError} when the stream breaks HTTP/2 framing or a limit.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    /** Start of the pass-through run in `chunk` not yet added to `out`. */
    let runStart = 0;
    let position = 0;
    const flushRun = (end: number) => {
      if (end > runStart) out.push(chunk.subarray(runStart, end));
    };
    while (position < chunk.length) {
      const state = this.#state;
      if (state.kind === "preface") {
        const take = Math.min(CLIENT_PREFACE.length - state.received, chunk.length - position);
        this.#scratch.set(chunk.subarray(position, position + take), state.received);
        position += take;
        state.received += take;
        runStart = position;
        if (state.received < CLIENT_PREFACE.length) break;
        if (!this.#scratch.every((byte, i) => byte === CLIENT_PREFACE[i])) {
          throw new Http2StreamError("the connection does not start with the HTTP/2 preface");
        }
        out.push(this.#scratch.slice());
        this.#state = { kind: "header", received: 0 };
      } else if (state.kind === "header") {
        const headerStart = position - state.received; // < 0 when it began in an earlier chunk
        const take = Math.min(FRAME_HEADER_LENGTH - state.received, chunk.length - position);
        this.#scratch.set(chunk.subarray(position, position + take), state.received);
        position += take;
        state.received += take;
        if (state.received < FRAME_HEADER_LENGTH) {
          // Forward what came before the partial header; the header waits for its route.
          flushRun(Math.max(runStart, headerStart));
          runStart = chunk.length;
          break;
        }
        const header = this.#readHeader();
        const { route, repair } = this.#route(header);
        if (route === "pass") {
          // A header wholly in this chunk stays in the run; one that began in an
          // earlier chunk was held back, so it leaves as a copy of its 9 bytes.
          if (headerStart < 0) {
            out.push(this.#scratch.slice(0, FRAME_HEADER_LENGTH));
            runStart = position;
          }
        } else {
          flushRun(Math.max(runStart, headerStart));
          runStart = position;
        }
        if (route === "collect") {
          const frame = new Uint8Array(FRAME_HEADER_LENGTH + header.length);
          frame.set(this.#scratch.subarray(0, FRAME_HEADER_LENGTH));
          this.#state = {
            kind: "collect",
            frame,
            received: FRAME_HEADER_LENGTH,
            header,
            repair: repair!,
          };
        } else {
          this.#state = { kind: "payload", route, remaining: header.length };
        }
        this.#finishEmptyPayload(out);
      } else if (state.kind === "payload") {
        const take = Math.min(state.remaining, chunk.length - position);
        position += take;
        state.remaining -= take;
        if (state.route === "drop") runStart = position;
        if (state.remaining === 0) this.#state = { kind: "header", received: 0 };
      } else {
        const take = Math.min(state.frame.length - state.received, chunk.length - position);
        state.frame.set(chunk.subarray(position, position + take), state.received);
        position += take;
        state.received += take;
        runStart = position;
        this.#finishEmptyPayload(out);
      }
    }
    flushRun(chunk.length);
    return out;
  }

  /** Completes the current frame if nothing of it is left to read. */
  #finishEmptyPayload(out: Uint8Array[]): void {
    const state = this.#state;
    if (state.kind === "payload" && state.remaining === 0) {
      this.#state = { kind: "header", received: 0 };
    } else if (state.kind === "collect" && state.received === state.frame.length) {
      this.#state = { kind: "header", received: 0 };
      out.push(...state.repair.collected(state.frame, state.header));
    }
  }

  #readHeader(): FrameHeader {
    const bytes = this.#scratch;
    const header: FrameHeader = {
      length: (bytes[0] << 16) | (bytes[1] << 8) | bytes[2],
      type: bytes[3],
      flags: bytes[4],
      streamId: ((bytes[5] & 0x7f) << 24 | bytes[6] << 16 | bytes[7] << 8 | bytes[8]) >>> 0,
    };
    if (header.length > this.#maxFrameSize) {
      throw new Http2StreamError(
        `frame of ${header.length} bytes exceeds SETTINGS_MAX_FRAME_SIZE ${this.#maxFrameSize}`,
      );
    }
    return header;
  }

  #route(header: FrameHeader): { route: FrameRoute; repair?: FrameRepair } {
    for (const repair of this.#repairs) {
      const route = repair.route(header);
      if (route !== "pass") return { route, repair };
    }
    return { route: "pass" };
  }
}

/** Bytes of one frame with `payload`, for repairs that re-encode frames. */
export function encodeFrame(header: Omit<FrameHeader, "length">, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_LENGTH + payload.length);
  frame[0] = (payload.length >> 16) & 0xff;
  frame[1] = (payload.length >> 8) & 0xff;
  frame[2] = payload.length & 0xff;
  frame[3] = header.type;
  frame[4] = header.flags;
  new DataView(frame.buffer).setUint32(5, header.streamId & 0x7fffffff);
  frame.set(payload, FRAME_HEADER_LENGTH);
  return frame;
}
