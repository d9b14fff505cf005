/**
 * The two secret stores as the fetch logic sees them: small interfaces that
 * the AWS SDK implements in production and tests may implement in memory.
 * Every method throws {@linkcode AwsFailureError} on failure.
 *
 * @module
 */

import type { AwsFailure } from "./aws_failure.ts";

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call (the mount's deadline). */
  signal?: AbortSignal;
}

/** A Secrets Manager secret value. */
export interface SecretValue {
  /** SecretString as UTF-8 if present (even empty), else SecretBinary. */
  bytes: Uint8Array;
  /** The version id. */
  versionId: string;
  /** Friendly name (batch answers). */
  name?: string;
  /** Full ARN (batch answers). */
  arn?: string;
}

/** Answer of BatchGetSecretValue for a list of ids. */
export interface BatchSecretValues {
  /** Values found. */
  values: SecretValue[];
  /** Per-id failures, keyed by the id as requested. */
  errors: { secretId: string; failure: AwsFailure }[];
}

/** A Secrets Manager filter: `name`, `tag-key` and `tag-value` are prefix matches. */
export interface SecretsFilter {
  /** Filter key. */
  key: "name" | "tag-key" | "tag-value";
  /** Values (any one matches). */
  values: string[];
}

/** One page of BatchGetSecretValue with filters. */
export interface SecretValuesPage extends BatchSecretValues {
  /** Token of the next page; absent on the last. */
  nextToken: string | undefined;
}

/** What we need from Secrets Manager. */
export interface SecretsManagerApi {
  /** GetSecretValue of one secret, optionally pinned to a version id and/or stage. */
  getSecretValue(
    request: { secretId: string; versionId?: string; versionStage?: string },
    options?: CallOptions,
  ): Promise<SecretValue>;
  /** BatchGetSecretValue of at most 20 ids (current versions). */
  batchGetSecretValue(secretIds: string[], options?: CallOptions): Promise<BatchSecretValues>;
  /**
   * BatchGetSecretValue with filters: one page of at most 20 current values
   * of the secrets the filters match (all filters must match). Optional: an
   * in-memory store of a unit test may lack it, and selectors then fail.
   */
  batchGetSecretValueByFilters?(
    request: { filters: SecretsFilter[]; nextToken?: string },
    options?: CallOptions,
  ): Promise<SecretValuesPage>;
}

/** An SSM parameter value. */
export interface ParameterValue {
  /** Name as returned (without selector). */
  name: string;
  /** ARN as returned. */
  arn: string | undefined;
  /** Decrypted value (StringList stays comma-joined). */
  value: string;
  /** Version number. */
  version: number;
  /** `:version` or `:label` when the request used one (real AWS only). */
  selector: string | undefined;
}

/** One page of GetParametersByPath. */
export interface ParametersPage {
  /** Parameters of the page (decrypted). */
  parameters: ParameterValue[];
  /** Token of the next page; absent on the last. */
  nextToken: string | undefined;
}

/** What we need from SSM Parameter Store. */
export interface SsmApi {
  /** GetParameters (with decryption) of at most 10 names, each optionally `name:version|label`. */
  getParameters(
    names: string[],
    options?: CallOptions,
  ): Promise<{ parameters: ParameterValue[]; invalid: string[] }>;
  /**
   * GetParametersByPath (with decryption): one page of at most 10 parameters
   * under `path` (below its children too when `recursive`). Optional: an
   * in-memory store of a unit test may lack it, and selectors then fail.
   */
  getParametersByPath?(
    request: { path: string; recursive: boolean; nextToken?: string },
    options?: CallOptions,
  ): Promise<ParametersPage>;
}
