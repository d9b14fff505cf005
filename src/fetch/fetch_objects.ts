/**
 * Fetching all objects of a mount: every region in parallel, Secrets Manager
 * objects and SSM batches in parallel within a bound, then the Go provider's
 * failover choice per object (Secrets Manager) or batch (SSM), in list order.
 *
 * @module
 */

import { localFailure, type SecretsManagerApi, type SsmApi } from "../aws/mod.ts";
import type { MountObject } from "../config/mount_objects.ts";
import { LimitError, type MountLimits, mountLimits, TimeSlice } from "../limits/mod.ts";
import { MountError } from "../mount/mount_error.ts";
import { budgetedStores, ByteBudget } from "./fetch_budget.ts";
import type { JmesBudget } from "./jmes/cost.ts";
import { extractJmesValues, JmesError, mountJmesBudget } from "./jmes/extract.ts";
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
  /** Value, mount-size and jmesPath limits (default: {@linkcode mountLimits}). */
  limits?: Pick<
    MountLimits,
    "valueBytes" | "mountBytes" | "jmesPathLength" | "jmesPathWork" | "mountJmesPathWork"
  >;
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
 * @throws {MountError} `FetchError` with the Go provider's texts,
 *   `LimitExceeded` when a value or the mount's total went over its limit (the
 *   other calls are cancelled at once), or `Cancelled` when the deadline passed.
 */
export async function fetchObjects(
  objects: readonly MountObject[],
  regions: RegionStores[],
  options: FetchOptions,
): Promise<FetchedObject[]> {
  const limits = options.limits ?? mountLimits();
  const secrets = objects.filter((object) => object.type === "secretsmanager");
  const batches = planParameterBatches(objects.filter((object) => object.type === "ssmparameter"));
  const overLimit = new AbortController();
  const regionSignal = AbortSignal.any([regionBudget(options), overLimit.signal].filter(
    (signal): signal is AbortSignal => signal !== undefined,
  ));
  const regionOptions = { ...options, signal: regionSignal };
  const budgets = regions.map((region) =>
    new ByteBudget(limits, { region: region.name, onExceeded: () => overLimit.abort() })
  );
  const perRegion = await Promise.all(regions.map(async (region, index) => {
    const budget = budgets[index];
    const stores = budgetedStores(region, budget);
    const [secretOutcomes, batchOutcomes] = await Promise.all([
      fetchSecretsRegion(
        secrets,
        { index, name: region.name, api: stores.secretsManager },
        regionOptions,
      ),
      mapLimit(
        batches,
        options.concurrency,
        (batch) =>
          fetchParameterBatch(batch, { index, name: region.name, api: stores.ssm }, regionOptions),
      ),
    ]);
    // Extraction is synchronous work per object: the event loop gets a turn
    // between objects, and all of the region's expressions share one budget.
    const slice = new TimeSlice();
    const context = { region: region.name, budget, limits, jmes: mountJmesBudget(limits) };
    const extracted = {
      secrets: [] as RegionOutcome<Extracted[]>[],
      batches: [] as RegionOutcome<Extracted[]>[],
    };
    for (const [i, outcome] of secretOutcomes.entries()) {
      await slice.pause();
      extracted.secrets.push(withJmes(outcome, [secrets[i]], context));
    }
    for (const [i, outcome] of batchOutcomes.entries()) {
      await slice.pause();
      extracted.batches.push(withJmes(outcome, batches[i], context));
    }
    return extracted;
  }));
  const exceeded = budgets.find((budget) => budget.exceeded !== undefined)?.exceeded;
  if (exceeded !== undefined) throw new MountError("LimitExceeded", exceeded.message);
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

type Outcome = RegionOutcome<FetchedValue> | RegionOutcome<FetchedValue[]>;

/**
 * Applies jmesPath extraction to a successful outcome, each result taken from
 * the region's budget; an extraction error (or a jmesPath limit) fails that
 * region.
 */
function withJmes(
  outcome: Outcome,
  objects: readonly MountObject[],
  context: {
    region: string;
    budget: ByteBudget;
    limits: NonNullable<FetchOptions["limits"]>;
    jmes: JmesBudget;
  },
): RegionOutcome<Extracted[]> {
  if (!outcome.ok) return outcome;
  const values = Array.isArray(outcome.value) ? outcome.value : [outcome.value];
  try {
    return {
      ok: true,
      value: values.map((value, i) => {
        const object = objects[i];
        const jmesValues = extractJmesValues(
          value.bytes,
          object.jmesFiles,
          object.spec.objectName,
          { limits: context.limits, mountBudget: context.jmes },
        );
        jmesValues.forEach((bytes, j) =>
          context.budget.take(
            bytes.length,
            `the value of jmesPath ${object.jmesFiles[j].path} of ${object.spec.objectName}`,
          )
        );
        return { ...value, jmesValues };
      }),
    };
  } catch (error) {
    if (!(error instanceof JmesError) && !(error instanceof LimitError)) throw error;
    return {
      ok: false,
      failure: localFailure("JmesPathError", error.message),
      message: `${context.region}: ${error.message}`,
    };
  }
}
