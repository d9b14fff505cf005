/**
 * Fetching Secrets Manager objects from one region.
 *
 * Objects that ask for the current version go through BatchGetSecretValue, up
 * to 20 ids a call; pinned versions or stages use GetSecretValue. When the
 * identity may not call the batch action (AccessDenied on the whole call), we
 * fall back to GetSecretValue and remember it for that identity. Every object
 * gets the same outcome GetSecretValue would have given it.
 *
 * @module
 */

import {
  type AwsFailure,
  AwsFailureError,
  localFailure,
  type SecretsManagerApi,
  type SecretValue,
} from "../aws/mod.ts";
import type { MountObject, RegionRequest } from "../config/mod.ts";
import { mapLimit } from "./map_limit.ts";
import type { RegionOutcome } from "./region_choice.ts";

/** Maximum ids per BatchGetSecretValue call. */
export const SECRETS_PER_BATCH = 20;

/** A fetched value and the version it came from. */
export interface FetchedValue {
  /** Content bytes. */
  bytes: Uint8Array;
  /** Version id (Secrets Manager) or number (SSM). */
  version: string;
}

/** Whether an identity may use BatchGetSecretValue, learned from AccessDenied answers. */
export interface BatchPermission {
  /** False once the identity was denied the batch action. */
  allowed(): boolean;
  /** Records that the identity was denied the batch action. */
  denied(): void;
}

/** Options of {@linkcode fetchSecretsRegion}. */
export interface SecretsRegionOptions {
  /** Aborts pending calls. */
  signal?: AbortSignal;
  /** Most calls in flight at once in this region. */
  concurrency: number;
  /** Batch permission memory of the mount's identity. */
  batch: BatchPermission;
}

/** One region to fetch from. */
export interface SecretsRegion {
  /** 0 for the primary region, 1 for the failover region. */
  index: number;
  /** Region name, for messages. */
  name: string;
  /** The region's Secrets Manager. */
  api: SecretsManagerApi;
}

/**
 * Fetches `objects` (all of type secretsmanager) from one region.
 *
 * @returns one outcome per object, in order; never rejects for AWS errors.
 */
export async function fetchSecretsRegion(
  objects: readonly MountObject[],
  region: SecretsRegion,
  options: SecretsRegionOptions,
): Promise<RegionOutcome<FetchedValue>[]> {
  const requests = objects.map((object) => object.regions[region.index]);
  const outcomes = new Array<RegionOutcome<FetchedValue> | undefined>(objects.length);
  const fail = (index: number, failure: AwsFailure): RegionOutcome<FetchedValue> => ({
    ok: false,
    failure,
    message: `${region.name}: Failed fetching secret ${
      objects[index].spec.objectName
    }: ${failure.text}`,
  });
  const current = requests
    .map((request, index) => ({ request, index }))
    .filter(({ request }) => request.version === "" && request.label === "");
  if (current.length > 0 && options.batch.allowed()) {
    await fetchCurrentInBatches(current, region, options, (index, result) => {
      outcomes[index] = result instanceof Error ? fail(index, result.awsFailure) : {
        ok: true,
        value: { bytes: result.bytes, version: result.versionId },
      };
    });
  }
  const remaining = requests.map((request, index) => ({ request, index }))
    .filter(({ index }) => outcomes[index] === undefined);
  await mapLimit(remaining, options.concurrency, async ({ request, index }) => {
    try {
      const value = await region.api.getSecretValue(
        {
          secretId: request.name,
          versionId: request.version || undefined,
          versionStage: request.label || undefined,
        },
        { signal: options.signal },
      );
      outcomes[index] = { ok: true, value: { bytes: value.bytes, version: value.versionId } };
    } catch (error) {
      outcomes[index] = fail(index, failureOf(error));
    }
  });
  return outcomes as RegionOutcome<FetchedValue>[];
}

function failureOf(error: unknown): AwsFailure {
  if (error instanceof AwsFailureError) return error.awsFailure;
  return localFailure("Error", error instanceof Error ? error.message : String(error));
}

/**
 * Runs BatchGetSecretValue over the unpinned requests. Ids the batch cannot
 * settle (denied batch action, modeled client error of the whole call, ids
 * missing from the answer) are left for GetSecretValue.
 */
async function fetchCurrentInBatches(
  current: { request: RegionRequest; index: number }[],
  region: SecretsRegion,
  options: SecretsRegionOptions,
  settle: (index: number, result: SecretValue | AwsFailureError) => void,
): Promise<void> {
  const ids = [...new Set(current.map(({ request }) => request.name))];
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += SECRETS_PER_BATCH) {
    chunks.push(ids.slice(i, i + SECRETS_PER_BATCH));
  }
  await mapLimit(chunks, options.concurrency, async (chunk) => {
    if (!options.batch.allowed()) return;
    const waiting = current.filter(({ request }) => chunk.includes(request.name));
    let answer;
    try {
      answer = await region.api.batchGetSecretValue(chunk, { signal: options.signal });
    } catch (error) {
      const failure = failureOf(error);
      if (failure.code === "AccessDeniedException") {
        options.batch.denied();
        return;
      }
      // A modeled client fault of the whole call: let GetSecretValue attribute it per secret.
      if (failure.fatal) return;
      for (const { index } of waiting) settle(index, new AwsFailureError(failure));
      return;
    }
    for (const { request, index } of waiting) {
      const value = answer.values.find((candidate) => matchesId(candidate, request.name));
      if (value !== undefined) {
        settle(index, value);
        continue;
      }
      const error = answer.errors.find(({ secretId }) => secretId === request.name);
      if (error !== undefined) settle(index, new AwsFailureError(error.failure));
    }
  });
}

/** Whether a batch answer entry is the secret requested as `id` (name, ARN or partial ARN). */
function matchesId(value: SecretValue, id: string): boolean {
  if (value.name === id || value.arn === id) return true;
  // A partial ARN omits the 6-character suffix Secrets Manager appends ("-AbCdEf").
  return value.arn !== undefined && value.arn.length === id.length + 7 &&
    value.arn.startsWith(id + "-");
}
