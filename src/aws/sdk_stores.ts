/**
 * The AWS SDK behind {@linkcode SecretsManagerApi} and {@linkcode SsmApi},
 * with clients reused per region and identity.
 *
 * Clients read the standard settings from the environment:
 * `AWS_ENDPOINT_URL(_SECRETS_MANAGER|_SSM)`, `AWS_USE_FIPS_ENDPOINT`,
 * `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`. All clients share one HTTP handler,
 * so keep-alive connections are reused across mounts and identities.
 *
 * @module
 */

import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { CredentialSource } from "../identity/aws_credentials.ts";
import { type AwsCallObserver, observeAwsCalls } from "./call_observer.ts";
import {
  AwsFailureError,
  describeAwsError,
  localFailure,
  SECRETS_MANAGER_FATAL,
  SSM_FATAL,
} from "./aws_failure.ts";
import type { SecretsManagerApi, SecretValue, SsmApi } from "./store_apis.ts";

const encoder = new TextEncoder();

/** Options of {@linkcode SdkStorePool}. */
export interface SdkStorePoolOptions {
  /** User agent app id (`secrets-store-csi-driver-provider-aws-<version>`). */
  appId: string;
  /** Most client pairs kept; the least recently used are dropped (default 1,000). */
  maxClients?: number;
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

/** Clients by region and identity key. */
export class SdkStorePool {
  #options: SdkStorePoolOptions;
  #clients = new Map<string, RegionClients>();
  // Bounded attempts: a hung connection fails the attempt (and is retried)
  // instead of holding the mount until its deadline.
  #handler = new NodeHttpHandler({
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    throwOnRequestTimeout: true,
  });

  /** Creates an empty pool. */
  constructor(options: SdkStorePoolOptions) {
    this.#options = options;
  }

  /** The clients of `region` acting with `credentials`, reused per `identityKey`. */
  get(region: string, identityKey: string, credentials: CredentialSource): RegionClients {
    const key = `${region}|${identityKey}`;
    let clients = this.#clients.get(key);
    if (clients !== undefined) {
      this.#clients.delete(key);
      this.#clients.set(key, clients); // most recently used last
      return clients;
    }
    const config = {
      region,
      credentials,
      userAgentAppId: this.#options.appId,
      requestHandler: this.#handler,
    };
    const secretsManager = new SecretsManagerClient(config);
    const ssm = new SSMClient(config);
    const observer = this.#options.observer;
    if (observer) {
      observeAwsCalls(secretsManager, { service: "secretsmanager", region }, observer);
      observeAwsCalls(ssm, { service: "ssm", region }, observer);
    }
    clients = { secretsManager: secretsManagerApi(secretsManager), ssm: ssmApi(ssm) };
    if (this.#clients.size >= (this.#options.maxClients ?? 1_000)) {
      this.#clients.delete(this.#clients.keys().next().value!);
    }
    this.#clients.set(key, clients);
    return clients;
  }

  /** Closes pooled connections. */
  destroy(): void {
    this.#handler.destroy();
    this.#clients.clear();
  }
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

function secretsManagerApi(client: SecretsManagerClient): SecretsManagerApi {
  return {
    async getSecretValue(request, options = {}) {
      let answer;
      try {
        answer = await untilAborted(
          client.send(
            new GetSecretValueCommand({
              SecretId: request.secretId,
              VersionId: request.versionId,
              VersionStage: request.versionStage,
            }),
            { abortSignal: options.signal },
          ),
          options.signal,
        );
      } catch (error) {
        throw new AwsFailureError(
          describeAwsError(error, "Secrets Manager: GetSecretValue", SECRETS_MANAGER_FATAL),
        );
      }
      const bytes = secretBytes(answer);
      if (bytes === undefined) {
        throw new AwsFailureError(
          localFailure("InvalidResponse", "the secret has neither SecretString nor SecretBinary"),
        );
      }
      return { bytes, versionId: answer.VersionId ?? "", name: answer.Name, arn: answer.ARN };
    },
    async batchGetSecretValue(secretIds, options = {}) {
      let answer;
      try {
        answer = await untilAborted(
          client.send(
            new BatchGetSecretValueCommand({ SecretIdList: secretIds }),
            { abortSignal: options.signal },
          ),
          options.signal,
        );
      } catch (error) {
        throw new AwsFailureError(
          describeAwsError(error, "Secrets Manager: BatchGetSecretValue", SECRETS_MANAGER_FATAL),
        );
      }
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
            fatal: SECRETS_MANAGER_FATAL.has(code),
            text:
              `operation error Secrets Manager: BatchGetSecretValue, secret error, ${code}: ${message}`,
          },
        };
      });
      return { values, errors };
    },
  };
}

function ssmApi(client: SSMClient): SsmApi {
  return {
    async getParameters(names, options = {}) {
      let answer;
      try {
        answer = await untilAborted(
          client.send(
            new GetParametersCommand({ Names: names, WithDecryption: true }),
            { abortSignal: options.signal },
          ),
          options.signal,
        );
      } catch (error) {
        throw new AwsFailureError(describeAwsError(error, "SSM: GetParameters", SSM_FATAL));
      }
      return {
        parameters: (answer.Parameters ?? []).map((parameter) => ({
          name: parameter.Name ?? "",
          arn: parameter.ARN,
          value: parameter.Value ?? "",
          version: parameter.Version ?? 0,
          selector: parameter.Selector,
        })),
        invalid: answer.InvalidParameters ?? [],
      };
    },
  };
}
