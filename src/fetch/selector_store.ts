/**
 * Selectors as stores: an SSM `path` (GetParametersByPath, decrypted) and
 * Secrets Manager `namePrefix`/`tags` (BatchGetSecretValue with filters).
 * Each selector is a unit of its own: it reads every page in each region,
 * and its values carry the objects it matched (`selectedObject`), each
 * mounted as if it had been listed by name. A region's whole set succeeds or
 * fails together, so the failover choice is the Go provider's, per selector:
 * the primary's set wins; the failover region's set is used only where the
 * primary's call failed in a way that lets another region answer.
 *
 * Work is bounded per selector and region: at most `selectorPages` calls and
 * `selectorMatches` matches, a limit passed stops the whole mount.
 *
 * @module
 */

import { type AwsFailure, AwsFailureError, localFailure, type SecretsFilter } from "../aws/mod.ts";
import { type MountObject, selectedObject, type Selector, selectorLabel } from "../config/mod.ts";
import { LimitError, type MountLimits, mountLimits } from "../limits/mod.ts";
import { mapLimit } from "./map_limit.ts";
import type { ObjectStore, StoredValue, StoreFetchOptions, StoreRegion } from "./object_store.ts";
import type { RegionOutcome } from "./region_choice.ts";

const encoder = new TextEncoder();

/** One match of a selector in one region. */
interface Match {
  name: string;
  bytes: Uint8Array;
  version: string;
}

/** A page of matches, or the failure of its call. */
type Page =
  | { ok: true; matches: Match[]; nextToken: string | undefined }
  | { ok: false; failure: AwsFailure; what: string };

/** How one selector reads one page in one region. */
type ReadPage = (
  selector: Selector,
  region: StoreRegion,
  request: { nextToken?: string; signal?: AbortSignal },
) => Promise<Page>;

/** The selector limits of a fetch (default: the provider's defaults). */
export type SelectorLimits = Pick<MountLimits, "selectorMatches" | "selectorPages">;

/**
 * Reads every page of one selector in one region: its matches (sorted by
 * name) as values of their own objects, or the region's failure. A limit
 * passed is recorded in the region's budget, which stops the mount.
 */
async function selectInRegion(
  selectorObject: MountObject,
  region: StoreRegion,
  options: StoreFetchOptions & { readPage: ReadPage },
): Promise<RegionOutcome<StoredValue[]>> {
  const selector = selectorObject.selector!;
  const limits: SelectorLimits = options.limits ?? mountLimits();
  const label = selectorLabel(selector);
  const matches = new Map<string, Match>();
  let nextToken: string | undefined;
  let pages = 0;
  do {
    if (++pages > limits.selectorPages.max) {
      return exceeded(
        region,
        new LimitError(
          limits.selectorPages,
          `the selector ${label} needs more than ${limits.selectorPages.max} pages of results in ${region.name}`,
        ),
      );
    }
    const page = await options.readPage(selector, region, { nextToken, signal: options.signal });
    if (!page.ok) {
      return {
        ok: false,
        failure: page.failure,
        message:
          `${region.name}: Failed fetching ${page.what} selected by ${label}: ${page.failure.text}`,
      };
    }
    for (const match of page.matches) matches.set(match.name, match);
    if (matches.size > limits.selectorMatches.max) {
      return exceeded(
        region,
        new LimitError(
          limits.selectorMatches,
          `the selector ${label} matches more than ${limits.selectorMatches.max} objects in ${region.name}`,
        ),
      );
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return {
    ok: true,
    value: [...matches.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((match) => ({
        object: selectedObject(selectorObject, match.name),
        bytes: match.bytes,
        version: match.version,
      })),
  };
}

/** Records a passed limit (the mount stops) and fails the region for the selector. */
function exceeded(region: StoreRegion, error: LimitError): RegionOutcome<StoredValue[]> {
  region.budget?.exceed(error);
  return {
    ok: false,
    failure: localFailure("LimitExceeded", error.message, true),
    message: error.message,
  };
}

function failureOf(error: unknown, operation: string): AwsFailure {
  if (error instanceof AwsFailureError) return error.awsFailure;
  return localFailure(
    "Error",
    `operation error ${operation}: ${error instanceof Error ? error.message : String(error)}`,
  );
}

const readParameterPage: ReadPage = async (selector, region, request) => {
  const api = region.clients.ssm;
  if (selector.store !== "ssmparameter" || api.getParametersByPath === undefined) {
    return unsupported("parameters", "SSM: GetParametersByPath");
  }
  try {
    const page = await api.getParametersByPath(
      { path: selector.path, recursive: selector.recursive, nextToken: request.nextToken },
      { signal: request.signal },
    );
    return {
      ok: true,
      matches: page.parameters.map((parameter) => ({
        name: parameter.name,
        bytes: encoder.encode(parameter.value),
        version: String(parameter.version),
      })),
      nextToken: page.nextToken,
    };
  } catch (error) {
    return {
      ok: false,
      failure: failureOf(error, "SSM: GetParametersByPath"),
      what: "parameters",
    };
  }
};

/**
 * The filters of a secrets selector: the name prefix, and per tag its key
 * and (unless empty) its value. Secrets Manager matches each as a prefix and
 * keys and values independently of each other.
 */
export function secretsFilters(selector: Extract<Selector, { store: "secretsmanager" }>) {
  const filters: SecretsFilter[] = [];
  if (selector.namePrefix !== "") filters.push({ key: "name", values: [selector.namePrefix] });
  for (const [key, value] of selector.tags) {
    filters.push({ key: "tag-key", values: [key] });
    if (value !== "") filters.push({ key: "tag-value", values: [value] });
  }
  return filters;
}

const readSecretPage: ReadPage = async (selector, region, request) => {
  const api = region.clients.secretsManager;
  if (selector.store !== "secretsmanager" || api.batchGetSecretValueByFilters === undefined) {
    return unsupported("secrets", "Secrets Manager: BatchGetSecretValue");
  }
  let page;
  try {
    page = await api.batchGetSecretValueByFilters(
      { filters: secretsFilters(selector), nextToken: request.nextToken },
      { signal: request.signal },
    );
  } catch (error) {
    return {
      ok: false,
      failure: failureOf(error, "Secrets Manager: BatchGetSecretValue"),
      what: "secrets",
    };
  }
  // A secret that matched but could not be read fails the selection: a mount never holds part of it.
  const [error] = page.errors;
  if (error !== undefined) {
    return { ok: false, failure: error.failure, what: `secret ${error.secretId}` };
  }
  return {
    ok: true,
    // The name filter is a prefix match; anything else Secrets Manager returned is not mounted.
    matches: page.values
      .filter((value) =>
        value.name !== undefined && value.name !== "" &&
        value.name.startsWith(selector.namePrefix)
      )
      .map((value) => ({ name: value.name!, bytes: value.bytes, version: value.versionId })),
    nextToken: page.nextToken,
  };
};

function unsupported(what: string, operation: string): Page {
  return {
    ok: false,
    failure: localFailure("Unsupported", `${operation} is not available for this store`),
    what,
  };
}

function selectorStore(
  store: Selector["store"],
  readPage: ReadPage,
  kind: string,
): ObjectStore {
  return {
    serves: (object) => object.selector?.store === store,
    units: (objects) => objects.map((object) => [object]),
    fetchRegion: (units, region, options) =>
      mapLimit(
        units,
        options.concurrency,
        ([object]) => selectInRegion(object, region, { ...options, readPage }),
      ),
    allRegionsFailed: ([object]) =>
      `Failed to fetch ${kind} selected by ${selectorLabel(object.selector!)} from all regions.`,
    nothingSelected: ([object], region) =>
      `the selector ${
        selectorLabel(object.selector!)
      } matched no ${kind} in ${region} (a selector must match at least one)`,
  };
}

/** SSM `path` selectors: every parameter under the path (recursive on request), all pages. */
export const PARAMETER_PATH_STORE: ObjectStore = selectorStore(
  "ssmparameter",
  readParameterPage,
  "parameters",
);

/** Secrets Manager `namePrefix`/`tags` selectors: every secret the filters match, all pages. */
export const SECRETS_SELECTOR_STORE: ObjectStore = selectorStore(
  "secretsmanager",
  readSecretPage,
  "secrets",
);
