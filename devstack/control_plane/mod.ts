/**
 * A real Kubernetes control plane and the real Secrets Store CSI driver on
 * this machine, without Docker: etcd and kube-apiserver built from the Go
 * module proxy (cached under `.cache/control_plane`), the install rendered
 * from our chart with the driver's own chart, the driver binary (v1.6.0 or
 * v1.5.6) as the node plugin, our provider with the chart's command line,
 * and a kubelet stand-in that publishes pods' CSI volumes as the kubelet
 * does. Loopback and Unix sockets only. `test/control_plane/` runs the
 * scenarios on it (`deno task control-plane`).
 *
 * @example
 * ```ts
 * import { startCluster } from "./mod.ts";
 * await using cluster = await startCluster({ release: "v1.6.0", awsEndpointUrl });
 * ```
 *
 * @module
 */

export * from "./child_process.ts";
export * from "./cluster.ts";
export * from "./components.ts";
export * from "./control_plane.ts";
export * from "./host_command.ts";
export * from "./install.ts";
export * from "./kube_client.ts";
export * from "./kubectl_stand_in.ts";
export * from "./kubelet.ts";
export * from "./mounts.ts";
export * from "./node_driver.ts";
export * from "./node_provider.ts";
export * from "./workloads.ts";
