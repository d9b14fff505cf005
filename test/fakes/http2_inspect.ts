/**
 * Test helpers that read HTTP/2 client streams the way a server does (an
 * HPACK decoder with its dynamic table, RFC 7541, and a frame splitter, RFC
 * 9113), build frames and header blocks, and talk raw HTTP/2 to a socket.
 * Written for checking the HTTP/2 repairs (`src/server/h2_repair/`), not for
 * speed.
 *
 * @example
 * ```ts
 * const decoder = new HpackDecoder();
 * decoder.decode(hex("8286")); // [[":method", "GET"], [":scheme", "http"]]
 * ```
 *
 * @module
 */

import { connect } from "node:net";
import { decodeHuffman } from "../../src/server/h2_repair/mod.ts";

/** A decoded header field: name and value. */
export type HeaderField = [name: string, value: string];

/** RFC 7541 Appendix A. */
const STATIC_TABLE: HeaderField[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** An HPACK decoder keeping one connection's dynamic table. */
export class HpackDecoder {
  /** Newest entry first. */
  #table: HeaderField[] = [];
  #maxSize: number;

  /** Creates a decoder whose table may grow to `maxSize` octets (SETTINGS_HEADER_TABLE_SIZE). */
  constructor(maxSize = 4096) {
    this.#maxSize = maxSize;
  }

  /** Entries of the dynamic table, newest first (index 62 first). */
  get dynamicTable(): HeaderField[] {
    return this.#table.map(([name, value]) => [name, value]);
  }

  /** Decodes one complete header block; throws on anything malformed. */
  decode(block: Uint8Array): HeaderField[] {
    const fields: HeaderField[] = [];
    let position = 0;
    const integer = (prefix: number) => {
      const { value, next } = readInteger(block, position, prefix);
      position = next;
      return value;
    };
    const string = () => {
      const huffman = (block[position] & 0x80) !== 0;
      const length = integer(7);
      if (position + length > block.length) throw new Error("truncated string");
      const raw = block.subarray(position, position + length);
      position += length;
      const bytes = huffman ? decodeHuffman(raw) : raw;
      if (bytes === undefined) throw new Error("bad Huffman string");
      return utf8.decode(bytes);
    };
    while (position < block.length) {
      const first = block[position];
      if (first & 0x80) {
        fields.push(this.#at(integer(7)));
      } else if ((first & 0xe0) === 0x20) {
        this.#maxSize = integer(5);
        this.#evict(0);
      } else {
        const indexing = (first & 0xc0) === 0x40;
        const nameIndex = integer(indexing ? 6 : 4);
        const name = nameIndex === 0 ? string() : this.#at(nameIndex)[0];
        const field: HeaderField = [name, string()];
        fields.push(field);
        if (indexing) this.#add(field);
      }
    }
    return fields;
  }

  #at(index: number): HeaderField {
    const field = index === 0
      ? undefined
      : index <= STATIC_TABLE.length
      ? STATIC_TABLE[index - 1]
      : this.#table[index - STATIC_TABLE.length - 1];
    if (field === undefined) throw new Error(`no table entry ${index}`);
    return field;
  }

  #add(field: HeaderField): void {
    const size = entrySize(field);
    if (size > this.#maxSize) {
      this.#table = [];
      return;
    }
    this.#evict(size);
    this.#table.unshift(field);
  }

  #evict(room: number): void {
    let used = this.#table.reduce((sum, entry) => sum + entrySize(entry), 0);
    while (used + room > this.#maxSize) used -= entrySize(this.#table.pop()!);
  }
}

function entrySize([name, value]: HeaderField): number {
  const encoder = new TextEncoder();
  return encoder.encode(name).length + encoder.encode(value).length + 32;
}

function readInteger(
  block: Uint8Array,
  position: number,
  prefix: number,
): { value: number; next: number } {
  if (position >= block.length) throw new Error("truncated integer");
  const max = (1 << prefix) - 1;
  let value = block[position] & max;
  let next = position + 1;
  if (value < max) return { value, next };
  for (let shift = 0;; shift += 7) {
    if (next >= block.length) throw new Error("truncated integer");
    const byte = block[next++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next };
  }
}

/** One HTTP/2 frame as it appears on the wire. */
export interface Frame {
  /** Frame type (1 = HEADERS, 9 = CONTINUATION, 0 = DATA, ...). */
  type: number;
  /** Flags byte. */
  flags: number;
  /** Stream id. */
  streamId: number;
  /** Payload, padding and priority fields included. */
  payload: Uint8Array;
}

/** The 24-octet client connection preface. */
export const CLIENT_PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** Splits a client byte stream (preface first) into frames; throws if bytes are left over. */
export function splitClientStream(stream: Uint8Array): Frame[] {
  const preface = stream.subarray(0, CLIENT_PREFACE.length);
  if (preface.some((byte, i) => byte !== CLIENT_PREFACE[i])) throw new Error("no preface");
  return splitFrames(stream.subarray(CLIENT_PREFACE.length));
}

/** Splits bytes into frames (a server's stream, or a client's after the preface); throws if bytes are left over. */
export function splitFrames(stream: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  let position = 0;
  while (position < stream.length) {
    if (position + 9 > stream.length) throw new Error("truncated frame header");
    const length = (stream[position] << 16) | (stream[position + 1] << 8) | stream[position + 2];
    const end = position + 9 + length;
    if (end > stream.length) throw new Error("truncated frame");
    frames.push({
      type: stream[position + 3],
      flags: stream[position + 4],
      streamId: new DataView(stream.buffer, stream.byteOffset + position + 5, 4).getUint32(0) &
        0x7fffffff,
      payload: stream.slice(position + 9, end),
    });
    position = end;
  }
  return frames;
}

/**
 * The header blocks of a client stream, in order, with HEADERS padding and
 * priority fields removed and CONTINUATION fragments joined.
 */
export function headerBlocks(frames: Frame[]): { streamId: number; block: Uint8Array }[] {
  const blocks: { streamId: number; block: Uint8Array }[] = [];
  let open: { streamId: number; parts: Uint8Array[] } | undefined;
  for (const frame of frames) {
    if (frame.type === 0x1) {
      let payload = frame.payload;
      if (frame.flags & 0x8) payload = payload.subarray(1, payload.length - payload[0]);
      if (frame.flags & 0x20) payload = payload.subarray(5);
      open = { streamId: frame.streamId, parts: [payload] };
    } else if (frame.type === 0x9 && open !== undefined) {
      open.parts.push(frame.payload);
    } else {
      continue;
    }
    if (frame.flags & 0x4) {
      blocks.push({ streamId: open.streamId, block: concatBytes(open.parts) });
      open = undefined;
    }
  }
  return blocks;
}

/** Joins byte arrays. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Bytes from a hex string (whitespace ignored). */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  return Uint8Array.from(
    { length: clean.length / 2 },
    (_, i) => parseInt(clean.slice(2 * i, 2 * i + 2), 16),
  );
}

/** A hex string from bytes. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** One HTTP/2 frame's bytes: a 9-octet header (RFC 9113 §4.1) and `payload`. */
export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array,
): Uint8Array {
  return new Uint8Array([
    payload.length >> 16,
    (payload.length >> 8) & 0xff,
    payload.length & 0xff,
    type,
    flags,
    streamId >>> 24,
    (streamId >> 16) & 0xff,
    (streamId >> 8) & 0xff,
    streamId & 0xff,
    ...payload,
  ]);
}

/** Chunk sizes by chunk index, for {@linkcode pushInChunks}. */
export type ChunkSizes = (index: number) => number;

/** The whole stream as one chunk. */
export const whole: ChunkSizes = () => Number.MAX_SAFE_INTEGER;
/** One byte per chunk. */
export const byteByByte: ChunkSizes = () => 1;

/** Deterministic chunk sizes from 1 to `max` (mulberry32 seeded with `seed`). */
export function seededSizes(seed: number, max: number): ChunkSizes {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return 1 + (((t ^ (t >>> 14)) >>> 0) % max);
  };
}

/**
 * Feeds `stream` to `push` in chunks of `sizes` and joins everything `push`
 * returned: what a server behind the pusher would have read.
 */
export function pushInChunks(
  push: (chunk: Uint8Array) => Uint8Array[],
  stream: Uint8Array,
  sizes: ChunkSizes,
): Uint8Array {
  const out: Uint8Array[] = [];
  for (let offset = 0, i = 0; offset < stream.length; i++) {
    const end = Math.min(stream.length, offset + sizes(i));
    out.push(...push(stream.slice(offset, end)));
    offset = end;
  }
  return concatBytes(out);
}

/**
 * A header block of literals without indexing and with literal names (raw
 * strings, RFC 7541 §6.2.2): what any HPACK decoder reads the same way
 * whatever its table holds.
 */
export function encodeHeaderBlock(fields: HeaderField[]): Uint8Array {
  const encoder = new TextEncoder();
  const string = (text: string) => {
    const bytes = encoder.encode(text);
    const length = bytes.length < 127 ? [bytes.length] : [127, ...integerTail(bytes.length - 127)];
    return [...length, ...bytes];
  };
  return new Uint8Array(
    fields.flatMap(([name, value]) => [0x00, ...string(name), ...string(value)]),
  );
}

/** The continuation octets of an HPACK integer past a full prefix (RFC 7541 §5.1). */
export function integerTail(rest: number): number[] {
  const bytes: number[] = [];
  while (rest >= 128) {
    bytes.push(0x80 | (rest & 0x7f));
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

/** The headers of a gRPC call of `method` as a grpc-go client sends them. */
export function grpcRequestHeaders(method: string, authority: string): HeaderField[] {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", method],
    [":authority", authority],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
  ];
}

/** A `v1alpha1.VersionRequest{version: "v1alpha1"}` as one gRPC message (5-octet prefix). */
export const VERSION_REQUEST_MESSAGE: Uint8Array = new Uint8Array([
  0,
  0,
  0,
  0,
  10,
  0x0a,
  8,
  ...new TextEncoder().encode("v1alpha1"),
]);

/** What a server sent back on one raw connection. */
export interface Exchange {
  /** The server's frames, in order. */
  frames: Frame[];
  /** Whether the server closed (or reset) the connection. */
  closed: boolean;
}

/**
 * Connects to a Unix socket, writes `bytes` (in `chunks` of at most that
 * size, default all at once), and collects the server's frames until it closes
 * the connection, `until` holds for the frames so far, or `waitMs` (default
 * 2 s) pass.
 */
export async function exchangeFrames(
  socketPath: string,
  bytes: Uint8Array,
  options: { waitMs?: number; chunk?: number; until?: (frames: Frame[]) => boolean } = {},
): Promise<Exchange> {
  const socket = connect(socketPath);
  const received: Uint8Array[] = [];
  const done = Promise.withResolvers<boolean>();
  const frames = () => {
    const all = concatBytes(received);
    const complete: Frame[] = [];
    try {
      complete.push(...splitFrames(all));
    } catch {
      // A frame is still arriving.
    }
    return complete;
  };
  socket.on("data", (data: Uint8Array) => {
    received.push(new Uint8Array(data));
    if (options.until?.(frames())) done.resolve(false);
  });
  socket.on("error", () => {});
  socket.on("close", () => done.resolve(true));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const size = options.chunk ?? bytes.length;
  for (let offset = 0; offset < bytes.length; offset += size) {
    socket.write(bytes.subarray(offset, offset + size));
  }
  const timer = setTimeout(() => done.resolve(false), options.waitMs ?? 2_000);
  const closed = await done.promise;
  clearTimeout(timer);
  socket.destroy();
  return { frames: frames(), closed };
}
