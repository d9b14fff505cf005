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
    await this.yield();
  }

  /** Gives the event loop a turn now, and starts a new slice after it. */
  async yield(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.#started = performance.now();
  }
}

/**
 * Work that may stop between steps: a generator that yields wherever a turn
 * of the event loop may come. {@linkcode runSteps} runs it at once (pure
 * callers, tests); {@linkcode runStepsInSlices} gives the event loop a turn
 * whenever a slice is over.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end without pausing. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs `steps` to the end, pausing at their yields once `slice` is over. */
export async function runStepsInSlices<T>(steps: Steps<T>, slice = new TimeSlice()): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await slice.pause();
  }
}
