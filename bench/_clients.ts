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
  harnessPod,
  type MountCall,
  type MountOutcome,
  TEST_SECRET_PROVIDER_CLASS,
  tokensAttribute,
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
      const result = await harness.mount({
        parameters: call.parameters,
        pod: harnessPod(call.pod ?? DEFAULT_POD),
        tokens: tokensAttribute(call.tokens),
        targetPath: call.targetPath,
        secretProviderClass: TEST_SECRET_PROVIDER_CLASS,
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
