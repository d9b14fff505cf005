/**
 * Decoding of the driver's `MountRequest` into typed mount parameters: the
 * Go provider's steps 2 to 10, with its error texts, in its order. Pure: the
 * region lookup from the node is passed in.
 *
 * @module
 */

import { decodeFileMode, decodeStringMap, type GoJsonError, parseGoBool } from "../gocompat/mod.ts";
import {
  type AssumeRoleRequest,
  defaultSessionName,
  isIamRoleArn,
  parseServiceAccountTokens,
  type PodRef,
  type ServiceAccountToken,
  TokenError,
  TOKENS_ATTRIBUTE,
} from "../identity/mod.ts";
import {
  checkLimit,
  LimitError,
  type MountLimits,
  mountLimits,
  utf8Length,
} from "../limits/mod.ts";
import { MountError } from "./mount_error.ts";

/** The request as it arrives over gRPC. */
export interface RawMountRequest {
  /** JSON object of strings: SecretProviderClass parameters plus pod info. */
  attributes: string;
  /** JSON of the nodePublishSecretRef data (may hold tokens on K8s 1.35+). */
  secrets: string;
  /** The pod's volume directory. */
  targetPath: string;
  /** JSON number: the default file mode (the driver sends "420"). */
  permission: string;
  /** Versions of the previous mount (driver v1.5.x rotation only). */
  currentObjectVersion: { id: string; version: string }[];
}

/** SecretProviderClass parameters this provider reads (missing = ""). */
export interface ClassParameters {
  /** Primary region. */
  region: string;
  /** Optional second region. */
  failoverRegion: string;
  /** `/` replacement in file names, "False" to keep slashes. */
  pathTranslation: string;
  /** "true"-like for EKS Pod Identity, else IRSA. */
  usePodIdentity: string;
  /** `ipv4`, `ipv6` or auto, for the Pod Identity agent. */
  preferredAddressType: string;
  /** The YAML list of objects. */
  objects: string;
  /** Role the pod's credentials assume (ours; "" for none). */
  assumeRoleArn: string;
  /** External id of that AssumeRole (ours). */
  assumeRoleExternalId: string;
  /** Session duration of that AssumeRole in seconds, as written (ours). */
  assumeRoleDurationSeconds: string;
  /** Session name of that AssumeRole (ours; default from the pod). */
  assumeRoleSessionName: string;
}

/** A decoded mount request (steps 2–7 of the Go provider). */
export interface DecodedMountRequest {
  /** Absolute directory the files go to. */
  targetPath: string;
  /** The pod. */
  pod: PodRef;
  /** Name of the SecretProviderClass (for logs). */
  secretProviderClass: string;
  /** Class parameters. */
  parameters: ClassParameters;
  /** Tokens by audience. */
  tokens: Map<string, ServiceAccountToken>;
  /** Versions of the previous mount by object id. */
  currentVersions: Map<string, string>;
  /** Default file mode of this request. */
  defaultMode: number;
}

/** Options of {@linkcode decodeMountRequest}. */
export interface DecodeOptions {
  /** Budgets checked before anything is parsed (default: {@linkcode mountLimits}). */
  limits?: Pick<MountLimits, "attributesBytes" | "objectsBytes">;
}

/**
 * Decodes and checks a mount request: target path, attributes, tokens,
 * current versions and the default file mode, in the Go provider's order.
 * The sizes of `attributes`, `secrets` and the `objects` parameter are checked
 * before any of them is parsed.
 *
 * @throws {MountError} with the Go provider's text for the first problem, or
 *   `LimitExceeded` naming the limit and its flag.
 */
export function decodeMountRequest(
  request: RawMountRequest,
  options: DecodeOptions = {},
): DecodedMountRequest {
  const limits = options.limits ?? mountLimits();
  try {
    checkLimit(limits.attributesBytes, utf8Length(request.attributes), "the attributes JSON");
    checkLimit(limits.attributesBytes, utf8Length(request.secrets), "the secrets JSON");
  } catch (error) {
    throw limitExceeded(error);
  }
  if (request.targetPath === "") throw new MountError("InvalidRequest", "Missing mount path");
  const pathProblem = targetPathProblem(request.targetPath);
  if (pathProblem !== undefined) {
    throw new MountError(
      "InvalidRequest",
      `invalid mount path ${JSON.stringify(request.targetPath)}: ${pathProblem}`,
    );
  }
  let attributes: Map<string, string>;
  try {
    attributes = decodeStringMap(request.attributes);
  } catch (error) {
    throw new MountError(
      "InvalidRequest",
      `failed to unmarshal attributes, error: ${(error as GoJsonError).message}`,
    );
  }
  const get = (key: string) => attributes.get(key) ?? "";
  try {
    checkLimit(limits.objectsBytes, utf8Length(get("objects")), "the objects parameter");
  } catch (error) {
    throw limitExceeded(error);
  }
  let tokens: Map<string, ServiceAccountToken>;
  try {
    // The kubelet's tokens (in `secrets`, Kubernetes 1.35+) win: the class's
    // parameters are merged into the attributes, so a tokens attribute may
    // have been written by the application team.
    tokens = parseServiceAccountTokens(tokensFromSecrets(request.secrets) || get(TOKENS_ATTRIBUTE));
  } catch (error) {
    if (error instanceof TokenError) throw new MountError("TokenError", error.message);
    throw error;
  }
  const currentVersions = new Map<string, string>();
  for (const { id, version } of request.currentObjectVersion) currentVersions.set(id, version);
  let defaultMode: number;
  try {
    defaultMode = decodeFileMode(request.permission);
  } catch (error) {
    throw new MountError(
      "InvalidRequest",
      `failed to unmarshal file permission, error: ${(error as GoJsonError).message}`,
    );
  }
  return {
    targetPath: request.targetPath,
    pod: {
      namespace: get("csi.storage.k8s.io/pod.namespace"),
      name: get("csi.storage.k8s.io/pod.name"),
      uid: get("csi.storage.k8s.io/pod.uid"),
      serviceAccount: get("csi.storage.k8s.io/serviceAccount.name"),
    },
    secretProviderClass: get("secretProviderClass"),
    parameters: {
      region: get("region"),
      failoverRegion: get("failoverRegion"),
      pathTranslation: get("pathTranslation"),
      usePodIdentity: get("usePodIdentity"),
      preferredAddressType: get("preferredAddressType"),
      objects: get("objects"),
      assumeRoleArn: get("assumeRoleArn"),
      assumeRoleExternalId: get("assumeRoleExternalId"),
      assumeRoleDurationSeconds: get("assumeRoleDurationSeconds"),
      assumeRoleSessionName: get("assumeRoleSessionName"),
    },
    tokens,
    currentVersions,
    defaultMode,
  };
}

function limitExceeded(error: unknown): unknown {
  return error instanceof LimitError ? new MountError("LimitExceeded", error.message) : error;
}

/**
 * Tokens passed in `secrets` (driver v1.6+ with `serviceAccountTokenInSecrets`
 * on Kubernetes 1.35+). Anything unreadable there is ignored: the Go provider
 * ignores `secrets` altogether.
 */
function tokensFromSecrets(secrets: string): string {
  try {
    return decodeStringMap(secrets).get(TOKENS_ATTRIBUTE) ?? "";
  } catch {
    return "";
  }
}

/** Why a target path is unusable: it must be absolute and free of `..`/NUL. */
function targetPathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return "it must be an absolute path";
  if (path.includes("\0")) return "it contains a NUL byte";
  if (path.split("/").includes("..")) return "it must not contain '..'";
  return undefined;
}

/**
 * The regions of a mount, primary first: `region`, else the one found for the
 * pod's node, plus `failoverRegion` if set.
 *
 * @param lookupRegion finds the region when the class sets none (env
 *   `AWS_REGION`, then the node's `topology.kubernetes.io/region` label).
 * @throws {MountError} with the Go provider's texts.
 */
export async function resolveRegions(
  parameters: Pick<ClassParameters, "region" | "failoverRegion">,
  lookupRegion: () => Promise<string>,
): Promise<string[]> {
  let primary = parameters.region;
  if (primary === "") {
    try {
      primary = await lookupRegion();
    } catch (error) {
      throw new MountError(
        "RegionError",
        `failed to retrieve region from node. error ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  checkRegionName(primary, "region");
  const regions = [primary];
  const failover = parameters.failoverRegion;
  if (failover !== "") {
    checkRegionName(failover, "failoverRegion");
    if (failover === primary) {
      throw new MountError(
        "RegionError",
        `${primary}: failover region cannot be the same as the primary region`,
      );
    }
    regions.push(failover);
  }
  return regions;
}

/**
 * AWS region names: a partition prefix, one to three words and a number
 * (`us-east-1`, `us-gov-west-1`, `eusc-de-east-1`, `us-isob-east-1`). Checked
 * before a region reaches an SDK client, a cache key or a metric label: any
 * other text can only fail later, and would cost a client per distinct value.
 */
const REGION_NAME = /^[a-z]{2,4}(-[a-z]{2,10}){1,3}-[0-9]{1,2}$/;

function checkRegionName(region: string, parameter: string): void {
  if (!REGION_NAME.test(region)) {
    throw new MountError(
      "RegionError",
      `invalid ${parameter} ${JSON.stringify(region.slice(0, 64))}${
        region.length > 64 ? "…" : ""
      }: not an AWS region name`,
    );
  }
}

/**
 * Reads `usePodIdentity`: empty means IRSA; otherwise Go's `strconv.ParseBool`.
 *
 * @throws {MountError} with the Go provider's text for other values.
 */
export function parseUsePodIdentity(value: string): boolean {
  if (value === "") return false;
  const parsed = parseGoBool(value);
  if (parsed === undefined) {
    throw new MountError(
      "InvalidRequest",
      `failed to parse usePodIdentity value, error: strconv.ParseBool: parsing ${
        JSON.stringify(value)
      }: invalid syntax`,
    );
  }
  return parsed;
}

/** `assumeRoleDurationSeconds` when not set, and its range (STS's for AssumeRole). */
export const ASSUME_ROLE_DURATION = { default: 900, min: 900, max: 43_200 };

const EXTERNAL_ID = /^[\w+=,.@:\/-]{2,1224}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * Reads the class's `assumeRole…` parameters (ours): `undefined` without
 * `assumeRoleArn` (the others are then ignored, as the Go provider ignores
 * every parameter it does not know), else what to assume, checked against
 * STS's rules before any call. The session name defaults to the pod's
 * namespace and name.
 *
 * @throws {MountError} `InvalidRequest` naming the parameter (long values cut short).
 */
export function parseAssumeRole(
  parameters: Pick<
    ClassParameters,
    | "assumeRoleArn"
    | "assumeRoleExternalId"
    | "assumeRoleDurationSeconds"
    | "assumeRoleSessionName"
  >,
  pod: PodRef,
): AssumeRoleRequest | undefined {
  const roleArn = parameters.assumeRoleArn;
  if (roleArn === "") return undefined;
  const invalid = (parameter: string, value: string, rule: string) =>
    new MountError(
      "InvalidRequest",
      `invalid ${parameter} ${JSON.stringify(value.slice(0, 64))}${
        value.length > 64 ? "…" : ""
      }: ${rule}`,
    );
  if (!isIamRoleArn(roleArn)) {
    throw invalid("assumeRoleArn", roleArn, "not an IAM role ARN");
  }
  const externalId = parameters.assumeRoleExternalId;
  if (externalId !== "" && !EXTERNAL_ID.test(externalId)) {
    throw invalid(
      "assumeRoleExternalId",
      externalId,
      "2 to 1224 letters, digits and +=,.@:/-_",
    );
  }
  const durationText = parameters.assumeRoleDurationSeconds;
  const duration = durationText === "" ? ASSUME_ROLE_DURATION.default : Number(durationText);
  if (
    durationText !== "" && !/^[0-9]{1,5}$/.test(durationText) ||
    duration < ASSUME_ROLE_DURATION.min || duration > ASSUME_ROLE_DURATION.max
  ) {
    throw invalid(
      "assumeRoleDurationSeconds",
      durationText,
      `a whole number of seconds from ${ASSUME_ROLE_DURATION.min} to ${ASSUME_ROLE_DURATION.max}`,
    );
  }
  const sessionName = parameters.assumeRoleSessionName;
  if (sessionName !== "" && !SESSION_NAME.test(sessionName)) {
    throw invalid("assumeRoleSessionName", sessionName, "2 to 64 letters, digits and +=,.@-_");
  }
  return {
    roleArn,
    externalId,
    durationSeconds: duration,
    sessionName: sessionName || defaultSessionName(pod),
  };
}
