/**
 * The files and object versions of a mount, derived from the fetched values.
 *
 * @module
 */

import type { FetchedObject } from "../fetch/mod.ts";
import type { MountFile } from "../files/mod.ts";

/** An object version as reported to the driver. */
export interface ObjectVersion {
  /** The file name. */
  id: string;
  /** SM version id or SSM version number. */
  version: string;
}

/** Files and versions of a mount. */
export interface MountOutput {
  /** Files in fetch order: each object's file, then its jmesPath files. */
  files: MountFile[];
  /** One version per file, then untouched versions from the request. */
  versions: ObjectVersion[];
}

/**
 * Lays out the files of a mount: names from the objects, modes from
 * `filePermission` (jmesPath entries fall back to their object's, everything
 * to `defaultMode`), and a version per file (jmesPath files carry their
 * object's version). Versions the driver sent for ids this mount does not
 * produce are echoed back, as the Go provider does.
 */
export function layOutFiles(
  fetched: FetchedObject[],
  defaultMode: number,
  currentVersions: Map<string, string>,
): MountOutput {
  const files: MountFile[] = [];
  const versions = new Map(currentVersions);
  const produced: ObjectVersion[] = [];
  for (const { object, bytes, version, jmesValues } of fetched) {
    files.push({ path: object.fileName, mode: object.mode ?? defaultMode, contents: bytes });
    produced.push({ id: object.fileName, version });
    object.jmesFiles.forEach((jmes, i) => {
      files.push({ path: jmes.fileName, mode: jmes.mode ?? defaultMode, contents: jmesValues[i] });
      produced.push({ id: jmes.fileName, version });
    });
  }
  for (const { id } of produced) versions.delete(id);
  return {
    files,
    versions: [...produced, ...[...versions].map(([id, version]) => ({ id, version }))],
  };
}

/**
 * An upper bound of the protobuf size of the MountResponse that carries
 * `output` (driver-writes mode), to refuse an answer the driver could not
 * receive before sending it.
 */
export function responseSize(output: MountOutput): number {
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
