/**
 * What plays the CSI driver in the sequential scenarios: the dev stack's
 * grpc-js client (in the bench's own process), or the driver's own Go client
 * code (`e2e/driver_harness`: `secretsstore.MountContent` of driver v1.6.0 on
 * one gRPC connection, as in production). The Go client times each call
 * itself, so the pipe to the harness and its listing of the files afterwards
 * are not counted.
 *
 * @module
 */

import {
  DEFAULT_POD,
  type DriverClient,
  type DriverHarness,
  type MountCall,
  type MountOutcome,
  TEST_TOKENS,
  tokensJson,
} from "../devstack/mod.ts";

/** A client that mounts, and how long each call took by its own clock when it knows. */
export interface BenchClient {
  /** What it is, for the report. */
  readonly name: string;
  /** One Mount RPC. */
  mount(call: MountCall): Promise<{ outcome: MountOutcome; durationMs?: number }>;
}

/** The dev stack's grpc-js client (timed from outside by the caller). */
export function grpcJsClient(driver: DriverClient): BenchClient {
  return {
    name: "grpc-js (the dev stack's client, in the bench process)",
    mount: async (call) => ({ outcome: await driver.mount(call) }),
  };
}

/** The CSI driver's own Go client through the harness; the call is timed by the harness. */
export function goDriverClient(harness: DriverHarness): BenchClient {
  return {
    name: `the CSI driver ${harness.driverVersion}'s own Go client (e2e/driver_harness)`,
    mount: async (call) => {
      const pod = call.pod ?? DEFAULT_POD;
      const tokens = call.tokens === undefined ? TEST_TOKENS : call.tokens;
      const result = await harness.mount({
        parameters: call.parameters,
        pod: {
          name: pod.name,
          namespace: pod.namespace,
          uid: pod.uid,
          serviceAccountName: pod.serviceAccount,
        },
        tokens: tokens === null
          ? null
          : typeof tokens === "string"
          ? tokens
          : tokensJson(tokens, "2030-01-01T00:00:00Z"),
        targetPath: call.targetPath,
        secretProviderClass: "test-spc",
        ...(call.permission === undefined ? {} : { permission: call.permission }),
        ...(call.secrets === undefined ? {} : { secrets: call.secrets }),
        ...(call.currentObjectVersion === undefined ? {} : {
          oldObjectVersions: Object.fromEntries(
            call.currentObjectVersion.map(({ id, version }) => [id, version]),
          ),
        }),
        ...(call.timeoutMs === undefined ? {} : { timeoutMs: call.timeoutMs }),
      });
      const outcome: MountOutcome = result.ok
        ? { ok: true, versions: result.objectVersions, files: [] }
        : { ok: false, code: -1, message: result.grpcMessage ?? result.error };
      return { outcome, durationMs: result.durationMs };
    },
  };
}
