/**
 * One mount, end to end: decode the request, find regions and identity,
 * validate the objects, fetch, lay out files, write them (or return them to
 * the driver). Steps and error precedence follow the Go provider.
 *
 * @module
 */

import { type MountObject, ObjectsError } from "../config/mount_objects.ts";
import { parseMountObjectsCached } from "../config/objects_cache.ts";
import { fetchObjects, type RegionStores } from "../fetch/fetch_objects.ts";
import type { BatchPermission } from "../fetch/secrets_manager_fetch.ts";
import { layOutFiles, type MountFile, type ObjectVersion } from "../files/mount_files.ts";
import type { CallContext } from "../identity/kube_lookups.ts";
import type { IdentityRequest, MountIdentity } from "../identity/mount_identity.ts";
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

/** Most objects in one mount. */
export const MAX_OBJECTS = 1_000;
/** Largest single value (Secrets Manager allows 64 KiB, SSM 8 KiB). */
export const MAX_VALUE_BYTES = 1024 * 1024;

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
  /** Writes files into the mount (provider-writes mode). */
  writeFiles(targetPath: string, files: MountFile[]): Promise<void>;
  /** Most AWS calls in flight per region per mount. */
  concurrency: number;
  /** Largest answer in driver-writes mode (the driver's gRPC receive limit). */
  maxResponseBytes: number;
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
  const decoded: DecodedMountRequest = decodeMountRequest(request);
  summary.pod = decoded.pod;
  summary.secretProviderClass = decoded.secretProviderClass;
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
  let objects: readonly MountObject[];
  try {
    objects = parseMountObjectsCached(decoded.parameters.objects, {
      regions,
      pathTranslation: decoded.parameters.pathTranslation,
    });
  } catch (error) {
    if (error instanceof ObjectsError) throw new MountError("InvalidObjects", error.message);
    throw error;
  }
  summary.objects = objects.map((object) => object.spec.objectName);
  if (objects.length > MAX_OBJECTS) {
    throw new MountError(
      "InvalidObjects",
      `the SecretProviderClass lists ${objects.length} objects; at most ${MAX_OBJECTS} can be mounted`,
    );
  }
  if (objects.length === 0) {
    throw new MountError(
      "InvalidObjects",
      "no objects to mount: the objects parameter of the SecretProviderClass lists none",
    );
  }
  const fetched = await fetchObjects(
    objects,
    regions.map((region) => ({ ...dependencies.stores(region, identity), name: region })),
    {
      signal: context.signal,
      deadline: context.deadline,
      concurrency: dependencies.concurrency,
      batch: dependencies.batchPermission(identity),
    },
  );
  summary.failovers = fetched.filter((object) => object.regionIndex > 0).length;
  for (const { object, bytes } of fetched) {
    if (bytes.length > MAX_VALUE_BYTES) {
      throw new MountError(
        "TooLarge",
        `the value of ${object.spec.objectName} is ${bytes.length} bytes; at most ${MAX_VALUE_BYTES} are accepted`,
      );
    }
  }
  const output = layOutFiles(fetched, decoded.defaultMode, decoded.currentVersions);
  if (dependencies.driverWritesSecrets) {
    const size = responseSize(output);
    if (size > dependencies.maxResponseBytes) {
      throw new MountError(
        "TooLarge",
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
