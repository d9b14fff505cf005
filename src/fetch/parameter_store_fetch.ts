/**
 * Fetching SSM parameters from one region, in GetParameters batches of 10.
 *
 * @module
 */

import { AwsFailureError, describeAwsError, localFailure, type SsmApi } from "../aws/mod.ts";
import type { MountObject, RegionRequest } from "../config/mod.ts";
import type { RegionOutcome } from "./region_choice.ts";
import type { FetchedValue } from "./secrets_manager_fetch.ts";

/** Maximum names per GetParameters call (the API's limit). */
export const PARAMETERS_PER_BATCH = 10;

const encoder = new TextEncoder();

/** The name sent to GetParameters: `name`, `name:version` or `name:label`. */
export function parameterRequestName(request: RegionRequest): string {
  if (request.version !== "") return `${request.name}:${request.version}`;
  if (request.label !== "") return `${request.name}:${request.label}`;
  return request.name;
}

/**
 * Cuts parameter objects into batches of at most 10, in list order, never
 * putting one parameter name twice into a batch (in any region): answers name
 * parameters without their selector, so only then can every answer be matched
 * to exactly one request. (The Go provider silently dropped one of them.)
 */
export function planParameterBatches(objects: readonly MountObject[]): MountObject[][] {
  const batches: MountObject[][] = [];
  let batch: MountObject[] = [];
  const clashes = (object: MountObject) =>
    batch.some((other) =>
      other.regions.some((request, region) =>
        request.name === object.regions[region].name &&
        parameterRequestName(request) !== parameterRequestName(object.regions[region])
      )
    );
  for (const object of objects) {
    if (batch.length === PARAMETERS_PER_BATCH || clashes(object)) {
      batches.push(batch);
      batch = [];
    }
    batch.push(object);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** One region to fetch from. */
export interface ParameterRegion {
  /** 0 for the primary region, 1 for the failover region. */
  index: number;
  /** Region name, for messages. */
  name: string;
  /** The region's SSM. */
  api: SsmApi;
}

/**
 * Fetches one batch from one region: one value per object, or one failure
 * for the whole batch (as the Go provider does). Invalid parameters are a
 * fatal failure with the Go provider's exact text.
 */
export async function fetchParameterBatch(
  batch: MountObject[],
  region: ParameterRegion,
  options: { signal?: AbortSignal },
): Promise<RegionOutcome<FetchedValue[]>> {
  const requests = batch.map((object) => object.regions[region.index]);
  const names = [...new Set(requests.map(parameterRequestName))];
  let answer;
  try {
    answer = await region.api.getParameters(names, { signal: options.signal });
  } catch (error) {
    const failure = error instanceof AwsFailureError
      ? error.awsFailure
      : describeAwsError(error, "SSM: GetParameters", new Set());
    return {
      ok: false,
      failure,
      message: `${region.name}: Failed fetching parameters: ${failure.text}`,
    };
  }
  if (answer.invalid.length > 0) {
    const text = `400: ${region.name}: invalid parameters: ${
      [...new Set(answer.invalid)].join(", ")
    }`;
    return { ok: false, failure: localFailure("InvalidParameters", text, true), message: text };
  }
  const values: FetchedValue[] = [];
  for (const request of requests) {
    const parameter = answer.parameters.find((candidate) =>
      candidate.name === request.name || candidate.arn === request.name
    );
    if (parameter === undefined) {
      const text = `parameter ${parameterRequestName(request)} is missing from the answer`;
      return {
        ok: false,
        failure: localFailure("MissingParameter", text),
        message: `${region.name}: Failed fetching parameters: ${text}`,
      };
    }
    values.push({ bytes: encoder.encode(parameter.value), version: String(parameter.version) });
  }
  return { ok: true, value: values };
}
