/**
 * The one shape every secret store has for the fetch: which objects it
 * serves, how it groups them into units that succeed, fail and fail over
 * together, and how it fetches those units from one region. Secrets Manager
 * and SSM Parameter Store are the two stores of listed objects; selectors
 * (`selector_store.ts`) are stores too, whose values carry the objects they
 * matched; `fetch_objects.ts` never asks which one it holds (`stores.ts`
 * lists them).
 *
 * @module
 */

import type { SecretsManagerApi, SsmApi } from "../aws/mod.ts";
import type { MountObject } from "../config/mod.ts";
import type { LimitError, MountLimits } from "../limits/mod.ts";
import { mapLimit } from "./map_limit.ts";
import { fetchParameterBatch, planParameterBatches } from "./parameter_store_fetch.ts";
import type { RegionOutcome } from "./region_choice.ts";
import { type BatchPermission, fetchSecretsRegion } from "./secrets_manager_fetch.ts";

/** The clients of one region. */
export interface RegionClients {
  /** Secrets Manager. */
  secretsManager: SecretsManagerApi;
  /** SSM Parameter Store. */
  ssm: SsmApi;
}

/** One region as a store fetches from it. */
export interface StoreRegion {
  /** 0 for the primary region, 1 for the failover region. */
  index: number;
  /** Region name, for messages. */
  name: string;
  /** Its clients (the mount's identity and byte budget already bound). */
  clients: RegionClients;
  /** The region's budget: a store records a limit it found passed, which stops the mount. */
  budget?: { exceed(error: LimitError): void };
}

/** A value fetched for one object. */
export interface StoredValue {
  /** The object the value is for (for a selector's value, the object it matched). */
  object: MountObject;
  /** Content bytes. */
  bytes: Uint8Array;
  /** Version id (Secrets Manager) or number (SSM). */
  version: string;
}

/** What one fetch of a mount needs besides the units. */
export interface StoreFetchOptions {
  /** Ends every call of the region. */
  signal?: AbortSignal;
  /** Most calls in flight in the region. */
  concurrency: number;
  /** Whether the mount's identity may use BatchGetSecretValue. */
  batch: BatchPermission;
  /** Selector limits (default: the provider's defaults). */
  limits?: Pick<MountLimits, "selectorMatches" | "selectorPages">;
}

/** A secret store as the fetch sees it. */
export interface ObjectStore {
  /** Whether `object` comes from this store. */
  serves(object: MountObject): boolean;
  /** The store's objects (in list order) grouped into units that succeed or fail together. */
  units(objects: readonly MountObject[]): MountObject[][];
  /** Fetches every unit from one region: one outcome per unit; never rejects for AWS errors. */
  fetchRegion(
    units: readonly MountObject[][],
    region: StoreRegion,
    options: StoreFetchOptions,
  ): Promise<RegionOutcome<StoredValue[]>[]>;
  /** The Go provider's text for a unit no region could serve (each region's answer follows). */
  allRegionsFailed(unit: readonly MountObject[]): string;
  /**
   * For a store whose units may hold no value (a selector): the text of the
   * error when the chosen region's answer is empty. Absent: an empty answer
   * cannot happen.
   */
  nothingSelected?(unit: readonly MountObject[], region: string): string;
}

/**
 * Secrets Manager: each object is a unit of its own (it fails over alone);
 * current versions are fetched in BatchGetSecretValue calls of 20.
 */
export const SECRETS_MANAGER_STORE: ObjectStore = {
  serves: (object) => object.type === "secretsmanager" && object.selector === undefined,
  units: (objects) => objects.map((object) => [object]),
  async fetchRegion(units, region, options) {
    const objects = units.map(([object]) => object);
    const outcomes = await fetchSecretsRegion(
      objects,
      { index: region.index, name: region.name, api: region.clients.secretsManager },
      options,
    );
    return outcomes.map((outcome, i) =>
      outcome.ok ? { ok: true, value: [{ object: objects[i], ...outcome.value }] } : outcome
    );
  },
  allRegionsFailed: ([object]) =>
    `Failed to fetch secret from all regions. Verify secret exists and required permissions are granted for: ${object.spec.objectName}`,
};

/** SSM Parameter Store: GetParameters batches of 10, each a unit (it fails over as a whole). */
export const PARAMETER_STORE: ObjectStore = {
  serves: (object) => object.type === "ssmparameter" && object.selector === undefined,
  units: (objects) => planParameterBatches(objects),
  fetchRegion: (units, region, options) =>
    mapLimit(units, options.concurrency, async (batch) => {
      const outcome = await fetchParameterBatch(
        batch,
        { index: region.index, name: region.name, api: region.clients.ssm },
        options,
      );
      return outcome.ok
        ? { ok: true, value: outcome.value.map((value, i) => ({ object: batch[i], ...value })) }
        : outcome;
    }),
  allRegionsFailed: () => "Failed to fetch parameters from all regions.",
};
