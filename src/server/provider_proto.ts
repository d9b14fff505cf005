/**
 * The driver's `v1alpha1.CSIDriverProvider` service definition, loaded from
 * `proto/v1alpha1/service.proto` by grpc-js and protobufjs: for gRPC clients
 * (the tests, the dev stack's driver client, the demo) and as the reference
 * `provider_codec_test.ts` checks our own codec against. The provider itself
 * does not load it (it is not exported from `mod.ts`).
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** Path of the service's .proto file, next to `src/`. */
export const PROTO_PATH = new URL("../../proto/v1alpha1/service.proto", import.meta.url).pathname;

/** A `MountRequest` as grpc-js decodes it (snake_case fields, defaults filled). */
export interface MountRequestMessage {
  attributes: string;
  secrets: string;
  target_path: string;
  permission: string;
  current_object_version: { id: string; version: string }[];
}

/** A `MountResponse` to encode. */
export interface MountResponseMessage {
  object_version: { id: string; version: string }[];
  files: { path: string; mode: number; contents: Uint8Array }[];
}

/** The service definition and a client constructor for tests. */
export interface ProviderProto {
  /** Service definition for `server.addService`. */
  service: grpc.ServiceDefinition;
  /** Client class (for tests and the demo). */
  Client: grpc.ServiceClientConstructor;
}

/** Loads the service definition (synchronously). */
export function loadProviderProto(): ProviderProto {
  const definition = protoLoader.loadSync(PROTO_PATH, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    v1alpha1: { CSIDriverProvider: grpc.ServiceClientConstructor };
  };
  const Client = loaded.v1alpha1.CSIDriverProvider;
  return { service: Client.service, Client };
}
