/**
 * The driver's four protobuf messages (`proto/v1alpha1/service.proto`) in
 * and out of their wire form, written out by hand: a protobuf runtime and a
 * .proto parser at start-up cost more memory and start-up time than the whole
 * rest of the server, for four flat messages. `provider_codec_test.ts` checks
 * every message against protobufjs reading the .proto itself.
 *
 * Requests are hostile input: a truncated or malformed message, a length
 * past the end, a field number 0 or a group is a {@linkcode ProtobufError};
 * unknown fields are skipped as protobuf requires; for a field that repeats,
 * the last value wins (strings) or each is kept (the repeated message).
 * Responses are written as Go's protobuf writes proto3: fields holding their
 * default value are left out.
 *
 * @module
 */

/** `MountRequest`: what the driver asks to mount. */
export interface MountRequestMessage {
  /** JSON of the volume attributes (the SecretProviderClass parameters and the pod's facts). */
  attributes: string;
  /** JSON of the node-publish secrets. */
  secrets: string;
  /** Where the files go. */
  target_path: string;
  /** The default file mode, as JSON (`"420"`). */
  permission: string;
  /** Versions of the objects mounted now. */
  current_object_version: ObjectVersionMessage[];
}

/** `ObjectVersion`. */
export interface ObjectVersionMessage {
  /** Object id. */
  id: string;
  /** Its version. */
  version: string;
}

/** `File`: one file for the driver to write. */
export interface FileMessage {
  /** Relative path. */
  path: string;
  /** Mode, an int32 on the wire. */
  mode: number;
  /** Contents. */
  contents: Uint8Array;
}

/** `MountResponse` (its `error` field is never set: failures are gRPC statuses). */
export interface MountResponseMessage {
  /** Versions of the objects mounted. */
  object_version: ObjectVersionMessage[];
  /** The files (empty when the provider wrote them itself). */
  files: FileMessage[];
}

/** `VersionResponse`. */
export interface VersionResponseMessage {
  /** The protocol version, `v1alpha1`. */
  version: string;
  /** The provider's name. */
  runtime_name: string;
  /** The provider's version. */
  runtime_version: string;
}

/** A message that does not follow protobuf's wire format. */
export class ProtobufError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ProtobufError";
  }
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Reads fields from `bytes[start, end)`. */
class Reader {
  #bytes: Uint8Array;
  #pos: number;
  #end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#bytes = bytes;
    this.#pos = start;
    this.#end = end;
  }

  get done(): boolean {
    return this.#pos >= this.#end;
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wireType: number } {
    const tag = this.#varint32();
    const field = tag >>> 3;
    if (field === 0) throw new ProtobufError("invalid field number 0");
    return { field, wireType: tag & 7 };
  }

  /** A length-delimited field's bounds. */
  delimited(wireType: number): { start: number; end: number } {
    if (wireType !== LENGTH_DELIMITED) throw new ProtobufError(`wrong wire type ${wireType}`);
    const length = this.#varint32();
    const start = this.#pos;
    if (length > this.#end - start) throw new ProtobufError("a length goes past the end");
    this.#pos = start + length;
    return { start, end: this.#pos };
  }

  string(wireType: number): string {
    const { start, end } = this.delimited(wireType);
    return decoder.decode(this.#bytes.subarray(start, end));
  }

  /** Skips a field of a wire type this message does not expect. */
  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        for (let i = 0;; i++) {
          if (i === 10) throw new ProtobufError("a varint is longer than 10 bytes");
          if ((this.#byte() & 0x80) === 0) return;
        }
      case FIXED64:
        this.#advance(8);
        return;
      case LENGTH_DELIMITED:
        this.delimited(wireType);
        return;
      case FIXED32:
        this.#advance(4);
        return;
      default:
        throw new ProtobufError(`unsupported wire type ${wireType}`);
    }
  }

  /** A varint that must fit 32 bits (tags and lengths: messages are at most a few MiB). */
  #varint32(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.#byte();
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (value > 0xffffffff) throw new ProtobufError("a varint is larger than 32 bits");
        return value;
      }
    }
    throw new ProtobufError("a varint is larger than 32 bits");
  }

  #byte(): number {
    if (this.#pos >= this.#end) throw new ProtobufError("the message is truncated");
    return this.#bytes[this.#pos++];
  }

  #advance(count: number): void {
    if (count > this.#end - this.#pos) throw new ProtobufError("the message is truncated");
    this.#pos += count;
  }

  /** A reader of the embedded message at `bounds`. */
  embedded(bounds: { start: number; end: number }): Reader {
    return new Reader(this.#bytes, bounds.start, bounds.end);
  }
}

/**
 * Decodes a `MountRequest`; absent fields have their default value.
 *
 * @throws {ProtobufError} when the bytes are not a valid message.
 */
export function decodeMountRequest(bytes: Uint8Array): MountRequestMessage {
  const message: MountRequestMessage = {
    attributes: "",
    secrets: "",
    target_path: "",
    permission: "",
    current_object_version: [],
  };
  const reader = new Reader(bytes);
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1:
        message.attributes = reader.string(wireType);
        break;
      case 2:
        message.secrets = reader.string(wireType);
        break;
      case 3:
        message.target_path = reader.string(wireType);
        break;
      case 4:
        message.permission = reader.string(wireType);
        break;
      case 5:
        message.current_object_version.push(
          decodeObjectVersion(reader.embedded(reader.delimited(wireType))),
        );
        break;
      default:
        reader.skip(wireType);
    }
  }
  return message;
}

function decodeObjectVersion(reader: Reader): ObjectVersionMessage {
  const version: ObjectVersionMessage = { id: "", version: "" };
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    if (field === 1) version.id = reader.string(wireType);
    else if (field === 2) version.version = reader.string(wireType);
    else reader.skip(wireType);
  }
  return version;
}

/**
 * Checks a `VersionRequest` (its one field, the driver's protocol version, is
 * not used).
 *
 * @throws {ProtobufError} when the bytes are not a valid message.
 */
export function decodeVersionRequest(bytes: Uint8Array): Record<never, never> {
  const reader = new Reader(bytes);
  while (!reader.done) reader.skip(reader.tag().wireType);
  return {};
}

/** Builds a message from its fields: sizes first, then one buffer. */
class Writer {
  #parts: (Uint8Array | number)[] = [];
  length = 0;

  /** A length-delimited field holding `bytes` (left out when empty). */
  bytes(field: number, bytes: Uint8Array): this {
    if (bytes.length === 0) return this;
    this.#tag(field, LENGTH_DELIMITED).#varint(bytes.length);
    this.#parts.push(bytes);
    this.length += bytes.length;
    return this;
  }

  string(field: number, value: string): this {
    return value === "" ? this : this.bytes(field, encoder.encode(value));
  }

  /** An embedded message, written even when empty (it is an element of a repeated field). */
  message(field: number, message: Writer): this {
    this.#tag(field, LENGTH_DELIMITED).#varint(message.length);
    this.#parts.push(...message.#parts);
    this.length += message.length;
    return this;
  }

  /** An int32 field: a negative value takes ten bytes, sign-extended to 64 bits (protobuf's rule). */
  int32(field: number, value: number): this {
    if (value === 0) return this;
    this.#tag(field, VARINT);
    if (value >= 0) return this.#varint(value);
    // Two's complement in 64 bits: the low 32 bits, then all ones.
    let low = value >>> 0;
    for (let i = 0; i < 4; i++) {
      this.#parts.push((low & 0x7f) | 0x80);
      low >>>= 7;
    }
    this.#parts.push((low & 0x0f) | 0x70 | 0x80, 0xff, 0xff, 0xff, 0xff, 0x01);
    this.length += 10;
    return this;
  }

  #tag(field: number, wireType: number): this {
    return this.#varint(field * 8 + wireType);
  }

  #varint(value: number): this {
    while (value > 0x7f) {
      this.#parts.push((value & 0x7f) | 0x80);
      value = Math.floor(value / 128);
      this.length++;
    }
    this.#parts.push(value);
    this.length++;
    return this;
  }

  /** The message, after `prefix` bytes left for the caller (gRPC's 5-byte frame header). */
  finish(prefix = 0): Uint8Array {
    const out = new Uint8Array(prefix + this.length);
    let offset = prefix;
    for (const part of this.#parts) {
      if (typeof part === "number") {
        out[offset++] = part;
      } else {
        out.set(part, offset);
        offset += part.length;
      }
    }
    return out;
  }
}

function objectVersion(version: ObjectVersionMessage): Writer {
  return new Writer().string(1, version.id).string(2, version.version);
}

/**
 * Encodes a `MountResponse`, leaving `prefix` zero bytes in front for the
 * gRPC frame header.
 */
export function encodeMountResponse(response: MountResponseMessage, prefix = 0): Uint8Array {
  const writer = new Writer();
  for (const version of response.object_version) writer.message(1, objectVersion(version));
  for (const file of response.files) {
    writer.message(
      3,
      new Writer().string(1, file.path).int32(2, file.mode | 0).bytes(3, file.contents),
    );
  }
  return writer.finish(prefix);
}

/** Encodes a `VersionResponse`, leaving `prefix` zero bytes in front for the gRPC frame header. */
export function encodeVersionResponse(response: VersionResponseMessage, prefix = 0): Uint8Array {
  return new Writer()
    .string(1, response.version)
    .string(2, response.runtime_name)
    .string(3, response.runtime_version)
    .finish(prefix);
}
