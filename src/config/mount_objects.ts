/**
 * Validation of the `objects` list: the Go provider's rules and exact error
 * texts, in its order, followed by our own checks that every file lands inside
 * the mount and that no two files share a name.
 *
 * @module
 */

import { isArn, parseArn } from "./arn.ts";
import { filePathProblem } from "./file_path_rules.ts";
import {
  type ObjectEncoding,
  objectEncodingProblem,
  parseObjectEncoding,
} from "./object_encoding.ts";
import { decodeObjectsSteps, ObjectsDecodeError, type ObjectSpec } from "./objects_decode.ts";
import {
  isSelectorSpec,
  matchFileName,
  parseSelector,
  type Selector,
  selectorLabel,
} from "./selector.ts";
import { runSteps, type Steps } from "../limits/mod.ts";
import type { YamlLimits } from "../gocompat/mod.ts";
import {
  parsePathTranslation,
  type PathTranslation,
  translateFileName,
} from "./path_translation.ts";

/** The two stores an object can come from. */
export type ObjectType = "secretsmanager" | "ssmparameter";

/** A file derived from a JSON secret by a `jmesPath` entry. */
export interface JmesFile {
  /** The JMESPath expression. */
  path: string;
  /** The entry's `objectAlias` as written. */
  alias: string;
  /** File name (the entry's alias after path translation). */
  fileName: string;
  /** Mode from the entry, else the object's, else `undefined` (request default). */
  mode: number | undefined;
  /** How the extracted value is encoded; absent for `utf-8` (the value as extracted). */
  encoding?: ObjectEncoding;
}

/** What to ask one region for. */
export interface RegionRequest {
  /** Secret id / parameter name (the failover object's name in the failover region). */
  name: string;
  /** Version id (Secrets Manager) or number (SSM), or "". */
  version: string;
  /** Version stage (Secrets Manager) or label (SSM), or "". */
  label: string;
}

/** One validated object of a mount. */
export interface MountObject {
  /** The object as written in the SecretProviderClass. */
  spec: ObjectSpec;
  /** The store it comes from. */
  type: ObjectType;
  /** File name inside the mount (alias or name, after path translation). */
  fileName: string;
  /** Mode from `filePermission`, or `undefined` for the request default. */
  mode: number | undefined;
  /** Extra files extracted with JMESPath. */
  jmesFiles: JmesFile[];
  /** Request per region, in region order (primary first). */
  regions: RegionRequest[];
  /** How the value is encoded; absent for `utf-8` (the bytes as fetched). */
  encoding?: ObjectEncoding;
  /**
   * Present on a selector entry, which has no file of its own: its matches
   * (from {@linkcode selectedObject}) are the objects mounted.
   */
  selector?: Selector;
  /** The selector entry this object matched, when it was selected rather than listed. */
  selectedBy?: MountObject;
}

/** An invalid `objects` list or `pathTranslation`; the message is for the pod's events. */
export class ObjectsError extends Error {
  /** Creates the error with the user-facing text. */
  constructor(message: string) {
    super(message);
    this.name = "ObjectsError";
  }
}

const TYPE_BY_SERVICE = new Map<string, ObjectType>([
  ["secretsmanager", "secretsmanager"],
  ["ssmparameter", "ssmparameter"],
  ["ssm", "ssmparameter"],
]);

const FILE_PERMISSION = /^[0-7]{4}$/;
const BAD_PATH = /(\/\.\.\/)|(^\.\.\/)|(\/\.\.$)/;

/** Options of {@linkcode parseMountObjects}. */
export interface ParseMountObjectsOptions {
  /** Regions of the mount, primary first (one or two). */
  regions: string[];
  /** The raw `pathTranslation` parameter. */
  pathTranslation: string;
  /** Budgets of the YAML (default: the provider's default limits). */
  limits?: YamlLimits;
}

/**
 * Parses and validates the `objects` parameter.
 *
 * @throws {ObjectsError} with the Go provider's text for the first problem.
 */
export function parseMountObjects(
  objectsText: string,
  options: ParseMountObjectsOptions,
): MountObject[] {
  return runSteps(parseMountObjectsSteps(objectsText, options));
}

/**
 * {@linkcode parseMountObjects} as steps: it may pause while the YAML is
 * read and between decoding and validation, so a caller can give the event
 * loop a turn during a large class.
 */
export function* parseMountObjectsSteps(
  objectsText: string,
  options: ParseMountObjectsOptions,
): Steps<MountObject[]> {
  let translation: PathTranslation;
  try {
    translation = parsePathTranslation(options.pathTranslation);
  } catch (error) {
    throw new ObjectsError((error as Error).message);
  }
  let specs: (ObjectSpec | null)[];
  try {
    specs = yield* decodeObjectsSteps(objectsText, { limits: options.limits });
  } catch (error) {
    if (error instanceof ObjectsDecodeError) {
      throw new ObjectsError(`Failed to load SecretProviderClass: ${error.message}`);
    }
    throw error;
  }
  yield;
  const objects: MountObject[] = [];
  const seenNames = new Map<string, ObjectSpec>();
  const seenAliases = new Set<string>();
  for (const spec of specs) {
    if (spec === null) throw new ObjectsError("Empty descriptor entry in SecretProviderClass");
    if (isSelectorSpec(spec)) {
      objects.push(toSelectorObject(spec, options.regions, translation));
      continue;
    }
    const problem = validateSpec(spec, options.regions, translation) ?? encodingProblem(spec);
    if (problem !== undefined) throw new ObjectsError(problem);
    checkDuplicates(spec, seenNames, seenAliases);
    objects.push(toMountObject(spec, options.regions, translation));
  }
  checkFilePaths(objects);
  return objects;
}

/** Our check of `objectEncoding` on an object and its jmesPath entries (after the Go rules). */
function encodingProblem(spec: ObjectSpec): string | undefined {
  if (parseObjectEncoding(spec.objectEncoding) === undefined) {
    return objectEncodingProblem(spec.objectEncoding!, `object ${spec.objectName}`);
  }
  for (const entry of spec.jmesPath) {
    if (parseObjectEncoding(entry.objectEncoding) === undefined) {
      return objectEncodingProblem(
        entry.objectEncoding!,
        `jmesPath entry ${entry.objectAlias} of object ${spec.objectName}`,
      );
    }
  }
  return undefined;
}

/** A selector entry, checked: no file of its own, one selector. */
function toSelectorObject(
  spec: ObjectSpec,
  regions: string[],
  translation: PathTranslation,
): MountObject {
  const parsed = parseSelector(spec, translation);
  if ("problem" in parsed) throw new ObjectsError(parsed.problem);
  const { selector } = parsed;
  if (spec.filePermission !== "" && !FILE_PERMISSION.test(spec.filePermission)) {
    throw new ObjectsError(`Invalid File Permission: ${spec.filePermission}`);
  }
  const encoding = parseObjectEncoding(spec.objectEncoding);
  if (encoding === undefined) {
    throw new ObjectsError(
      objectEncodingProblem(spec.objectEncoding!, `the selector ${selectorLabel(selector)}`),
    );
  }
  return {
    spec,
    type: selector.store,
    fileName: "",
    mode: parseMode(spec.filePermission),
    jmesFiles: [],
    regions: regions.map(() => ({ name: "", version: "", label: "" })),
    ...(encoding === "utf-8" ? {} : { encoding }),
    selector,
  };
}

/**
 * The object a selector's match is mounted as: exactly as if it had been
 * listed by name without an alias (file name from `pathTranslation`, the
 * selector's `filePermission` and `objectEncoding`, the current version).
 */
export function selectedObject(selectorObject: MountObject, name: string): MountObject {
  const selector = selectorObject.selector!;
  const spec: ObjectSpec = {
    objectName: name,
    objectAlias: "",
    objectVersion: "",
    objectVersionLabel: "",
    objectType: selectorObject.type,
    filePermission: selectorObject.spec.filePermission,
    jmesPath: [],
    failoverObject: { objectName: "", objectVersion: "", objectVersionLabel: "" },
  };
  return {
    spec,
    type: selectorObject.type,
    fileName: matchFileName(selector, name),
    mode: selectorObject.mode,
    jmesFiles: [],
    regions: selectorObject.regions.map(() => ({ name, version: "", label: "" })),
    ...(selectorObject.encoding === undefined ? {} : { encoding: selectorObject.encoding }),
    selectedBy: selectorObject,
  };
}

/**
 * How an object is named in logs and errors: its name; a selector by what
 * it selects; a match by its name and its selector.
 */
export function objectLabel(object: MountObject): string {
  if (object.selector !== undefined) return selectorLabel(object.selector);
  if (object.selectedBy?.selector !== undefined) {
    const kind = object.type === "ssmparameter" ? "parameter" : "secret";
    return `${kind} ${object.spec.objectName} selected by ${
      selectorLabel(object.selectedBy.selector)
    }`;
  }
  return object.spec.objectName;
}

function objectTypeOf(spec: ObjectSpec): ObjectType {
  const type = spec.objectType !== "" ? spec.objectType : spec.objectName.split(":")[2];
  // Go's map lookup yields the zero value (ssmparameter) for unknown services.
  return TYPE_BY_SERVICE.get(type) ?? "ssmparameter";
}

function validateSpec(
  spec: ObjectSpec,
  regions: string[],
  translation: PathTranslation,
): string | undefined {
  if (spec.objectName === "") return "Object name must be specified";
  const nameProblem = validateObjectName(spec.objectName, spec.objectType, regions[0]);
  if (nameProblem !== undefined) return nameProblem;
  const ssm = objectTypeOf(spec) === "ssmparameter";
  if (ssm && spec.objectVersion !== "" && spec.objectVersionLabel !== "") {
    return `ssm parameters can not specify both objectVersion and objectVersionLabel: ${spec.objectName}`;
  }
  if (BAD_PATH.test(translateFileName(fileNameSource(spec), translation))) {
    return `path can not contain ../: ${spec.objectName}`;
  }
  if (spec.filePermission !== "" && !FILE_PERMISSION.test(spec.filePermission)) {
    return `Invalid File Permission: ${spec.filePermission}`;
  }
  for (const entry of spec.jmesPath) {
    if (entry.path === "") return "Path must be specified for JMES object";
    if (entry.objectAlias === "") return "Object alias must be specified for JMES object";
    if (entry.filePermission !== "" && !FILE_PERMISSION.test(entry.filePermission)) {
      return `Invalid File Permission: ${entry.filePermission}`;
    }
  }
  const failover = spec.failoverObject;
  if (failover.objectName !== "") {
    if (spec.objectAlias === "") {
      return `object alias must be specified for objects with failover entries: ${spec.objectName}`;
    }
    if (regions.length < 2) {
      return `failover object allowed only when failover region is defined: ${spec.objectName}`;
    }
    const failoverProblem = validateObjectName(failover.objectName, spec.objectType, regions[1]);
    if (failoverProblem !== undefined) return failoverProblem;
    if (ssm && failover.objectVersion !== "" && failover.objectVersionLabel !== "") {
      return `ssm parameters can not specify both objectVersion and objectVersionLabel: ${spec.objectName}`;
    }
    if (failover.objectVersion !== spec.objectVersion) {
      return `object versions must match between primary and failover regions: ${spec.objectName}`;
    }
  }
  return undefined;
}

/**
 * The Go provider's name check of an object name against its type and the
 * region it is fetched from; returns the error text or `undefined`.
 */
export function validateObjectName(
  name: string,
  objectType: string,
  region: string,
): string | undefined {
  const hasArn = isArn(name);
  const arn = hasArn ? parseArn(name) : undefined;
  if (hasArn && arn === undefined) return `Invalid ARN format in object name: ${name}`;
  if (arn !== undefined && arn.region !== region) {
    return `ARN region must match region ${region}: ${name}`;
  }
  if (objectType === "" && !hasArn) {
    return `Must use objectType when a full ARN is not specified: ${name}`;
  }
  const service = arn?.service ?? "";
  if (objectType === "" && !TYPE_BY_SERVICE.has(service)) {
    return `Invalid service in ARN: ${service}`;
  }
  if (objectType !== "" && (!TYPE_BY_SERVICE.has(objectType) || objectType === "ssm")) {
    return `Invalid objectType: ${objectType}`;
  }
  if (objectType !== "" && hasArn) {
    const arnType = TYPE_BY_SERVICE.get(service) ?? "ssmparameter";
    if (TYPE_BY_SERVICE.get(objectType) !== arnType) {
      return `objectType does not match ARN: ${name}`;
    }
  }
  return undefined;
}

/** The Go provider's duplicate-name and duplicate-alias checks for one object. */
function checkDuplicates(
  spec: ObjectSpec,
  seenNames: Map<string, ObjectSpec>,
  seenAliases: Set<string>,
): void {
  const found = seenNames.get(spec.objectName);
  if (found !== undefined) {
    const prefix = `found descriptor with duplicate object name ${spec.objectName}`;
    const alias = spec.objectAlias !== "";
    const foundAlias = found.objectAlias !== "";
    const label = spec.objectVersionLabel !== "";
    const foundLabel = found.objectVersionLabel !== "";
    const sameAlias = spec.objectAlias === found.objectAlias;
    const sameLabel = spec.objectVersionLabel === found.objectVersionLabel;
    if (alias && foundAlias && !label && !foundLabel && sameAlias) {
      throw new ObjectsError(
        `${prefix}, duplicate object alias ${spec.objectAlias}, and no version label`,
      );
    }
    if (!alias && !foundAlias && label && foundLabel && sameLabel) {
      throw new ObjectsError(
        `${prefix}, no object alias, and duplicate version label ${spec.objectVersionLabel}`,
      );
    }
    if (alias && foundAlias && label && foundLabel && sameAlias && sameLabel) {
      throw new ObjectsError(
        `${prefix}, duplicate object alias ${spec.objectAlias}, and duplicate version label ${spec.objectVersionLabel}`,
      );
    }
    if (!alias && !foundAlias && !label && !foundLabel) {
      throw new ObjectsError(`${prefix}, no object alias, and no version label`);
    }
  }
  seenNames.set(spec.objectName, spec);
  if (seenAliases.has(spec.objectAlias)) {
    throw new ObjectsError(`found duplicate object alias ${spec.objectAlias}`);
  }
  if (spec.objectAlias !== "") seenAliases.add(spec.objectAlias);
  for (const entry of spec.jmesPath) {
    if (seenAliases.has(entry.objectAlias)) {
      throw new ObjectsError(
        `Name already in use for objectAlias: found duplicate object alias ${entry.objectAlias} in JMES path entry ${entry.path}`,
      );
    }
    seenAliases.add(entry.objectAlias);
  }
}

function fileNameSource(spec: ObjectSpec): string {
  return spec.objectAlias !== "" ? spec.objectAlias : spec.objectName;
}

function parseMode(permission: string): number | undefined {
  return permission === "" ? undefined : parseInt(permission, 8);
}

function toMountObject(
  spec: ObjectSpec,
  regions: string[],
  translation: PathTranslation,
): MountObject {
  const mode = parseMode(spec.filePermission);
  const failover = spec.failoverObject;
  const encoding = parseObjectEncoding(spec.objectEncoding);
  return {
    spec,
    type: objectTypeOf(spec),
    fileName: translateFileName(fileNameSource(spec), translation),
    mode,
    jmesFiles: spec.jmesPath.map((entry) => {
      const encoding = parseObjectEncoding(entry.objectEncoding);
      return {
        path: entry.path,
        alias: entry.objectAlias,
        fileName: translateFileName(entry.objectAlias, translation),
        mode: parseMode(entry.filePermission) ?? mode,
        ...(encoding === "utf-8" ? {} : { encoding }),
      };
    }),
    regions: regions.map((_, index) => {
      const inFailover = index > 0;
      // In the failover region each non-empty failoverObject field replaces its primary twin.
      const pick = (primary: string, alternate: string) =>
        inFailover && alternate !== "" ? alternate : primary;
      return {
        name: pick(spec.objectName, failover.objectName),
        version: pick(spec.objectVersion, failover.objectVersion),
        label: pick(spec.objectVersionLabel, failover.objectVersionLabel),
      };
    }),
    ...(encoding === "utf-8" || encoding === undefined ? {} : { encoding }),
  };
}

/** A file of a mount and who it belongs to, for {@linkcode checkFileSet}. */
export interface FileOwner {
  /** File name inside the mount. */
  fileName: string;
  /** The object (or jmesPath entry, or match) that writes it, as errors name it. */
  owner: string;
}

/** The files of `objects` (each object's file, then its jmesPath files), with their owners. */
export function fileOwners(objects: readonly MountObject[]): FileOwner[] {
  return objects.filter((object) => object.selector === undefined).flatMap((object) => {
    const owner = objectLabel(object);
    return [
      { fileName: object.fileName, owner: object.selectedBy ? owner : `object ${owner}` },
      ...object.jmesFiles.map((jmes) => ({
        fileName: jmes.fileName,
        owner: `jmesPath ${jmes.path} of object ${owner}`,
      })),
    ];
  });
}

/** Our checks: every file path is safe, and no two files (or a file and a directory) collide. */
function checkFilePaths(objects: MountObject[]): void {
  checkFileSet(fileOwners(objects));
}

/**
 * Checks that every file path is safe and that no two files (or a file and a
 * directory another file needs) collide; the error names both owners.
 *
 * @throws {ObjectsError} for the first problem.
 */
export function checkFileSet(files: readonly FileOwner[]): void {
  const owners = new Map<string, string>();
  for (const { fileName, owner } of files) {
    const problem = filePathProblem(fileName);
    if (problem !== undefined) {
      throw new ObjectsError(
        `file name ${JSON.stringify(fileName)} of ${owner} is not allowed: ${problem}`,
      );
    }
    const other = owners.get(fileName);
    if (other !== undefined) {
      throw new ObjectsError(
        `${other} and ${owner} would both be written to the file ${JSON.stringify(fileName)}`,
      );
    }
    owners.set(fileName, owner);
  }
  for (const { fileName, owner } of files) {
    const parts = fileName.split("/");
    for (let i = 1; i < parts.length; i++) {
      const directory = parts.slice(0, i).join("/");
      const other = owners.get(directory);
      if (other !== undefined) {
        throw new ObjectsError(
          `${other} is written to the file ${
            JSON.stringify(directory)
          }, which ${owner} needs as a directory`,
        );
      }
    }
  }
}
