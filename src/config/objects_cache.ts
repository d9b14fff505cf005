/**
 * A cache of parsed and validated `objects` lists. Kubelet re-mounts every
 * pod's volumes every minute or two with the same SecretProviderClass, so the
 * same text is parsed again and again; parsing is pure, so its result (or its
 * error) can be reused as is.
 *
 * @module
 */

import {
  type MountObject,
  ObjectsError,
  parseMountObjects,
  type ParseMountObjectsOptions,
} from "./mount_objects.ts";

/** Classes kept (least recently used dropped first). */
const MAX_ENTRIES = 256;
/** Longer `objects` texts are not cached (they would hold too much memory). */
const MAX_TEXT_LENGTH = 64 * 1024;

type Entry = { objects: readonly MountObject[] } | { error: string };

const entries = new Map<string, Entry>();

/** Cache statistics (for tests and metrics). */
export const objectsCacheStats = { hits: 0, misses: 0 };

/**
 * {@linkcode parseMountObjects} with a cache. The returned list and its
 * objects are shared between mounts: callers must not modify them.
 *
 * @throws {ObjectsError} as `parseMountObjects` does.
 */
export function parseMountObjectsCached(
  objectsText: string,
  options: ParseMountObjectsOptions,
): readonly MountObject[] {
  if (objectsText.length > MAX_TEXT_LENGTH) return parseMountObjects(objectsText, options);
  const key = JSON.stringify([objectsText, options.regions, options.pathTranslation]);
  let entry = entries.get(key);
  if (entry === undefined) {
    objectsCacheStats.misses++;
    try {
      entry = { objects: parseMountObjects(objectsText, options) };
    } catch (error) {
      if (!(error instanceof ObjectsError)) throw error;
      entry = { error: error.message };
    }
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  } else {
    objectsCacheStats.hits++;
    entries.delete(key);
  }
  entries.set(key, entry);
  if ("error" in entry) throw new ObjectsError(entry.error);
  return entry.objects;
}
