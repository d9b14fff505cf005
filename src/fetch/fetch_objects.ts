/**
 * Fetching all objects of a mount: every region in parallel, Secrets Manager
 * objects and SSM batches in parallel within a bound, then the Go provider's
 * failover choice per object (Secrets Manager) or batch (SSM), in list order.
 *
 * @module
 */

import { localFailure } from "../aws/aws_failure.ts";
import type { SecretsManagerApi, SsmApi } from "../aws/store_apis.ts";
import type { MountObject } from "../config/mount_objects.ts";
import { MountError } from "../mount/mount_error.ts";
import { extractJmesValues, JmesError } from "./jmes_extract.ts";
import { mapLimit } from "./map_limit.ts";
import { fetchParameterBatch, planParameterBatches } from "./parameter_store_fetch.ts";
import { chooseRegion, type RegionOutcome } from "./region_choice.ts";
import {
  type BatchPermission,
  type FetchedValue,
  fetchSecretsRegion,
} from "./secrets_manager_fetch.ts";

/** The stores of one region. */
export interface RegionStores {
  /** Region name. */
  name: string;
  /** Secrets Manager in that region. */
  secretsManager: SecretsManagerApi;
  /** SSM in that region. */
  ssm: SsmApi;
}

/** A fetched object with its derived jmesPath values. */
export interface FetchedObject {
  /** The object. */
  object: MountObject;
  /** Content of the object's file. */
  bytes: Uint8Array;
  /** Version of that content. */
  version: string;
  /** Contents of the object's jmesPath files, in entry order. */
  jmesValues: Uint8Array[];
  /** The region the content came from (0 = primary). */
  regionIndex: number;
}

/** Options of {@linkcode fetchObjects}. */
export interface FetchOptions {
  /** Cancels the mount. */
  signal?: AbortSignal;
  /**
   * Epoch ms by which the driver needs the answer. Each region stops waiting
   * a little earlier, so that a region that hangs counts as failed and the
   * other region's values can still be mounted in time.
   */
  deadline?: number;
  /** Most AWS calls in flight per region for this mount. */
  concurrency: number;
  /** Batch permission memory of the mount's identity. */
  batch: BatchPermission;
}

interface Extracted {
  bytes: Uint8Array;
  version: string;
  jmesValues: Uint8Array[];
}

/**
 * Fetches every object from every region and picks, per object, the value
 * the Go provider would mount.
 *
 * @throws {MountError} `FetchError` with the Go provider's texts, or
 *   `Cancelled` when the deadline passed.
 */
export async function fetchObjects(
  objects: readonly MountObject[],
  regions: RegionStores[],
  options: FetchOptions,
): Promise<FetchedObject[]> {
  const secrets = objects.filter((object) => object.type === "secretsmanager");
  const batches = planParameterBatches(objects.filter((object) => object.type === "ssmparameter"));
  const regionSignal = regionBudget(options);
  const regionOptions = { ...options, signal: regionSignal };
  const perRegion = await Promise.all(regions.map(async (region, index) => {
    const [secretOutcomes, batchOutcomes] = await Promise.all([
      fetchSecretsRegion(
        secrets,
        { index, name: region.name, api: region.secretsManager },
        regionOptions,
      ),
      mapLimit(
        batches,
        options.concurrency,
        (batch) =>
          fetchParameterBatch(batch, { index, name: region.name, api: region.ssm }, regionOptions),
      ),
    ]);
    return {
      secrets: secretOutcomes.map((outcome, i) => withJmes(outcome, [secrets[i]], region.name)),
      batches: batchOutcomes.map((outcome, i) => withJmes(outcome, batches[i], region.name)),
    };
  }));
  if (options.signal?.aborted) {
    throw new MountError("Cancelled", "mount cancelled: the request's deadline passed");
  }
  const names = regions.map((region) => region.name);
  const chosen = new Map<MountObject, { value: Extracted; regionIndex: number }>();
  const units: { first: number; decide: () => void }[] = [
    ...secrets.map((object, i) => ({
      first: objects.indexOf(object),
      decide: () => {
        const { value, regionIndex } = chooseRegion(
          perRegion.map((region) => region.secrets[i]),
          names,
          `Failed to fetch secret from all regions. Verify secret exists and required permissions are granted for: ${object.spec.objectName}`,
        );
        chosen.set(object, { value: value[0], regionIndex });
      },
    })),
    ...batches.map((batch, i) => ({
      first: objects.indexOf(batch[0]),
      decide: () => {
        const { value, regionIndex } = chooseRegion(
          perRegion.map((region) => region.batches[i]),
          names,
          "Failed to fetch parameters from all regions.",
        );
        batch.forEach((object, j) => chosen.set(object, { value: value[j], regionIndex }));
      },
    })),
  ];
  units.sort((a, b) => a.first - b.first).forEach((unit) => unit.decide());
  return objects.map((object) => {
    const { value, regionIndex } = chosen.get(object)!;
    return { object, ...value, regionIndex };
  });
}

/**
 * The signal that ends every region's calls: the mount's own signal, or
 * shortly before the deadline (20% of the remaining time, at most 2 s early).
 */
function regionBudget(options: FetchOptions): AbortSignal | undefined {
  if (options.deadline === undefined) return options.signal;
  const remaining = options.deadline - Date.now();
  const budget = AbortSignal.timeout(
    Math.min(2 ** 31 - 1, Math.max(0, remaining - Math.min(2_000, remaining * 0.2))),
  );
  return options.signal ? AbortSignal.any([options.signal, budget]) : budget;
}

/** Applies jmesPath extraction to a successful outcome; an extraction error fails that region. */
function withJmes(
  outcome: RegionOutcome<FetchedValue> | RegionOutcome<FetchedValue[]>,
  objects: readonly MountObject[],
  region: string,
): RegionOutcome<Extracted[]> {
  if (!outcome.ok) return outcome;
  const values = Array.isArray(outcome.value) ? outcome.value : [outcome.value];
  try {
    return {
      ok: true,
      value: values.map((value, i) => ({
        ...value,
        jmesValues: extractJmesValues(
          value.bytes,
          objects[i].jmesFiles,
          objects[i].spec.objectName,
        ),
      })),
    };
  } catch (error) {
    if (!(error instanceof JmesError)) throw error;
    return {
      ok: false,
      failure: localFailure("JmesPathError", error.message),
      message: `${region}: ${error.message}`,
    };
  }
}
