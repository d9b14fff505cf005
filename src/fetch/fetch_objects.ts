/**
 * Fetching all objects of a mount: every store's units from every region in
 * parallel (calls bounded per region), then the Go provider's failover
 * choice per unit, in list order, then each value decoded as its
 * `objectEncoding` says. A unit is what a store fetches and fails over as one
 * (a Secrets Manager object, an SSM batch, a selector); `object_store.ts`
 * says how each store makes and fetches its units.
 *
 * @module
 */

import { localFailure } from "../aws/mod.ts";
import { type MountObject, type ObjectEncoding, objectLabel } from "../config/mod.ts";
import { LimitError, type MountLimits, mountLimits, TimeSlice } from "../limits/mod.ts";
import { FetchCancelledError, FetchError } from "./fetch_error.ts";
import { budgetedStores, ByteBudget } from "./fetch_budget.ts";
import { extractJmesValues, type JmesBudget, JmesError, mountJmesBudget } from "./jmes/mod.ts";
import type { ObjectStore, RegionClients, StoredValue } from "./object_store.ts";
import { chooseRegion, type RegionOutcome } from "./region_choice.ts";
import type { BatchPermission } from "./secrets_manager_fetch.ts";
import { OBJECT_STORES } from "./stores.ts";
import { decodeValue } from "./value_encoding.ts";

/** The clients of one region, by name. */
export interface RegionStores extends RegionClients {
  /** Region name. */
  name: string;
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
  /** Value, mount-size, jmesPath and selector limits (default: {@linkcode mountLimits}). */
  limits?: Pick<
    MountLimits,
    | "valueBytes"
    | "mountBytes"
    | "jmesPathLength"
    | "jmesPathWork"
    | "mountJmesPathWork"
    | "selectorMatches"
    | "selectorPages"
  >;
  /** The stores (default: Secrets Manager and SSM). */
  stores?: readonly ObjectStore[];
}

type Extracted = StoredValue & { jmesValues: Uint8Array[] };

/** One store's unit: the objects it fetches and fails over together. */
interface Unit {
  store: ObjectStore;
  objects: MountObject[];
  /** Where the unit's first object is in the list (units are decided in list order). */
  first: number;
}

/**
 * Fetches every object from every region and picks, per unit, the values
 * the Go provider would mount. A selector gives one value per match, each
 * with the object it matched.
 *
 * @throws {FetchError} with the Go provider's texts (and ours: a selector
 *   that matched nothing); {@linkcode ValueEncodingError} for a value that
 *   is not in its `objectEncoding`; {@linkcode LimitError}
 *   when a value or the mount's total went over its limit (the other calls
 *   are cancelled at once); {@linkcode FetchCancelledError} when the deadline
 *   passed.
 */
export async function fetchObjects(
  objects: readonly MountObject[],
  regions: RegionStores[],
  options: FetchOptions,
): Promise<FetchedObject[]> {
  const limits = options.limits ?? mountLimits();
  const position = new Map(objects.map((object, index) => [object, index]));
  const units: Unit[] = (options.stores ?? OBJECT_STORES).flatMap((store) =>
    store.units(objects.filter((object) => store.serves(object))).map((unitObjects) => ({
      store,
      objects: unitObjects,
      first: position.get(unitObjects[0])!,
    }))
  );
  const overLimit = new AbortController();
  const regionSignal = AbortSignal.any([regionBudget(options), overLimit.signal].filter(
    (signal): signal is AbortSignal => signal !== undefined,
  ));
  const budgets = regions.map((region) =>
    new ByteBudget(limits, { region: region.name, onExceeded: () => overLimit.abort() })
  );
  const perRegion = await Promise.all(regions.map(async (region, index) => {
    const budget = budgets[index];
    const storeRegion = {
      index,
      name: region.name,
      clients: budgetedStores(region, budget),
      budget,
    };
    const storeOptions = { ...options, signal: regionSignal, limits };
    const outcomes = new Map<Unit, RegionOutcome<StoredValue[]>>();
    await Promise.all((options.stores ?? OBJECT_STORES).map(async (store) => {
      const storeUnits = units.filter((unit) => unit.store === store);
      const answers = await store.fetchRegion(
        storeUnits.map((unit) => unit.objects),
        storeRegion,
        storeOptions,
      );
      storeUnits.forEach((unit, i) => outcomes.set(unit, answers[i]));
    }));
    // Extraction is synchronous work per unit: the event loop gets a turn
    // between units, and all of the region's expressions share one budget.
    const slice = new TimeSlice();
    const context = { region: region.name, budget, limits, jmes: mountJmesBudget(limits) };
    const extracted = new Map<Unit, RegionOutcome<Extracted[]>>();
    for (const unit of units) {
      await slice.pause();
      extracted.set(unit, withJmes(outcomes.get(unit)!, context));
    }
    return extracted;
  }));
  const exceeded = budgets.find((budget) => budget.exceeded !== undefined)?.exceeded;
  if (exceeded !== undefined) throw exceeded;
  if (options.signal?.aborted) throw new FetchCancelledError();
  const names = regions.map((region) => region.name);
  const fetched: FetchedObject[] = [];
  // In list order: the first unit with a fatal failure decides the error.
  for (const unit of [...units].sort((a, b) => a.first - b.first)) {
    const { value, regionIndex } = chooseRegion(
      perRegion.map((region) => region.get(unit)!),
      names,
      unit.store.allRegionsFailed(unit.objects),
    );
    if (value.length === 0 && unit.store.nothingSelected !== undefined) {
      throw new FetchError(unit.store.nothingSelected(unit.objects, names[regionIndex]));
    }
    for (const item of value) fetched.push({ ...item, regionIndex });
  }
  // Files in list order (an SSM batch's objects are spread through the list; a
  // selector's matches stand where the selector stands, in name order).
  const order = (object: MountObject) => position.get(object.selectedBy ?? object) ?? 0;
  fetched.sort((a, b) => order(a.object) - order(b.object));
  return await decodeAll(fetched, limits);
}

/** How long decoding runs before the event loop gets a turn (ms). */
const DECODE_SLICE_MS = 2;

/**
 * Each value and jmesPath value decoded as its `objectEncoding` says (only
 * the chosen region's: the primary's value wins even when it does not
 * decode). The event loop gets a turn before the first decoding (apart from
 * the work that read the answers) and between objects once 2 ms have passed:
 * a value of 1 MiB takes about 10 ms, so a stretch holds about one large
 * value, not several. Objects that share a
 * fetched value (one secret listed under many aliases) share one decoding,
 * and everything decoded is held to the mount's byte limit, so that a class
 * cannot multiply the memory a value takes by listing it many times.
 */
async function decodeAll(
  fetched: FetchedObject[],
  limits: Pick<MountLimits, "mountBytes">,
): Promise<FetchedObject[]> {
  if (!fetched.some(({ object }) => object.encoding || object.jmesFiles.some((j) => j.encoding))) {
    return fetched;
  }
  const decodings = new Map<Uint8Array, Map<ObjectEncoding, Uint8Array>>();
  let total = 0;
  const decode = (bytes: Uint8Array, encoding: ObjectEncoding, owner: string) => {
    if (encoding === "utf-8") return bytes;
    const known = decodings.get(bytes)?.get(encoding);
    if (known !== undefined) return known;
    const decoded = decodeValue(bytes, encoding, owner);
    total += decoded.length;
    if (total > limits.mountBytes.max) {
      throw new LimitError(
        limits.mountBytes,
        `the values this mount decoded come to more than ${limits.mountBytes.max} bytes`,
      );
    }
    decodings.set(bytes, (decodings.get(bytes) ?? new Map()).set(encoding, decoded));
    return decoded;
  };
  const slice = new TimeSlice(DECODE_SLICE_MS);
  await slice.yield();
  const result: FetchedObject[] = [];
  for (const item of fetched) {
    await slice.pause();
    const { object } = item;
    const owner = object.selectedBy ? objectLabel(object) : `object ${object.spec.objectName}`;
    result.push({
      ...item,
      bytes: decode(item.bytes, object.encoding ?? "utf-8", owner),
      jmesValues: item.jmesValues.map((bytes, j) =>
        decode(
          bytes,
          object.jmesFiles[j].encoding ?? "utf-8",
          `jmesPath entry ${object.jmesFiles[j].alias} of object ${object.spec.objectName}`,
        )
      ),
    });
  }
  return result;
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

/**
 * Applies jmesPath extraction to a successful outcome, each result taken from
 * the region's budget; an extraction error (or a jmesPath limit) fails that
 * region for the unit.
 */
function withJmes(
  outcome: RegionOutcome<StoredValue[]>,
  context: {
    region: string;
    budget: ByteBudget;
    limits: NonNullable<FetchOptions["limits"]>;
    jmes: JmesBudget;
  },
): RegionOutcome<Extracted[]> {
  if (!outcome.ok) return outcome;
  try {
    return {
      ok: true,
      value: outcome.value.map((value) => {
        const { object } = value;
        const jmesValues = extractJmesValues(
          value.bytes,
          object.jmesFiles,
          object.spec.objectName,
          {
            limits: context.limits,
            mountBudget: context.jmes,
          },
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
