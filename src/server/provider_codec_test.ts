import assert from "node:assert/strict";
import type { MethodDefinition } from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import * as fc from "fast-check";
import {
  decodeMountRequest,
  decodeVersionRequest,
  encodeMountResponse,
  encodeVersionResponse,
  type MountRequestMessage,
  type MountResponseMessage,
  ProtobufError,
} from "./provider_codec.ts";
import { loadProviderProto } from "./provider_proto.ts";

// The reference: protobufjs reading proto/v1alpha1/service.proto, as grpc-js
// clients (and the driver's grpc-go, which shares the wire format) see it.
const service = loadProviderProto().service;
const mount = service.Mount as MethodDefinition<unknown, unknown>;
const version = service.Version as MethodDefinition<unknown, unknown>;

/** What protobufjs makes of our bytes (defaults filled in, as the driver's client sees them). */
function asProtobufjsReads(bytes: Uint8Array): unknown {
  return mount.responseDeserialize(Buffer.from(bytes));
}

const text = fc.string({ unit: "grapheme", maxLength: 40 });
const plain = { noNullPrototype: true };
const objectVersion = fc.record({ id: text, version: text }, plain);
const mountRequest: fc.Arbitrary<MountRequestMessage> = fc.record({
  attributes: text,
  secrets: text,
  target_path: text,
  permission: text,
  current_object_version: fc.array(objectVersion, { maxLength: 5 }),
}, plain);
const mountResponse: fc.Arbitrary<MountResponseMessage> = fc.record({
  object_version: fc.array(objectVersion, { maxLength: 5 }),
  files: fc.array(
    fc.record({
      path: text,
      mode: fc.oneof(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.constantFrom(0, 0o644, -1, 2 ** 31 - 1, -(2 ** 31)),
      ),
      contents: fc.uint8Array({ maxLength: 300 }),
    }, plain),
    { maxLength: 5 },
  ),
}, plain);

Deno.test("a MountRequest protobufjs writes is read back field for field", () => {
  fc.assert(fc.property(mountRequest, (request) => {
    const bytes = mount.requestSerialize(request) as Uint8Array;
    assert.deepEqual(decodeMountRequest(new Uint8Array(bytes)), request);
  }));
});

Deno.test("a MountResponse we write is what protobufjs reads", () => {
  fc.assert(fc.property(mountResponse, (response) => {
    const read = asProtobufjsReads(encodeMountResponse(response)) as MountResponseMessage & {
      files: { contents: Buffer }[];
    };
    assert.deepEqual(read.object_version, response.object_version);
    assert.deepEqual(
      read.files.map((file) => ({ ...file, contents: new Uint8Array(file.contents) })),
      response.files,
    );
  }));
});

Deno.test("file modes are int32 on the wire: values above 2^31 wrap as Go's int32(mode)", () => {
  const files = [0o644, 2 ** 31 + 0o644, 2 ** 32 - 1, 2 ** 31].map((mode) => ({
    path: "f",
    mode,
    contents: new Uint8Array(),
  }));
  const read = asProtobufjsReads(encodeMountResponse({ object_version: [], files })) as {
    files: { mode: number }[];
  };
  assert.deepEqual(read.files.map((file) => file.mode), [420, -2147483228, -1, -2147483648]);
});

Deno.test("defaults are left out, as Go writes proto3; an empty response is empty", () => {
  assert.deepEqual(encodeMountResponse({ object_version: [], files: [] }), new Uint8Array());
  assert.deepEqual(
    encodeMountResponse({
      object_version: [{ id: "", version: "" }],
      files: [{ path: "", mode: 0, contents: new Uint8Array() }],
    }),
    new Uint8Array([0x0a, 0, 0x1a, 0]),
  );
});

Deno.test("the prefix leaves zero bytes in front for the gRPC frame header", () => {
  const body = encodeVersionResponse({
    version: "v1alpha1",
    runtime_name: "a",
    runtime_version: "1",
  });
  const framed = encodeVersionResponse(
    { version: "v1alpha1", runtime_name: "a", runtime_version: "1" },
    5,
  );
  assert.deepEqual(framed.subarray(0, 5), new Uint8Array(5));
  assert.deepEqual(framed.subarray(5), body);
  assert.deepEqual(version.responseDeserialize(Buffer.from(body)), {
    version: "v1alpha1",
    runtime_name: "a",
    runtime_version: "1",
  });
});

Deno.test("a VersionRequest is accepted whatever its version field says", () => {
  for (const request of [{ version: "v1alpha1" }, { version: "" }, { version: "v9" }]) {
    assert.deepEqual(
      decodeVersionRequest(new Uint8Array(version.requestSerialize(request) as Uint8Array)),
      {},
    );
  }
});

Deno.test("unknown fields of every wire type are skipped; a repeated string field keeps its last value", () => {
  const bytes = new Uint8Array([
    ...[0x0a, 1, 0x61], // attributes "a"
    ...[0x30, 0x96, 0x01], // field 6, varint 150
    ...[0x39, 1, 2, 3, 4, 5, 6, 7, 8], // field 7, fixed64
    ...[0x45, 1, 2, 3, 4], // field 8, fixed32
    ...[0x4a, 2, 0x08, 0x01], // field 9, length-delimited
    ...[0x0a, 1, 0x62], // attributes "b"
    ...[0x2a, 5, 0x0a, 1, 0x78, 0x18, 1], // an ObjectVersion with id "x" and an unknown field 3
  ]);
  assert.deepEqual(decodeMountRequest(bytes), {
    attributes: "b",
    secrets: "",
    target_path: "",
    permission: "",
    current_object_version: [{ id: "x", version: "" }],
  });
});

Deno.test("malformed requests are a ProtobufError naming what is wrong", () => {
  const cases: [number[], RegExp][] = [
    [[0x0a, 5, 0x61], /past the end/],
    [[0x0a], /truncated/],
    [[0x00, 1], /field number 0/],
    [[0x33], /unsupported wire type 3/],
    [[0x08, 1], /wrong wire type 0/],
    [[0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], /10 bytes/],
    [[0x0a, 0xff, 0xff, 0xff, 0xff, 0x7f], /larger than 32 bits/],
    [[0x2a, 2, 0x0a, 5], /past the end/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => decodeMountRequest(new Uint8Array(bytes)), (error: unknown) => {
      assert.ok(error instanceof ProtobufError, String(error));
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("any bytes either decode or fail with a ProtobufError, never anything else", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        decodeMountRequest(bytes);
        decodeVersionRequest(bytes);
      } catch (error) {
        assert.ok(error instanceof ProtobufError, String(error));
      }
    }),
    { numRuns: 5_000 },
  );
});
