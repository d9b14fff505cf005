/**
 * One mount, end to end, in the Go provider's order of steps (and so of
 * errors): decode the request, check where files go, find the regions and
 * the identity, read the objects, fetch, lay out the files, write them (or
 * return them to the driver). Every failure leaves as a {@linkcode MountError}
 * (`toMountError`).
 *
 * @module
 */

import {
  checkFileSet,
  fileOwners,
  type MountObject,
  objectLabel,
  type ObjectsCache,
  parseMountObjectsSteps,
} from "../config/mod.ts";
import { objectsYamlLimits } from "../gocompat/mod.ts";
import {
  type BatchPermission,
  type FetchedObject,
  fetchObjects,
  type RegionStores,
} from "../fetch/mod.ts";
import { fullPathProblem, type MountFile } from "../files/mod.ts";
import type { CallContext, IdentityRequest, MountIdentity, PodRef } from "../identity/mod.ts";
import { LimitError, type MountLimits, mountLimits, runStepsInSlices } from "../limits/mod.ts";
import type { Logger } from "../log/mod.ts";
import { layOutFiles, type ObjectVersion, responseSize } from "./mount_layout.ts";
import { MountError, toMountError } from "./mount_error.ts";
import {
  type DecodedMountRequest,
  decodeMountRequest,
  parseAssumeRole,
  parseUsePodIdentity,
  type RawMountRequest,
  resolveRegions,
} from "./mount_request.ts";

/** What a mount needs from the rest of the provider. */
export interface MountDependencies {
  /** Return files to the driver instead of writing them (`--driver-writes-secrets`). */
  driverWritesSecrets: boolean;
  /** Region when the class sets none (the provider's `AWS_REGION`, else the node's label). */
  lookupRegion(pod: PodRef, context: CallContext): Promise<string>;
  /** The mount's identity. */
  resolveIdentity(request: IdentityRequest): Promise<MountIdentity>;
  /** Stores of a region for an identity. */
  stores(region: string, identity: MountIdentity): Omit<RegionStores, "name">;
  /** Batch permission memory of an identity. */
  batchPermission(identity: MountIdentity): BatchPermission;
  /**
   * Checks, before anything else is looked up, that the target path is a pod
   * volume the provider may write into (provider-writes mode); throws with the
   * reason when it is not.
   */
  checkTargetPath?(targetPath: string, pod: PodRef): Promise<void>;
  /** Writes files into the mount (provider-writes mode); fails with a `WriteError`. */
  writeFiles(targetPath: string, files: MountFile[]): Promise<void>;
  /**
   * Removes every file under the mount but `keep` (provider-writes mode, only
   * for a class with a selector: matches that are gone must go); fails with a
   * `WriteError`. Without it nothing is removed.
   */
  removeOtherFiles?(targetPath: string, keep: string[]): Promise<void>;
  /** Most AWS calls in flight per region per mount. */
  concurrency: number;
  /** Largest answer in driver-writes mode (the driver's gRPC receive limit). */
  maxResponseBytes: number;
  /** Budgets on what a class may cause (default: {@linkcode mountLimits}). */
  limits?: MountLimits;
  /** Parsed `objects` lists shared by mounts (default: parse every time). */
  objectsCache?: ObjectsCache;
  /** Logger. */
  logger: Logger;
}

/** The answer to the driver. */
export interface MountResult {
  /** Files for the driver to write (driver-writes mode only). */
  files: MountFile[];
  /** One version per file (never empty on success). */
  versions: ObjectVersion[];
  /** What was mounted, for the mount's log line. */
  summary: MountSummary;
}

/** Facts about a mount for logs and metrics (names only, never values). */
export interface MountSummary {
  /** The pod. */
  pod?: PodRef;
  /** SecretProviderClass name. */
  secretProviderClass?: string;
  /** Regions, primary first. */
  regions?: string[];
  /** Identity principal. */
  principal?: string;
  /** Object names. */
  objects?: string[];
  /** Objects served by the failover region. */
  failovers?: number;
}

/**
 * Runs one mount. `summary` is filled in as the mount progresses, so that a
 * failed mount can still be logged with what was known.
 *
 * @throws {MountError} for every failure, with the text for the pod's events.
 */
export async function runMount(
  request: RawMountRequest,
  dependencies: MountDependencies,
  context: CallContext & { summary?: MountSummary },
): Promise<MountResult> {
  const summary = context.summary ?? {};
  const limits = dependencies.limits ?? mountLimits();
  try {
    const decoded = decodeMountRequest(request, { limits });
    summary.pod = decoded.pod;
    summary.secretProviderClass = decoded.secretProviderClass;
    const assumeRole = parseAssumeRole(decoded.parameters, decoded.pod);
    await checkTargetPath(decoded, dependencies);
    const regions = await resolveRegions(
      decoded.parameters,
      () => dependencies.lookupRegion(decoded.pod, context),
    );
    summary.regions = regions;
    const identity = await dependencies.resolveIdentity({
      usePodIdentity: parseUsePodIdentity(decoded.parameters.usePodIdentity),
      tokens: decoded.tokens,
      pod: decoded.pod,
      preferredAddressType: decoded.parameters.preferredAddressType,
      context,
      ...(assumeRole === undefined ? {} : { assumeRole }),
    });
    summary.principal = identity.principal;
    const objects = await readObjects(decoded, regions, { ...dependencies, limits });
    summary.objects = objects.map(objectLabel);
    const selecting = objects.some((object) => object.selector !== undefined);
    const fetched = await fetchObjects(
      objects,
      regions.map((region) => ({ ...dependencies.stores(region, identity), name: region })),
      {
        signal: context.signal,
        deadline: context.deadline,
        concurrency: dependencies.concurrency,
        batch: dependencies.batchPermission(identity),
        limits,
      },
    );
    summary.failovers = fetched.filter((object) => object.regionIndex > 0).length;
    if (selecting) checkSelection(fetched, decoded, { ...dependencies, limits });
    // With a selector the answer holds only what matches now: no version of a
    // match that is gone is echoed back to the driver.
    const output = layOutFiles(
      fetched,
      decoded.defaultMode,
      selecting ? new Map() : decoded.currentVersions,
    );
    if (dependencies.driverWritesSecrets) {
      const size = responseSize(output);
      if (size > dependencies.maxResponseBytes) {
        throw new MountError(
          "LimitExceeded",
          `the mount's files and versions take ${size} bytes, more than the ${dependencies.maxResponseBytes} bytes the CSI driver accepts in one answer (driver flag --max-call-recv-msg-size, provider flag --max-response-bytes)`,
        );
      }
      return { files: output.files, versions: output.versions, summary };
    }
    await dependencies.writeFiles(decoded.targetPath, output.files);
    if (selecting) {
      await dependencies.removeOtherFiles?.(
        decoded.targetPath,
        output.files.map((file) => file.path),
      );
    }
    return { files: [], versions: output.versions, summary };
  } catch (error) {
    throw toMountError(error);
  }
}

/** In provider-writes mode, the target path must be a pod volume we may write into. */
async function checkTargetPath(
  decoded: DecodedMountRequest,
  dependencies: MountDependencies,
): Promise<void> {
  if (dependencies.driverWritesSecrets || !dependencies.checkTargetPath) return;
  try {
    await dependencies.checkTargetPath(decoded.targetPath, decoded.pod);
  } catch (error) {
    throw new MountError(
      "InvalidRequest",
      `invalid mount path ${JSON.stringify(decoded.targetPath)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * The validated objects of a mount (through the cache when there is one,
 * giving the event loop turns while a large class is parsed), held to the
 * object limit, never empty, and every file writable: all before any AWS
 * call.
 */
async function readObjects(
  decoded: DecodedMountRequest,
  regions: string[],
  dependencies: MountDependencies & { limits: MountLimits },
): Promise<readonly MountObject[]> {
  const { limits } = dependencies;
  const options = {
    regions,
    pathTranslation: decoded.parameters.pathTranslation,
    limits: objectsYamlLimits(limits),
  };
  const text = decoded.parameters.objects;
  const objects = await runStepsInSlices(
    dependencies.objectsCache?.parseSteps(text, options) ?? parseMountObjectsSteps(text, options),
  );
  if (objects.length > limits.objects.max) {
    throw new LimitError(limits.objects, `the SecretProviderClass lists ${objects.length} objects`);
  }
  const selectors = objects.filter((object) => object.selector !== undefined).length;
  if (selectors > limits.selectors.max) {
    throw new LimitError(
      limits.selectors,
      `the SecretProviderClass has ${selectors} selectors (path, namePrefix, tags)`,
    );
  }
  if (objects.length === 0) {
    throw new MountError(
      "InvalidObjects",
      "no objects to mount: the objects parameter of the SecretProviderClass lists none",
    );
  }
  for (const object of objects) {
    if (object.selector !== undefined) continue; // its matches are checked once they are known
    for (const fileName of [object.fileName, ...object.jmesFiles.map((jmes) => jmes.fileName)]) {
      const problem = fullPathProblem(decoded.targetPath, fileName, dependencies);
      if (problem !== undefined) {
        throw new MountError(
          "InvalidObjects",
          `file name ${
            JSON.stringify(fileName)
          } of object ${object.spec.objectName} cannot be written: ${problem}`,
        );
      }
    }
  }
  return objects;
}

/**
 * The checks a class with selectors gets once its matches are known: the
 * objects limit over listed and selected objects together, every file safe
 * and distinct (a match colliding with another object's file fails naming
 * both) and writable under the target path.
 */
function checkSelection(
  fetched: readonly FetchedObject[],
  decoded: DecodedMountRequest,
  dependencies: MountDependencies & { limits: MountLimits },
): void {
  const { limits } = dependencies;
  if (fetched.length > limits.objects.max) {
    throw new LimitError(
      limits.objects,
      `the SecretProviderClass lists and selects ${fetched.length} objects`,
    );
  }
  const objects = fetched.map((item) => item.object);
  checkFileSet(fileOwners(objects));
  for (const object of objects) {
    if (object.selectedBy === undefined) continue;
    const problem = fullPathProblem(decoded.targetPath, object.fileName, dependencies);
    if (problem !== undefined) {
      throw new MountError(
        "InvalidObjects",
        `file name ${JSON.stringify(object.fileName)} of ${
          objectLabel(object)
        } cannot be written: ${problem}`,
      );
    }
  }
}
