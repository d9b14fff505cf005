/**
 * A cache of parsed and validated `objects` lists. Kubelet re-mounts every
 * pod's volumes every minute or two with the same SecretProviderClass, so the
 * same text is parsed again and again; parsing is pure, so its result (or its
 * error) can be reused as is.
 *
 * The key is request data, so the cache is bounded twice: by entries and by
 * the total length of the texts it holds (a parsed list takes memory in
 * proportion to its text).
 *
 * @module
 */

import { LruMap } from "../cache/mod.ts";
import { LimitError, runSteps, type Steps } from "../limits/mod.ts";
import {
  type MountObject,
  ObjectsError,
  type ParseMountObjectsOptions,
  parseMountObjectsSteps,
} from "./mount_objects.ts";

type Entry = { objects: readonly MountObject[] } | { error: string } | { limit: LimitError };

/** Options of {@linkcode ObjectsCache}. */
export interface ObjectsCacheOptions {
  /** Most classes kept (default 256). */
  maxEntries?: number;
  /** Most total text kept, in UTF-16 code units (default 4 Mi); longer texts are never kept. */
  maxTextLength?: number;
}

/** Parsed `objects` lists by text, regions and path translation, least recently used dropped first. */
export class ObjectsCache {
  #entries: LruMap<string, Entry>;
  /** Hits and misses (for tests and metrics). */
  readonly stats = { hits: 0, misses: 0 };

  /** Creates an empty cache. */
  constructor(options: ObjectsCacheOptions = {}) {
    this.#entries = new LruMap({
      maxEntries: options.maxEntries ?? 256,
      maxWeight: options.maxTextLength ?? 4 * 1024 * 1024,
      weigh: (key) => key.length,
    });
  }

  /**
   * {@linkcode parseMountObjects} through the cache. The returned list and its
   * objects are shared between mounts: callers must not modify them.
   *
   * @throws {ObjectsError} as `parseMountObjects` does (also from the cache).
   * @throws {LimitError} when the text goes over a YAML limit (also from the
   *   cache: a hostile class sent again costs nothing).
   */
  parse(objectsText: string, options: ParseMountObjectsOptions): readonly MountObject[] {
    return runSteps(this.parseSteps(objectsText, options));
  }

  /** {@linkcode ObjectsCache.parse} as steps that may pause while a new class is parsed. */
  *parseSteps(
    objectsText: string,
    options: ParseMountObjectsOptions,
  ): Steps<readonly MountObject[]> {
    const key = JSON.stringify([objectsText, options.regions, options.pathTranslation]);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      this.stats.misses++;
      try {
        entry = { objects: yield* parseMountObjectsSteps(objectsText, options) };
      } catch (error) {
        if (error instanceof ObjectsError) entry = { error: error.message };
        else if (error instanceof LimitError) entry = { limit: error };
        else throw error;
      }
      this.#entries.set(key, entry);
    } else {
      this.stats.hits++;
    }
    if ("error" in entry) throw new ObjectsError(entry.error);
    if ("limit" in entry) throw entry.limit;
    return entry.objects;
  }

  /** Number of classes kept. */
  get size(): number {
    return this.#entries.size;
  }
}
