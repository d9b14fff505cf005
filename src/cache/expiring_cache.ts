/**
 * A small cache of values that expire, with one shared load per missing key.
 *
 * @module
 */

import { LruMap } from "./lru_map.ts";

/** Options of {@linkcode ExpiringCache}. */
export interface ExpiringCacheOptions<V> {
  /** When a loaded value stops being served (epoch ms); `undefined` = do not cache it. */
  expiresAt: (value: V, now: number) => number | undefined;
  /** Most entries kept (default 1,024); the least recently used go first. */
  maxEntries?: number;
  /** Clock. */
  now?: () => number;
}

/**
 * Values by key until their expiry. Concurrent `get`s of a missing key share
 * one `load`; failed loads are not cached. The key must name everything the
 * value depends on.
 */
export class ExpiringCache<V> {
  #entries: LruMap<string, { value: V; expiresAt: number }>;
  #inFlight = new Map<string, Promise<V>>();
  #options: Required<ExpiringCacheOptions<V>>;
  /** Hit and miss counts (a join of an in-flight load is a hit). */
  readonly stats = { hits: 0, misses: 0 };

  /** Creates an empty cache. */
  constructor(options: ExpiringCacheOptions<V>) {
    this.#options = {
      expiresAt: options.expiresAt,
      maxEntries: options.maxEntries ?? 1_024,
      now: options.now ?? Date.now,
    };
    this.#entries = new LruMap({ maxEntries: this.#options.maxEntries });
  }

  /** The cached value of `key`, or the result of `load`. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.#options.now();
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.expiresAt > now) {
      this.stats.hits++;
      return Promise.resolve(entry.value);
    }
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) {
      this.stats.hits++;
      return pending;
    }
    this.stats.misses++;
    const promise = load().then((value) => {
      this.set(key, value);
      return value;
    }).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, promise);
    return promise;
  }

  /** The cached, unexpired value of `key`, without loading. */
  peek(key: string): V | undefined {
    const entry = this.#entries.peek(key);
    return entry !== undefined && entry.expiresAt > this.#options.now() ? entry.value : undefined;
  }

  /** Stores a value under the cache's expiry rule. */
  set(key: string, value: V): void {
    const expiresAt = this.#options.expiresAt(value, this.#options.now());
    if (expiresAt !== undefined && expiresAt > this.#options.now()) {
      this.#store(key, value, expiresAt);
    }
  }

  /** Drops one key. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Number of entries held (some may have expired). */
  get size(): number {
    return this.#entries.size;
  }

  #store(key: string, value: V, expiresAt: number): void {
    this.#entries.set(key, { value, expiresAt });
  }
}
