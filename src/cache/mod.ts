/**
 * Bounded caches. Every map keyed by request data is one of these: a
 * least-recently-used map with an entry (and optional weight) bound, and an
 * expiring cache that shares one load per missing key.
 *
 * @module
 */

export * from "./expiring_cache.ts";
export * from "./lru_map.ts";
