/**
 * Repair 1 of 2: rewrites an invalid `:authority` (a socket path) into
 * `localhost`, so CSI drivers up to v1.5.x can mount.
 *
 * - **What it fixes.** Drivers up to v1.5.x dial the provider with grpc-go's
 *   passthrough resolver and a custom unix dialer, so grpc-go sends the socket
 *   path (`/var/run/secrets-store-csi-providers/aws.sock`) as `:authority`.
 *   The HTTP/2 server under grpc-js (nghttp2 in Deno's `node:http2`) checks
 *   the authority's syntax and resets every such stream with PROTOCOL_ERROR:
 *   no mount at all. We rewrite, in the client's header blocks, any
 *   `:authority` literal that is not a valid URI authority into `localhost`
 *   (what v1.6 drivers send).
 * - **Upstream.** The driver's bug is kubernetes-sigs/secrets-store-csi-driver
 *   issue 1862, fixed by its PR 1953 (`grpc.WithAuthority("localhost")`,
 *   released in v1.6.0). The server side is right to refuse (RFC 9113
 *   §8.3.1): the check is nghttp2's header validation (`check_authority` in
 *   `nghttp2_http.c`), which Node's and Deno's `node:http2` both run; other
 *   strict servers hit the same clients (grpc/grpc issue 38142, hyperium/h2
 *   PR 487). Clusters on driver v1.5.x keep needing this until they upgrade.
 * - **Checked on** Deno 2.9.6 with @grpc/grpc-js 1.14.7, against the real
 *   client code of driver v1.5.6 (grpc-go 1.56.3) in `test/driver`.
 * - **When it can go.** `authority_rewrite_test.ts`, "still needed: a server
 *   without the rewrite refuses a socket-path :authority", runs grpc-js without
 *   this repair and expects the call to fail. When that test fails, the server
 *   accepts such authorities and this file can be deleted (or, once no
 *   supported driver sends them, delete it anyway).
 *
 * HPACK keeps a dynamic table on both sides. The replacement is never longer
 * than the original value, so every table entry the server holds is at most as
 * large as the client's view of it: the server evicts no earlier than the
 * client, and every index the client sends still names the same header on the
 * server.
 *
 * Header blocks are held until they are complete (HEADERS plus CONTINUATION
 * frames), within the server's own limits: at most
 * {@linkcode MAX_CONTINUATIONS} CONTINUATION frames per block, which is what
 * nghttp2 accepts (`NGHTTP2_DEFAULT_MAX_CONTINUATIONS`, its fix for the
 * CONTINUATION flood CVE-2024-28182), so a block holds at most nine frames
 * (about 144 KiB at the default frame size). Every other frame passes
 * untouched.
 *
 * @module
 */

import { decodeHuffman } from "./hpack_huffman.ts";
import {
  DEFAULT_MAX_FRAME_SIZE,
  encodeFrame,
  FRAME_HEADER_LENGTH,
  type FrameHeader,
  type FrameRepair,
  type FrameRoute,
  FrameType,
  Http2StreamError,
} from "./frame_reader.ts";

const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** Static table index of `:authority`. */
const AUTHORITY_INDEX = 1;
const AUTHORITY = ":authority";

/**
 * CONTINUATION frames one header block may have: nghttp2's default (since
 * 1.61.0), which the server under us enforces (`authority_rewrite_test.ts`
 * checks that a ninth one ends the connection there too).
 */
export const MAX_CONTINUATIONS = 8;

const VALID_AUTHORITY = /^[A-Za-z0-9\-._~%!$&'()*+,;=:@[\]]*$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Options of {@linkcode authorityRewrite}. */
export interface AuthorityRewriteOptions {
  /** The server's SETTINGS_MAX_FRAME_SIZE (default 16384): the size of frames we re-encode. */
  maxFrameSize?: number;
}

/** The `:authority` repair, with a count of the header blocks it changed. */
export interface AuthorityRewrite extends FrameRepair {
  /** How many header blocks were changed (for tests and logs). */
  readonly rewrites: number;
}

/** A header block waiting for its CONTINUATION frames. */
interface OpenBlock {
  head: HeadersFrameHead;
  frames: Uint8Array[];
  fragments: Uint8Array[];
  /** Frame bytes held (headers included). */
  bytes: number;
  continuations: number;
}

/**
 * The `:authority` repair for {@linkcode ClientFrameReader}: collects HEADERS
 * and CONTINUATION frames, forwards each block as sent, or re-encoded when an
 * `:authority` in it had to change.
 */
export function authorityRewrite(options: AuthorityRewriteOptions = {}): AuthorityRewrite {
  const maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  let open: OpenBlock | undefined;
  let rewrites = 0;
  const finish = (block: OpenBlock): Uint8Array[] => {
    open = undefined;
    const rewritten = rewriteAuthority(concat(block.fragments));
    if (rewritten === undefined) return block.frames;
    rewrites++;
    return encodeHeadersFrames(block.head, rewritten, maxFrameSize);
  };
  return {
    get rewrites() {
      return rewrites;
    },
    get heldBytes() {
      return open?.bytes ?? 0;
    },
    route(header: FrameHeader): FrameRoute {
      if (open !== undefined) {
        // RFC 9113 §6.10: nothing may come between the frames of a header block.
        if (header.type !== FrameType.CONTINUATION || header.streamId !== open.head.streamId) {
          throw new Http2StreamError("expected CONTINUATION frame");
        }
        if (open.continuations === MAX_CONTINUATIONS) {
          throw new Http2StreamError(
            `header block has more than ${MAX_CONTINUATIONS} CONTINUATION frames`,
          );
        }
        return "collect";
      }
      return header.type === FrameType.HEADERS ? "collect" : "pass";
    },
    collected(frame: Uint8Array, header: FrameHeader): Uint8Array[] {
      if (open !== undefined) {
        open.frames.push(frame);
        open.fragments.push(frame.subarray(FRAME_HEADER_LENGTH));
        open.bytes += frame.length;
        open.continuations++;
        return (header.flags & FLAG_END_HEADERS) === 0 ? [] : finish(open);
      }
      const head = parseHeadersFrame(frame, header);
      const block: OpenBlock = {
        head,
        frames: [frame],
        fragments: [head.fragment],
        bytes: frame.length,
        continuations: 0,
      };
      if ((header.flags & FLAG_END_HEADERS) === 0) {
        open = block;
        return [];
      }
      return finish(block);
    },
  };
}

interface HeadersFrameHead {
  streamId: number;
  endStream: boolean;
  priority: Uint8Array | undefined;
  fragment: Uint8Array;
}

function parseHeadersFrame(frame: Uint8Array, header: FrameHeader): HeadersFrameHead {
  let payload = frame.subarray(FRAME_HEADER_LENGTH);
  if (header.flags & FLAG_PADDED) {
    const padding = payload[0];
    if (padding >= payload.length) throw new Http2StreamError("bad HEADERS padding");
    payload = payload.subarray(1, payload.length - padding);
  }
  let priority: Uint8Array | undefined;
  if (header.flags & FLAG_PRIORITY) {
    if (payload.length < 5) throw new Http2StreamError("bad HEADERS priority");
    priority = payload.subarray(0, 5);
    payload = payload.subarray(5);
  }
  return {
    streamId: header.streamId,
    endStream: (header.flags & FLAG_END_STREAM) !== 0,
    priority,
    fragment: payload,
  };
}

/**
 * One HEADERS frame (plus CONTINUATIONs if needed) carrying `block`. The
 * block is never longer than the one received, so this never needs more
 * frames than the client sent.
 */
function encodeHeadersFrames(
  head: HeadersFrameHead,
  block: Uint8Array,
  maxFrameSize: number,
): Uint8Array[] {
  const first = concat([head.priority ?? new Uint8Array(0), block]);
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset === 0 || offset < first.length; offset += maxFrameSize) {
    const payload = first.subarray(offset, offset + maxFrameSize);
    const last = offset + maxFrameSize >= first.length;
    let flags = last ? FLAG_END_HEADERS : 0;
    let type: number = FrameType.CONTINUATION;
    if (offset === 0) {
      type = FrameType.HEADERS;
      if (head.endStream) flags |= FLAG_END_STREAM;
      if (head.priority !== undefined) flags |= FLAG_PRIORITY;
    }
    frames.push(encodeFrame({ type, flags, streamId: head.streamId }, payload));
  }
  return frames;
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
      isAuthority = name.could(AUTHORITY) && decoder.decode(name.bytes()) === AUTHORITY;
    }
    const valueStart = position;
    const value = readString(block, position);
    position = value.next;
    // Only an :authority value is ever decoded: the work per block stays a
    // scan of its bytes, whatever the client puts in its other headers.
    if (!isAuthority) continue;
    const bytes = value.bytes();
    if (VALID_AUTHORITY.test(decoder.decode(bytes))) continue;
    parts.push(block.subarray(copiedUpTo, valueStart));
    parts.push(encodeRawString(replacementAuthority(bytes.length)));
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

/** A string literal of a header block, decoded only on demand. */
interface HpackString {
  /** Position after the string. */
  next: number;
  /** Whether the string can decode to ASCII `text` (a cheap check on its length). */
  could(text: string): boolean;
  /** The decoded octets. */
  bytes(): Uint8Array;
}

function readString(block: Uint8Array, position: number): HpackString {
  const huffman = (block[position] & 0x80) !== 0;
  const { value: length, next } = readInteger(block, position, 7);
  const end = next + length;
  if (end > block.length) throw new Http2StreamError("truncated HPACK string");
  const raw = block.subarray(next, end);
  return {
    next: end,
    // Huffman codes are 5 to 30 bits long, plus under a byte of padding.
    could: (text) =>
      huffman
        ? length * 8 >= text.length * 5 && length * 8 < text.length * 30 + 8
        : length === text.length,
    bytes() {
      const bytes = huffman ? decodeHuffman(raw) : raw;
      if (bytes === undefined) throw new Http2StreamError("bad HPACK Huffman string");
      return bytes;
    },
  };
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
