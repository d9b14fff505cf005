/**
 * The dev stack: everything the provider runs against outside a cluster,
 * real processes and servers on loopback and Unix sockets only. The
 * integration, driver, hostile, fuzz and soak suites, the demo
 * (`e2e/local/`), the benchmark (`bench/`) and the control-plane suite start
 * it with one fixture, {@linkcode startStack}.
 *
 * | piece                         | module                  | what it is                                                                                 |
 * | ----------------------------- | ----------------------- | ------------------------------------------------------------------------------------------ |
 * | the fixture                   | `stack.ts`              | `startStack(options)`: all of the below, running, disposable; the test pod and its role    |
 * | the AWS emulator              | `moto_server.ts`        | moto pinned in `requirements.txt`, patched by `moto_launch.py`, installed into `.venv`     |
 * | the seeder                    | `aws_seed.ts`           | writes secrets and parameters with the real SDK, remembers every value for the leak proof |
 * | one fault API                 | `faults.ts`             | the `Fault` type and `setFault` / `clearFaults` / `calls` / `countBy` of every stand-in     |
 * | the AWS fault proxy           | `fault_proxy.ts`        | between the provider and moto: routes by region, records calls, injects faults            |
 * | the Kubernetes API stand-in   | `kube_api_server.ts`    | service accounts, pods and nodes as kube-apiserver serves them (HTTP or HTTPS, `tls_cert.ts`) |
 * | the Pod Identity agent        | `pod_identity_agent.ts` | the EKS Pod Identity agent's credentials endpoint on 127.0.0.1 or ::1                      |
 * | the provider process          | `provider_process.ts`   | `deno run` with the production permission flags, test directories and endpoints           |
 * | the driver client             | `driver_client.ts`      | gRPC over the provider's socket, attributes as driver v1.6 builds them                     |
 * | the driver harness            | `driver_harness.ts`     | the CSI driver's own Go client code (`e2e/driver_harness/`, v1.6.0 and v1.5.6)             |
 * | the leak proof                | `leak_check.ts`         | no seeded value or token in a log line or an error                                         |
 * | reading a mount               | `read_mount.ts`         | the files, modes and contents a mount left                                                 |
 * | pod volumes                   | `pod_volumes.ts`        | a tmpfs for the stand-in kubelet pods directories, as the driver mounts one per volume     |
 * | temporary directories         | `temp_dir.ts`           | `await using dir = await tempDir(prefix)`: removed with its contents at the scope's end    |
 *
 * Beside it, with their own `mod.ts`: `control_plane/` (a real etcd,
 * kube-apiserver, kubelet stand-in and CSI driver for `deno task
 * control-plane`) and `go_oracle/` (Go programs that answer what Go's YAML
 * and JMESPath libraries do). In-process fakes for unit tests are not part
 * of the stack: they live in `test/fakes/`.
 *
 * @example
 * ```ts
 * import { PRIMARY_REGION, readMount, startStack } from "../devstack/mod.ts";
 *
 * await using stack = await startStack();
 * await stack.seeder.createSecret(PRIMARY_REGION, "app/db", "pw");
 * stack.proxy.setFault({ region: PRIMARY_REGION }, { kind: "throttle", times: 1 });
 * const targetPath = await stack.provider.newTargetPath();
 * await stack.provider.driver.mount({
 *   targetPath,
 *   parameters: { region: PRIMARY_REGION, objects: "- {objectName: app/db, objectType: secretsmanager}" },
 * });
 * await readMount(targetPath); // { "app_db": { mode: 0o644, text: "pw", ... } }
 * ```
 *
 * @module
 */

export * from "./stack.ts";
export * from "./moto_server.ts";
export * from "./aws_seed.ts";
export * from "./faults.ts";
export * from "./fault_proxy.ts";
export * from "./kube_api_server.ts";
export * from "./tls_cert.ts";
export * from "./pod_identity_agent.ts";
export * from "./provider_process.ts";
export * from "./driver_client.ts";
export * from "./driver_harness.ts";
export * from "./leak_check.ts";
export * from "./read_mount.ts";
export * from "./pod_volumes.ts";
export * from "./temp_dir.ts";
export { freePort } from "./_process.ts";
