/**
 * The work budget of one jmesPath evaluation. A short expression can ask for
 * work exponential in its length (`[@,@]` piped twenty times, then
 * `to_string(@)`), so the evaluator charges every step before taking it and
 * stops with a {@linkcode LimitError} the moment the budget is passed, never
 * after the damage:
 *
 * - 1 step per AST node visited, per array element or object entry iterated
 *   or produced, per node pair compared for equality, per sort comparison
 *   and per element moved by a sort;
 * - 1 step per {@linkcode CHARS_PER_STEP} UTF-16 units of string that
 *   native code reads or writes (comparison, search, copy, join), and per
 *   {@linkcode SCANNED_CHARS_PER_STEP} units that a loop of ours walks
 *   (sizes, escapes, reversal, code point order, number syntax).
 *
 * The units are chosen so that the default budget (100,000 steps) is well
 * under 50 ms of CPU on a small machine for any expression and any secret
 * (`src/fetch/jmes/extract_bench.ts` measures the worst cases found). Strings
 * are also held to the value limit: a `to_string` or `join` result is sized
 * before it is built, and refused when it is over.
 *
 * @module
 */

import { type Limit, LimitError } from "../../limits/mod.ts";

/** UTF-16 units of native string work (compare, search, copy) that cost one step. */
export const CHARS_PER_STEP = 32;

/** UTF-16 units walked by a loop of ours that cost one step (a loop is slower than native code). */
export const SCANNED_CHARS_PER_STEP = 8;

/** The limits one evaluation is held to, and how its errors name it. */
export interface JmesBudgetOptions {
  /** Most steps. */
  work: Limit;
  /** Largest string, in UTF-8 bytes. */
  valueBytes: Limit;
  /** Names the expression in errors: `jmesPath "a.b" of object db (alias x)`. */
  subject: string;
}

/**
 * Counts the steps of one evaluation and refuses strings over the value
 * limit.
 *
 * @example
 * ```ts
 * const budget = JmesBudget.fromLimits(mountLimits(), 'jmesPath "a" of object db (alias x)');
 * budget.charge(3);
 * budget.used; // 3
 * ```
 */
export class JmesBudget {
  #used = 0;
  readonly #max: number;

  /** A budget with nothing used yet. */
  constructor(readonly options: JmesBudgetOptions) {
    this.#max = options.work.max;
  }

  /** A budget of the work and value limits of `limits`. */
  static fromLimits(
    limits: { jmesPathWork: Limit; valueBytes: Limit },
    subject: string,
  ): JmesBudget {
    return new JmesBudget({ work: limits.jmesPathWork, valueBytes: limits.valueBytes, subject });
  }

  /** Steps used so far. */
  get used(): number {
    return this.#used;
  }

  /** Largest string allowed, in UTF-8 bytes. */
  get maxStringBytes(): number {
    return this.options.valueBytes.max;
  }

  /**
   * Takes `steps` from the budget.
   *
   * @throws {LimitError} (`jmesPathWork`) when that passes the budget.
   */
  charge(steps: number): void {
    this.#used += steps;
    if (this.#used > this.#max) {
      // Stays over: a caller that catches and goes on fails at its next step.
      throw new LimitError(
        this.options.work,
        `${this.options.subject} needed more evaluation steps than allowed`,
      );
    }
  }

  /** Takes the steps of native code reading or writing `units` UTF-16 units (at least one). */
  chargeChars(units: number): void {
    this.charge(1 + Math.floor(units / CHARS_PER_STEP));
  }

  /** Takes the steps of a loop of ours walking `units` UTF-16 units (at least one). */
  chargeScan(units: number): void {
    this.charge(1 + Math.floor(units / SCANNED_CHARS_PER_STEP));
  }

  /**
   * Refuses a string of `bytes` UTF-8 bytes over the value limit; `atLeast`
   * when the size was counted only up to the limit.
   *
   * @throws {LimitError} (`valueBytes`) when it is over.
   */
  checkStringBytes(bytes: number, atLeast = false): void {
    if (bytes <= this.options.valueBytes.max) return;
    throw new LimitError(
      this.options.valueBytes,
      `${this.options.subject} would make a string of ${atLeast ? "at least " : ""}${bytes} bytes`,
    );
  }
}
