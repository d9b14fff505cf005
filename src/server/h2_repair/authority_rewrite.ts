/**
 * Makes HTTP/2 requests from CSI driver v1.5.x acceptable to our gRPC server.
 *
 * Drivers up to v1.5.x dial with grpc-go's passthrough resolver, which sends
 * the socket path (`/var/run/secrets-store-csi-providers/aws.sock`) as the
 * `:authority` pseudo-header. Node's and Deno's HTTP/2 servers reject such a
 * value with a PROTOCOL_ERROR, so those drivers could not mount at all. We sit
 * between the socket and the gRPC server and rewrite, in the client's header
 * blocks, any `:authority` literal that is not a valid URI authority into
 * `localhost` (what v1.6 drivers send).
 *
 * HPACK keeps a dynamic table on both sides. The replacement is never longer
 * than the original value, so every table entry the server holds is at most as
 * large as the client's view of it: the server evicts no earlier than the
 * client, and every index the client sends still names the same header on the
 * server.
 *
 * One more change: the client's GOAWAY frames are dropped. Deno 2.9.6's
 * `node:http2` server aborts the whole process (an nghttp2 assertion, or
 * `free(): invalid pointer`) when a client sends GOAWAY after a few hundred
 * requests on one connection — which grpc-go (driver v1.6) and grpc-js do when
 * they close a connection. A gRPC server starts no streams, so a client's
 * GOAWAY tells it nothing it needs: the connection's end follows it anyway.
 * Nothing else in the stream is touched.
 *
 * @module
 */

import { decodeHuffman } from "./hpack_huffman.ts";

const PREFACE_LENGTH = 24;
const FRAME_HEADER_LENGTH = 9;
const TYPE_HEADERS = 0x1;
const TYPE_GOAWAY = 0x7;
const TYPE_CONTINUATION = 0x9;
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** The smallest SETTINGS_MAX_FRAME_SIZE a peer may announce (RFC 9113). */
const MAX_FRAME_PAYLOAD = 16384;
/** Upper bound on one header block we buffer (the client's headers are tiny). */
const MAX_HEADER_BLOCK = 1 << 20;
/** Static table index of `:authority`. */
const AUTHORITY_INDEX = 1;

const VALID_AUTHORITY = /^[A-Za-z0-9\-._~%!$&'()*+,;=:@[\]]*$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown when the client stream is not HTTP/2 we can follow. */
export class Http2StreamError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "Http2StreamError";
  }
}

/**
 * Rewrites the client-to-server byte stream of one HTTP/2 connection. Feed it
 * chunks in order; it returns the bytes to hand to the server.
 */
export class ClientStreamRewriter {
  #buffer: Uint8Array = new Uint8Array(0);
  #prefaceSeen = false;
  /** Frames of a header block waiting for CONTINUATION frames. */
  #pending: { frames: Uint8Array[]; fragments: Uint8Array[]; head: HeadersFrameHead } | undefined;
  /** How many header blocks were changed (for tests and logs). */
  rewrites = 0;

  /** Consumes a chunk and returns the bytes that can be forwarded now. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : concat([this.#buffer, chunk]);
    const out: Uint8Array[] = [];
    if (!this.#prefaceSeen) {
      if (this.#buffer.length < PREFACE_LENGTH) return out;
      out.push(this.#buffer.subarray(0, PREFACE_LENGTH));
      this.#buffer = this.#buffer.subarray(PREFACE_LENGTH);
      this.#prefaceSeen = true;
    }
    while (this.#buffer.length >= FRAME_HEADER_LENGTH) {
      const length = (this.#buffer[0] << 16) | (this.#buffer[1] << 8) | this.#buffer[2];
      const total = FRAME_HEADER_LENGTH + length;
      if (this.#buffer.length < total) break;
      const frame = this.#buffer.slice(0, total);
      this.#buffer = this.#buffer.subarray(total);
      out.push(...this.#frame(frame));
    }
    return out;
  }

  #frame(frame: Uint8Array): Uint8Array[] {
    const type = frame[3];
    const flags = frame[4];
    if (this.#pending !== undefined) {
      if (type !== TYPE_CONTINUATION) {
        throw new Http2StreamError("expected CONTINUATION frame");
      }
      this.#pending.frames.push(frame);
      this.#pending.fragments.push(frame.subarray(FRAME_HEADER_LENGTH));
      if (concatLength(this.#pending.fragments) > MAX_HEADER_BLOCK) {
        throw new Http2StreamError("header block too large");
      }
      if ((flags & FLAG_END_HEADERS) === 0) return [];
      const pending = this.#pending;
      this.#pending = undefined;
      return this.#finishBlock(pending.frames, pending.fragments, pending.head);
    }
    // See the module documentation: the server must never see the client's GOAWAY.
    if (type === TYPE_GOAWAY) return [];
    if (type !== TYPE_HEADERS) return [frame];
    const head = parseHeadersFrame(frame);
    if ((flags & FLAG_END_HEADERS) === 0) {
      this.#pending = { frames: [frame], fragments: [head.fragment], head };
      return [];
    }
    return this.#finishBlock([frame], [head.fragment], head);
  }

  #finishBlock(
    frames: Uint8Array[],
    fragments: Uint8Array[],
    head: HeadersFrameHead,
  ): Uint8Array[] {
    const rewritten = rewriteAuthority(concat(fragments));
    if (rewritten === undefined) return frames;
    this.rewrites++;
    return encodeHeadersFrames(head, rewritten);
  }
}

interface HeadersFrameHead {
  streamId: Uint8Array;
  endStream: boolean;
  priority: Uint8Array | undefined;
  fragment: Uint8Array;
}

function parseHeadersFrame(frame: Uint8Array): HeadersFrameHead {
  const flags = frame[4];
  let payload = frame.subarray(FRAME_HEADER_LENGTH);
  if (flags & FLAG_PADDED) {
    const padding = payload[0];
    if (padding >= payload.length) throw new Http2StreamError("bad HEADERS padding");
    payload = payload.subarray(1, payload.length - padding);
  }
  let priority: Uint8Array | undefined;
  if (flags & FLAG_PRIORITY) {
    if (payload.length < 5) throw new Http2StreamError("bad HEADERS priority");
    priority = payload.subarray(0, 5);
    payload = payload.subarray(5);
  }
  return {
    streamId: frame.subarray(5, 9),
    endStream: (flags & FLAG_END_STREAM) !== 0,
    priority,
    fragment: payload,
  };
}

/** One HEADERS frame (plus CONTINUATIONs if needed) carrying `block`. */
function encodeHeadersFrames(head: HeadersFrameHead, block: Uint8Array): Uint8Array[] {
  const first = concat([head.priority ?? new Uint8Array(0), block]);
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < first.length || offset === 0; offset += MAX_FRAME_PAYLOAD) {
    chunks.push(first.subarray(offset, offset + MAX_FRAME_PAYLOAD));
    if (first.length === 0) break;
  }
  return chunks.map((payload, index) => {
    const last = index === chunks.length - 1;
    let flags = last ? FLAG_END_HEADERS : 0;
    let type = TYPE_CONTINUATION;
    if (index === 0) {
      type = TYPE_HEADERS;
      if (head.endStream) flags |= FLAG_END_STREAM;
      if (head.priority !== undefined) flags |= FLAG_PRIORITY;
    }
    const frame = new Uint8Array(FRAME_HEADER_LENGTH + payload.length);
    frame[0] = (payload.length >> 16) & 0xff;
    frame[1] = (payload.length >> 8) & 0xff;
    frame[2] = payload.length & 0xff;
    frame[3] = type;
    frame[4] = flags;
    frame.set(head.streamId, 5);
    frame.set(payload, FRAME_HEADER_LENGTH);
    return frame;
  });
}

/**
 * Rewrites every literal `:authority` field of an HPACK header block whose
 * value is not a valid URI authority.
 *
 * @returns the new block, or `undefined` when nothing needed to change.
 */
export function rewriteAuthority(block: Uint8Array): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  let changed = false;
  let position = 0;
  let copiedUpTo = 0;
  while (position < block.length) {
    const first = block[position];
    if (first & 0x80) { // indexed field
      position = readInteger(block, position, 7).next;
      continue;
    }
    if ((first & 0xe0) === 0x20) { // dynamic table size update
      position = readInteger(block, position, 5).next;
      continue;
    }
    const prefix = (first & 0xc0) === 0x40 ? 6 : 4; // with / without (or never) indexing
    const nameIndex = readInteger(block, position, prefix);
    position = nameIndex.next;
    let isAuthority = nameIndex.value === AUTHORITY_INDEX;
    if (nameIndex.value === 0) {
      const name = readString(block, position);
      position = name.next;
      isAuthority = name.text === ":authority";
    }
    const valueStart = position;
    const value = readString(block, position);
    position = value.next;
    if (!isAuthority || VALID_AUTHORITY.test(value.text)) continue;
    parts.push(block.subarray(copiedUpTo, valueStart));
    parts.push(encodeRawString(replacementAuthority(value.length)));
    copiedUpTo = position;
    changed = true;
  }
  if (!changed) return undefined;
  parts.push(block.subarray(copiedUpTo));
  return concat(parts);
}

/** `localhost`, or as much of it as fits in the original value's length. */
function replacementAuthority(originalLength: number): string {
  return "localhost".slice(0, Math.max(1, Math.min(9, originalLength)));
}

function readInteger(
  block: Uint8Array,
  position: number,
  prefixBits: number,
): { value: number; next: number } {
  if (position >= block.length) throw new Http2StreamError("truncated HPACK integer");
  const max = (1 << prefixBits) - 1;
  let value = block[position] & max;
  let next = position + 1;
  if (value < max) return { value, next };
  let shift = 0;
  while (true) {
    if (next >= block.length || shift > 28) throw new Http2StreamError("bad HPACK integer");
    const byte = block[next++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return { value, next };
  }
}

function readString(
  block: Uint8Array,
  position: number,
): { text: string; length: number; next: number } {
  const huffman = (block[position] & 0x80) !== 0;
  const { value: length, next } = readInteger(block, position, 7);
  const end = next + length;
  if (end > block.length) throw new Http2StreamError("truncated HPACK string");
  const raw = block.subarray(next, end);
  const bytes = huffman ? decodeHuffman(raw) : raw;
  if (bytes === undefined) throw new Http2StreamError("bad HPACK Huffman string");
  return { text: decoder.decode(bytes), length: bytes.length, next: end };
}

function encodeRawString(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  // Lengths here are at most 9, so the 7-bit prefix always suffices.
  return concat([new Uint8Array([bytes.length]), bytes]);
}

function concatLength(parts: Uint8Array[]): number {
  return parts.reduce((sum, part) => sum + part.length, 0);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(concatLength(parts));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
