/**
 * The provider's faces to the node: the gRPC server on its Unix socket
 * (`provider_server.ts`, `Version` and `Mount` of `v1alpha1.CSIDriverProvider`)
 * behind the HTTP/2 repairs (`h2_repair/`), each finished mount's log line and
 * gRPC status (`mount_outcome.ts`), and the HTTP endpoint for `/metrics`,
 * `/healthz` and `/readyz` (`health_server.ts`).
 *
 * @module
 */

export * from "./health_server.ts";
export * from "./idle_collector.ts";
export * from "./listen_address.ts";
export * from "./mount_outcome.ts";
export * from "./provider_proto.ts";
export * from "./provider_server.ts";
export * from "./socket_probe.ts";
