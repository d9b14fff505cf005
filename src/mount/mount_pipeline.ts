/**
 * One mount, end to end: decode the request, find regions and identity,
 * validate the objects, fetch, lay out files, write them (or return them to
 * the driver). Steps and error precedence follow the Go provider.
 *
 * @module
 */

import { type MountObject, ObjectsError, parseMountObjectsSteps } from "../config/mount_objects.ts";
import type { ObjectsCache } from "../config/objects_cache.ts";
import { fullPathProblem } from "../files/full_path.ts";
import { fetchObjects, type RegionStores } from "../fetch/fetch_objects.ts";
import type { BatchPermission } from "../fetch/secrets_manager_fetch.ts";
import { layOutFiles, type MountFile, type ObjectVersion } from "../files/mount_files.ts";
import type { CallContext } from "../identity/kube_lookups.ts";
import type { IdentityRequest, MountIdentity } from "../identity/mount_identity.ts";
import { LimitError, type MountLimits, mountLimits, runStepsInSlices } from "../limits/mod.ts";
import type { Logger } from "../log/logger.ts";
import { MountError } from "./mount_error.ts";
import {
  type DecodedMountRequest,
  decodeMountRequest,
  parseUsePodIdentity,
  type PodInfo,
  type RawMountRequest,
  resolveRegions,
} from "./mount_request.ts";

/** Upper bound of the protobuf size of a MountResponse. */
function responseSize(output: { files: MountFile[]; versions: ObjectVersion[] }): number {
  const encoder = new TextEncoder();
  const field = (bytes: number) => bytes + 11; // tag + length varint, generously
  let size = 0;
  for (const file of output.files) {
    size += field(field(encoder.encode(file.path).length) + 11 + field(file.contents.length));
  }
  for (const version of output.versions) {
    size += field(
      field(encoder.encode(version.id).length) + field(encoder.encode(version.version).length),
    );
  }
  return size;
}

/** What a mount needs from the rest of the provider. */
export interface MountDependencies {
  /** Return files to the driver instead of writing them (`--driver-writes-secrets`). */
  driverWritesSecrets: boolean;
  /** Region when the class sets none: env `AWS_REGION`, else the pod's node label. */
  lookupRegion(pod: PodInfo, context: CallContext): Promise<string>;
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
  checkTargetPath?(targetPath: string, pod: PodInfo): Promise<void>;
  /** Writes files into the mount (provider-writes mode). */
  writeFiles(targetPath: string, files: MountFile[]): Promise<void>;
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
  pod?: PodInfo;
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
  const decoded: DecodedMountRequest = decodeMountRequest(request, { limits });
  summary.pod = decoded.pod;
  summary.secretProviderClass = decoded.secretProviderClass;
  if (!dependencies.driverWritesSecrets && dependencies.checkTargetPath) {
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
  const regions = await resolveRegions(
    decoded.parameters,
    () => dependencies.lookupRegion(decoded.pod, context),
  );
  summary.regions = regions;
  const usePodIdentity = parseUsePodIdentity(decoded.parameters.usePodIdentity);
  const identity = await dependencies.resolveIdentity({
    usePodIdentity,
    tokens: decoded.tokens,
    pod: decoded.pod,
    preferredAddressType: decoded.parameters.preferredAddressType,
    context,
  });
  summary.principal = identity.principal;
  const objects = await parseObjects(decoded, regions, dependencies);
  summary.objects = objects.map((object) => object.spec.objectName);
  if (objects.length > limits.objects.max) {
    throw new MountError(
      "LimitExceeded",
      new LimitError(
        limits.objects,
        `the SecretProviderClass lists ${objects.length} objects`,
      ).message,
    );
  }
  if (objects.length === 0) {
    throw new MountError(
      "InvalidObjects",
      "no objects to mount: the objects parameter of the SecretProviderClass lists none",
    );
  }
  checkFullPaths(decoded.targetPath, objects, dependencies.driverWritesSecrets);
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
  const output = layOutFiles(fetched, decoded.defaultMode, decoded.currentVersions);
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
  try {
    await dependencies.writeFiles(decoded.targetPath, output.files);
  } catch (error) {
    throw new MountError("WriteError", (error as Error).message, { cause: error });
  }
  return { files: [], versions: output.versions, summary };
}

/**
 * The validated objects of a mount, through the cache when there is one.
 * Parsing a large class gives the event loop turns on the way.
 */
async function parseObjects(
  decoded: DecodedMountRequest,
  regions: string[],
  dependencies: MountDependencies,
): Promise<readonly MountObject[]> {
  const limits = dependencies.limits ?? mountLimits();
  const options = {
    regions,
    pathTranslation: decoded.parameters.pathTranslation,
    limits: {
      nodes: limits.objectsNodes,
      depth: limits.objectsDepth,
      aliases: limits.objectsAliases,
    },
  };
  const text = decoded.parameters.objects;
  try {
    return await runStepsInSlices(
      dependencies.objectsCache?.parseSteps(text, options) ?? parseMountObjectsSteps(text, options),
    );
  } catch (error) {
    if (error instanceof ObjectsError) throw new MountError("InvalidObjects", error.message);
    if (error instanceof LimitError) throw new MountError("LimitExceeded", error.message);
    throw error;
  }
}

/**
 * Every file's full path must be writable (PATH_MAX), checked before any AWS
 * call: the target path plus what the writer adds (provider-writes mode) or
 * the driver's timestamped directory (driver-writes mode).
 */
function checkFullPaths(
  targetPath: string,
  objects: readonly MountObject[],
  driverWritesSecrets: boolean,
): void {
  for (const object of objects) {
    for (const fileName of [object.fileName, ...object.jmesFiles.map((jmes) => jmes.fileName)]) {
      const problem = fullPathProblem(targetPath, fileName, { driverWritesSecrets });
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
}
