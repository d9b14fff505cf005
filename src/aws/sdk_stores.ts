/**
 * The AWS SDK behind {@linkcode SecretsManagerApi} and {@linkcode SsmApi},
 * with one client per service and region, shared by every identity.
 *
 * Clients read the standard settings from the environment:
 * `AWS_ENDPOINT_URL(_SECRETS_MANAGER|_SSM)`, `AWS_USE_FIPS_ENDPOINT`,
 * `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`. All clients share one HTTP handler,
 * so keep-alive connections are reused across mounts and identities.
 *
 * @module
 */

import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { LruMap } from "../cache/mod.ts";
import { callerCredentials, type CredentialSource, sendAs } from "./credentials.ts";
import { type AwsCallObserver, observeAwsCalls } from "./call_observer.ts";
import { awsHttpHandler } from "./http_handler.ts";
import {
  type AwsFailure,
  AwsFailureError,
  describeAwsError,
  localFailure,
  SECRETS_MANAGER_FATAL,
  SECRETS_MANAGER_FILTER_FATAL,
  SSM_FATAL,
  SSM_PATH_FATAL,
} from "./aws_failure.ts";
import type { ParameterValue, SecretsManagerApi, SecretValue, SsmApi } from "./store_apis.ts";

const encoder = new TextEncoder();

/** The two SDK packages, loaded on the first AWS call (they are large). */
interface SdkModules {
  secretsManager: typeof import("@aws-sdk/client-secrets-manager");
  ssm: typeof import("@aws-sdk/client-ssm");
}

let sdkModules: Promise<SdkModules> | undefined;

function loadSdk(): Promise<SdkModules> {
  sdkModules ??= Promise.all([
    import("@aws-sdk/client-secrets-manager"),
    import("@aws-sdk/client-ssm"),
  ]).then(([secretsManager, ssm]) => ({ secretsManager, ssm }));
  return sdkModules;
}

/** A region's clients with the SDK modules that made them. */
interface Loaded {
  sdk: SdkModules;
  secretsManager: SecretsManagerClient;
  ssm: SSMClient;
}

/** Regions whose clients are kept (least recently used dropped; a dropped one is made again). */
export const MAX_REGION_CLIENTS = 32;

/** Options of {@linkcode SdkStorePool}. */
export interface SdkStorePoolOptions {
  /** User agent app id (`secrets-store-csi-driver-provider-aws-<version>`). */
  appId: string;
  /** Sees every HTTP attempt (for metrics). */
  observer?: AwsCallObserver;
}

/** Secrets Manager and SSM for one region and identity. */
export interface RegionClients {
  /** Secrets Manager. */
  secretsManager: SecretsManagerApi;
  /** SSM Parameter Store. */
  ssm: SsmApi;
}

/**
 * One Secrets Manager and one SSM client per region, shared by every mount
 * and identity: the identity travels with each call (`sendAs`), so a storm
 * of new pods costs no client construction and no memory per pod.
 */
export class SdkStorePool {
  #options: SdkStorePoolOptions;
  #regions = new LruMap<string, Promise<Loaded>>({ maxEntries: MAX_REGION_CLIENTS });
  // Bounded attempts: a hung connection fails the attempt (and is retried)
  // instead of holding the mount until its deadline.
  #handler = awsHttpHandler();

  /** Creates an empty pool. */
  constructor(options: SdkStorePoolOptions) {
    this.#options = options;
  }

  /** The stores of `region`, acting with `credentials` for every call made through them. */
  get(region: string, credentials: CredentialSource): RegionClients {
    const load = () => this.#clientsOf(region);
    return {
      secretsManager: secretsManagerApi(load, credentials),
      ssm: ssmApi(load, credentials),
    };
  }

  #clientsOf(region: string): Promise<Loaded> {
    let clients = this.#regions.get(region);
    if (clients === undefined) {
      clients = loadSdk().then((sdk) => {
        const config = {
          region,
          credentials: callerCredentials,
          userAgentAppId: this.#options.appId,
          requestHandler: this.#handler,
        };
        const loaded = {
          sdk,
          secretsManager: new sdk.secretsManager.SecretsManagerClient(config),
          ssm: new sdk.ssm.SSMClient(config),
        };
        memoizeDefaultUserAgent(loaded.secretsManager);
        memoizeDefaultUserAgent(loaded.ssm);
        const observer = this.#options.observer;
        if (observer) {
          observeAwsCalls(loaded.secretsManager, { service: "secretsmanager", region }, observer);
          observeAwsCalls(loaded.ssm, { service: "ssm", region }, observer);
        }
        return loaded;
      });
      this.#regions.set(region, clients);
    }
    return clients;
  }

  /** Regions whose clients are kept now. */
  get size(): number {
    return this.#regions.size;
  }

  /** Closes pooled connections. */
  destroy(): void {
    this.#handler.destroy();
    this.#regions.clear();
  }
}

/**
 * Makes a client compute its default user agent once: the SDK builds it
 * again for every request (the OS release is a system call each time, about
 * a tenth of the client's own work for a request), though nothing in it
 * changes while the process runs. The user-agent middleware reads the
 * provider from the client's configuration at every request, so replacing it
 * there takes effect.
 */
export function memoizeDefaultUserAgent(
  client: { config: { defaultUserAgentProvider?: () => Promise<unknown> } },
): void {
  const compute = client.config.defaultUserAgentProvider;
  if (compute === undefined) return;
  let computed: Promise<unknown> | undefined;
  client.config.defaultUserAgentProvider = () => {
    computed ??= compute().catch((error) => {
      computed = undefined; // a failure is not kept
      throw error;
    });
    return computed;
  };
}

/**
 * Settles with `promise`, or rejects as soon as `signal` aborts — also while
 * the SDK is still resolving credentials, which its own abort does not cover.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function abortError(signal: AbortSignal): Error {
  const error = new Error(
    signal.reason instanceof Error ? signal.reason.message : "the request was aborted",
  );
  error.name = "AbortError";
  return error;
}

function secretBytes(
  answer: { SecretString?: string; SecretBinary?: Uint8Array },
): Uint8Array | undefined {
  if (answer.SecretString !== undefined) return encoder.encode(answer.SecretString);
  return answer.SecretBinary;
}

/** What a call needs besides the command: the caller's credentials, deadline and error model. */
interface CallContext {
  credentials: CredentialSource;
  signal: AbortSignal | undefined;
  operation: string;
  fatal: ReadonlySet<string>;
}

/**
 * Sends one command with the caller's credentials, bounded by the signal;
 * failures become {@linkcode AwsFailureError}.
 */
async function call<T>(send: () => Promise<T>, context: CallContext): Promise<T> {
  try {
    return await untilAborted(sendAs(context.credentials, send), context.signal);
  } catch (error) {
    throw new AwsFailureError(describeAwsError(error, context.operation, context.fatal));
  }
}

function secretsManagerApi(
  load: () => Promise<Loaded>,
  credentials: CredentialSource,
): SecretsManagerApi {
  const context = (operation: string, signal: AbortSignal | undefined): CallContext => ({
    credentials,
    signal,
    operation: `Secrets Manager: ${operation}`,
    fatal: SECRETS_MANAGER_FATAL,
  });
  return {
    async getSecretValue(request, options = {}) {
      const answer = await call(async () => {
        const { sdk, secretsManager } = await load();
        return await secretsManager.send(
          new sdk.secretsManager.GetSecretValueCommand({
            SecretId: request.secretId,
            VersionId: request.versionId,
            VersionStage: request.versionStage,
          }),
          { abortSignal: options.signal },
        );
      }, context("GetSecretValue", options.signal));
      const bytes = secretBytes(answer);
      if (bytes === undefined) {
        throw new AwsFailureError(
          localFailure("InvalidResponse", "the secret has neither SecretString nor SecretBinary"),
        );
      }
      return { bytes, versionId: answer.VersionId ?? "", name: answer.Name, arn: answer.ARN };
    },
    async batchGetSecretValue(secretIds, options = {}) {
      const answer = await call(async () => {
        const { sdk, secretsManager } = await load();
        return await secretsManager.send(
          new sdk.secretsManager.BatchGetSecretValueCommand({ SecretIdList: secretIds }),
          { abortSignal: options.signal },
        );
      }, context("BatchGetSecretValue", options.signal));
      return batchAnswer(answer, SECRETS_MANAGER_FATAL);
    },
    async batchGetSecretValueByFilters(request, options = {}) {
      const answer = await call(async () => {
        const { sdk, secretsManager } = await load();
        return await secretsManager.send(
          new sdk.secretsManager.BatchGetSecretValueCommand({
            Filters: request.filters.map((filter) => ({ Key: filter.key, Values: filter.values })),
            MaxResults: 20,
            NextToken: request.nextToken,
          }),
          { abortSignal: options.signal },
        );
      }, {
        ...context("BatchGetSecretValue", options.signal),
        fatal: SECRETS_MANAGER_FILTER_FATAL,
      });
      return {
        ...batchAnswer(answer, SECRETS_MANAGER_FILTER_FATAL),
        nextToken: answer.NextToken || undefined,
      };
    },
  };
}

/** Values and per-secret errors of a BatchGetSecretValue answer. */
function batchAnswer(
  answer: {
    SecretValues?: {
      SecretString?: string;
      SecretBinary?: Uint8Array;
      VersionId?: string;
      Name?: string;
      ARN?: string;
    }[];
    Errors?: { SecretId?: string; ErrorCode?: string; Message?: string }[];
  },
  fatal: ReadonlySet<string>,
): { values: SecretValue[]; errors: { secretId: string; failure: AwsFailure }[] } {
  const values: SecretValue[] = [];
  for (const entry of answer.SecretValues ?? []) {
    const bytes = secretBytes(entry);
    if (bytes === undefined) continue;
    values.push({ bytes, versionId: entry.VersionId ?? "", name: entry.Name, arn: entry.ARN });
  }
  const errors = (answer.Errors ?? []).map((entry) => {
    const code = entry.ErrorCode ?? "Error";
    const message = entry.Message ?? "";
    return {
      secretId: entry.SecretId ?? "",
      failure: {
        code,
        message,
        httpStatus: undefined,
        fatal: fatal.has(code),
        text:
          `operation error Secrets Manager: BatchGetSecretValue, secret error, ${code}: ${message}`,
      },
    };
  });
  return { values, errors };
}

function ssmApi(load: () => Promise<Loaded>, credentials: CredentialSource): SsmApi {
  return {
    async getParameters(names, options = {}) {
      const answer = await call(async () => {
        const { sdk, ssm } = await load();
        return await ssm.send(
          new sdk.ssm.GetParametersCommand({ Names: names, WithDecryption: true }),
          { abortSignal: options.signal },
        );
      }, {
        credentials,
        signal: options.signal,
        operation: "SSM: GetParameters",
        fatal: SSM_FATAL,
      });
      return {
        parameters: (answer.Parameters ?? []).map(parameterValue),
        invalid: answer.InvalidParameters ?? [],
      };
    },
    async getParametersByPath(request, options = {}) {
      const answer = await call(async () => {
        const { sdk, ssm } = await load();
        return await ssm.send(
          new sdk.ssm.GetParametersByPathCommand({
            Path: request.path,
            Recursive: request.recursive,
            WithDecryption: true,
            MaxResults: 10,
            NextToken: request.nextToken,
          }),
          { abortSignal: options.signal },
        );
      }, {
        credentials,
        signal: options.signal,
        operation: "SSM: GetParametersByPath",
        fatal: SSM_PATH_FATAL,
      });
      return {
        parameters: (answer.Parameters ?? []).map(parameterValue),
        nextToken: answer.NextToken || undefined,
      };
    },
  };
}

function parameterValue(
  parameter: { Name?: string; ARN?: string; Value?: string; Version?: number; Selector?: string },
): ParameterValue {
  return {
    name: parameter.Name ?? "",
    arn: parameter.ARN,
    value: parameter.Value ?? "",
    version: parameter.Version ?? 0,
    selector: parameter.Selector,
  };
}
