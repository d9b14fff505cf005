/**
 * What the feature suites (objectEncoding, selectors, role chaining) share:
 * one stack with a provider in each write mode, a mount whose files are read
 * the same way in both (from the pod's volume, or from the answer), the
 * failover suite's fault cases, and SDK clients for what the seeder does not
 * do (tags, deletions, a second account).
 *
 * @module
 */

import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import {
  type Fault,
  type MountCall,
  readMount,
  type Stack,
  startStack,
  testClientConfig,
  type TestProvider,
} from "../../devstack/mod.ts";

/** The two write modes. */
export type WriteMode = "provider writes" | "driver writes";

/** Both modes, in the order the suites run them. */
export const WRITE_MODES: readonly WriteMode[] = ["provider writes", "driver writes"];

/** A file of a mount, read from the pod's volume or from the driver's answer. */
export interface FileSeen {
  /** Contents. */
  bytes: Uint8Array;
  /** Contents as UTF-8. */
  text: string;
  /** Permission bits. */
  mode: number;
}

/** A mount's outcome with its files, the same shape in both modes. */
export type Mounted =
  | { ok: true; versions: Record<string, string>; files: Record<string, FileSeen> }
  | { ok: false; message: string; files: Record<string, FileSeen> };

/** Faults of the primary region that let the failover region answer (the failover suite's). */
export const FAILOVER_FAULTS: readonly [string, Fault][] = [
  ["server errors (500)", { kind: "status", status: 500, message: "Internal failure" }],
  ["throttling", { kind: "throttle" }],
  ["connection resets", { kind: "reset" }],
  ["access denied (an unmodeled 4xx)", { kind: "accessDenied" }],
];

/** A stack with one provider per write mode. */
export interface TwoModes extends AsyncDisposable {
  /** The stack (moto in two regions behind the fault proxy, the Kubernetes API). */
  stack: Stack;
  /** The provider of each mode. */
  providers: Record<WriteMode, TestProvider>;
  /**
   * Mounts `parameters` with the provider of `mode` (into `targetPath`, a
   * new volume by default) and reads its files.
   */
  mount(
    mode: WriteMode,
    parameters: Record<string, string>,
    options?: Partial<Omit<MountCall, "parameters">>,
  ): Promise<Mounted>;
}

/**
 * Starts the stack with a provider in each write mode (`args` and `env`
 * given to both; `podIdentity` starts the agent stand-ins for both).
 */
export async function startTwoModes(
  options: { args?: string[]; env?: Record<string, string>; podIdentity?: boolean } = {},
): Promise<TwoModes> {
  const stack = await startStack({
    provider: { args: options.args, env: options.env },
    podIdentity: options.podIdentity,
  });
  try {
    const driverWrites = await stack.startProvider({
      driverWritesSecrets: true,
      args: options.args,
      env: options.env,
    });
    const providers: Record<WriteMode, TestProvider> = {
      "provider writes": stack.provider,
      "driver writes": driverWrites,
    };
    return {
      stack,
      providers,
      async mount(mode, parameters, call = {}) {
        const provider = providers[mode];
        const targetPath = call.targetPath ?? await provider.newTargetPath();
        const outcome = await provider.driver.mount({ ...call, targetPath, parameters });
        const files: Record<string, FileSeen> = mode === "provider writes"
          ? await readMount(targetPath)
          : Object.fromEntries(
            (outcome.ok ? outcome.files : []).map((file) => [file.path, {
              bytes: file.contents,
              text: new TextDecoder().decode(file.contents),
              mode: file.mode,
            }]),
          );
        return outcome.ok
          ? { ok: true, versions: outcome.versions, files }
          : { ok: false, message: outcome.message, files };
      },
      [Symbol.asyncDispose]: () => stack.stop(),
    };
  } catch (error) {
    await stack.stop().catch(() => {});
    throw error;
  }
}

/** Each file's text, by path. */
export function texts(files: Record<string, FileSeen>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, file]) => [path, file.text]));
}

/** SDK clients of one region of the stack's moto, signed as `credentials` (default: the seeder's). */
export function awsClients(
  stack: Stack,
  region: string,
  credentials?: { accessKeyId: string; secretAccessKey: string },
): { secretsManager: SecretsManagerClient; ssm: SSMClient } & Disposable {
  const config = testClientConfig(stack.moto.url, region, credentials ? { credentials } : {});
  const secretsManager = new SecretsManagerClient(config);
  const ssm = new SSMClient(config);
  return {
    secretsManager,
    ssm,
    [Symbol.dispose]() {
      secretsManager.destroy();
      ssm.destroy();
    },
  };
}
