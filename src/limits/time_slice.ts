/**
 * Time slices for long synchronous work. A mount that extracts a thousand
 * jmesPath values, each within its budget, would still hold the event loop
 * for their sum; between items such work calls {@linkcode TimeSlice.pause},
 * which gives the event loop a turn once the slice has run for `sliceMs`.
 *
 * @module
 */

/** Yields to the event loop after every `sliceMs` of work. */
export class TimeSlice {
  #started = performance.now();
  #sliceMs: number;

  /** Starts a slice now (default length 10 ms). */
  constructor(sliceMs = 10) {
    this.#sliceMs = sliceMs;
  }

  /** Resolves at once while the slice lasts; after it, on a later turn of the event loop. */
  async pause(): Promise<void> {
    if (performance.now() - this.#started < this.#sliceMs) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.#started = performance.now();
  }
}
