/**
 * The provider's faces to the node: the gRPC server on its Unix socket
 * (`provider_server.ts`, `Version` and `Mount` of `v1alpha1.CSIDriverProvider`:
 * unary gRPC on `node:http2` in `grpc_unary.ts`, the messages in
 * `provider_codec.ts`) behind the HTTP/2 repairs (`h2_repair/`), each finished
 * mount's log line and gRPC status (`mount_outcome.ts`), and the HTTP endpoint
 * for `/metrics`, `/healthz` and `/readyz` (`health_server.ts`).
 *
 * `provider_proto.ts` (the service for grpc-js clients, loaded from the
 * .proto) is for tests and tools; it is not exported here, so the provider
 * never loads grpc-js or protobufjs.
 *
 * @module
 */

export * from "./health_server.ts";
export * from "./idle_collector.ts";
export * from "./listen_address.ts";
export * from "./mount_outcome.ts";
export * from "./grpc_unary.ts";
export * from "./provider_codec.ts";
export * from "./provider_server.ts";
export * from "./socket_probe.ts";
