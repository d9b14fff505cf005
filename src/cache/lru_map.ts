/**
 * A map with a bound: at most `maxEntries` entries and at most `maxWeight` in
 * total weight; the least recently used entries go first. Every map keyed by
 * request data is one of these, so no stream of distinct keys can grow memory
 * without bound.
 *
 * @module
 */

/** Options of {@linkcode LruMap}. */
export interface LruMapOptions<K, V> {
  /** Most entries kept. */
  maxEntries: number;
  /** Most total weight kept (default: no weight bound). */
  maxWeight?: number;
  /** Weight of one entry (default 1). An entry heavier than `maxWeight` is not kept. */
  weigh?: (key: K, value: V) => number;
}

/** A least-recently-used map with an entry bound and an optional weight bound. */
export class LruMap<K, V> {
  #entries = new Map<K, { value: V; weight: number }>();
  #weight = 0;
  #options: LruMapOptions<K, V>;

  /** Creates an empty map. */
  constructor(options: LruMapOptions<K, V>) {
    if (!(options.maxEntries >= 1)) throw new RangeError("maxEntries must be at least 1");
    this.#options = options;
  }

  /** The value of `key`, which becomes the most recently used. */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** The value of `key` without touching its recency. */
  peek(key: K): V | undefined {
    return this.#entries.get(key)?.value;
  }

  /** Stores `value` as the most recently used; evicts the least recently used beyond the bounds. */
  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.#options.weigh?.(key, value) ?? 1;
    const maxWeight = this.#options.maxWeight ?? Infinity;
    if (weight > maxWeight) return;
    this.#entries.set(key, { value, weight });
    this.#weight += weight;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.#options.maxEntries && this.#weight <= maxWeight) break;
      this.#entries.delete(oldest);
      this.#weight -= entry.weight;
    }
  }

  /** Removes `key`; true if it was there. */
  delete(key: K): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    this.#weight -= entry.weight;
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    this.#entries.clear();
    this.#weight = 0;
  }

  /** Number of entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** Total weight of the entries. */
  get weight(): number {
    return this.#weight;
  }

  /** Entries from least to most recently used. */
  entries(): IterableIterator<[K, V]> {
    return [...this.#entries].map(([key, entry]) => [key, entry.value] as [K, V]).values();
  }
}
