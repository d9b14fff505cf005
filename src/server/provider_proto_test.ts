import assert from "node:assert/strict";
import type { MethodDefinition } from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { loadProviderProto } from "./provider_proto.ts";

// Field numbers of the driver's provider/v1alpha1/service.proto (the wire contract):
// VersionRequest{version=1} VersionResponse{version=1 runtime_name=2 runtime_version=3}
// MountRequest{attributes=1 secrets=2 target_path=3 permission=4 current_object_version=5}
// MountResponse{object_version=1 error=2 files=3} File{path=1 mode=2 contents=3}
// ObjectVersion{id=1 version=2} Error{code=1}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One protobuf field: its number, wire type and raw value (varint or bytes). */
type WireField = [field: number, wireType: 0 | 2, value: bigint | Uint8Array];

function readVarint(bytes: Uint8Array, at: number): [bigint, number] {
  let value = 0n;
  for (let shift = 0n;; shift += 7n) {
    const byte = bytes[at++];
    value |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return [value, at];
  }
}

/** Decodes a message into its fields, by hand (varint and length-delimited fields only). */
function wireFields(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  while (at < bytes.length) {
    const [tag, next] = readVarint(bytes, at);
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (wireType === 0) {
      const [value, end] = readVarint(bytes, next);
      fields.push([field, 0, value]);
      at = end;
    } else if (wireType === 2) {
      const [length, start] = readVarint(bytes, next);
      const end = start + Number(length);
      fields.push([field, 2, new Uint8Array(bytes.subarray(start, end))]);
      at = end;
    } else {
      throw new Error(`unexpected wire type ${wireType} of field ${field}`);
    }
  }
  return fields;
}

/** A length-delimited field, encoded by hand. */
function lengthField(field: number, value: Uint8Array | string): Uint8Array {
  const bytes = typeof value === "string" ? encoder.encode(value) : value;
  assert.ok(bytes.length < 128, "one-byte lengths only");
  return new Uint8Array([(field << 3) | 2, bytes.length, ...bytes]);
}

function text(value: bigint | Uint8Array): string {
  assert.ok(value instanceof Uint8Array);
  return decoder.decode(value);
}

function nested(value: bigint | Uint8Array): WireField[] {
  assert.ok(value instanceof Uint8Array);
  return wireFields(value);
}

function method(name: "Version" | "Mount"): MethodDefinition<unknown, unknown> {
  return loadProviderProto().service[name] as MethodDefinition<unknown, unknown>;
}

Deno.test("the service is v1alpha1.CSIDriverProvider with the unary methods Version and Mount", () => {
  const { service, Client } = loadProviderProto();
  assert.deepEqual(Object.keys(service).sort(), ["Mount", "Version"]);
  for (const name of ["Version", "Mount"] as const) {
    const definition = service[name];
    assert.equal(definition.path, `/v1alpha1.CSIDriverProvider/${name}`);
    assert.deepEqual([definition.requestStream, definition.responseStream], [false, false]);
  }
  assert.equal(Client.service, service);
});

Deno.test("a MountResponse is encoded with object_version as field 1, error as 2 and files as 3", () => {
  const bytes = method("Mount").responseSerialize({
    object_version: [{ id: "db", version: "v1" }, { id: "key", version: "3" }],
    error: { code: "E" },
    files: [{ path: "db", mode: 420, contents: Buffer.from("secret") }],
  });
  const fields = wireFields(bytes);
  assert.deepEqual(fields.map(([field, wireType]) => [field, wireType]), [
    [1, 2],
    [1, 2],
    [2, 2],
    [3, 2],
  ]);
  assert.deepEqual(nested(fields[0][2]).map(([f, w, v]) => [f, w, text(v)]), [
    [1, 2, "db"],
    [2, 2, "v1"],
  ]);
  assert.deepEqual(nested(fields[1][2]).map(([f, , v]) => [f, text(v)]), [[1, "key"], [2, "3"]]);
  assert.deepEqual(nested(fields[2][2]).map(([f, w, v]) => [f, w, text(v)]), [[1, 2, "E"]]);
  assert.deepEqual(nested(fields[3][2]), [
    [1, 2, encoder.encode("db")],
    [2, 0, 420n],
    [3, 2, encoder.encode("secret")],
  ]);
});

Deno.test("a File mode is an int32: a negative mode is sent as a ten-byte varint, as Go sends it", () => {
  const bytes = method("Mount").responseSerialize({
    object_version: [],
    files: [{ path: "f", mode: -2147483648, contents: Buffer.alloc(0) }],
  });
  const [[field, , file]] = wireFields(bytes);
  assert.equal(field, 3);
  assert.deepEqual(
    (file as Uint8Array).subarray(0, 14),
    new Uint8Array([
      ...lengthField(1, "f"),
      ...[0x10, 0x80, 0x80, 0x80, 0x80, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x01],
    ]),
  );
});

Deno.test("a MountRequest is decoded from fields 1 to 5, snake_case names kept", () => {
  const bytes = new Uint8Array([
    ...lengthField(1, '{"region":"us-east-1"}'),
    ...lengthField(2, "null"),
    ...lengthField(3, "/var/lib/kubelet/pods/uid/volumes/x/mount"),
    ...lengthField(4, "420"),
    ...lengthField(5, new Uint8Array([...lengthField(1, "db"), ...lengthField(2, "v1")])),
  ]);
  assert.deepEqual(method("Mount").requestDeserialize(Buffer.from(bytes)), {
    attributes: '{"region":"us-east-1"}',
    secrets: "null",
    target_path: "/var/lib/kubelet/pods/uid/volumes/x/mount",
    permission: "420",
    current_object_version: [{ id: "db", version: "v1" }],
  });
});

Deno.test("an empty MountRequest decodes with every field at its default", () => {
  assert.deepEqual(method("Mount").requestDeserialize(Buffer.alloc(0)), {
    attributes: "",
    secrets: "",
    target_path: "",
    permission: "",
    current_object_version: [],
  });
});

Deno.test("Version's request is field 1 and its response fields 1, 2 and 3", () => {
  assert.deepEqual(
    method("Version").requestDeserialize(Buffer.from(lengthField(1, "v1alpha1"))),
    { version: "v1alpha1" },
  );
  const bytes = method("Version").responseSerialize({
    version: "v1alpha1",
    runtime_name: "secrets-store-csi-driver-provider-aws",
    runtime_version: "0.1.0",
  });
  assert.deepEqual(wireFields(bytes).map(([field, , value]) => [field, text(value)]), [
    [1, "v1alpha1"],
    [2, "secrets-store-csi-driver-provider-aws"],
    [3, "0.1.0"],
  ]);
});
