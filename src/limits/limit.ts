/**
 * A budget on hostile input: the most of something one mount may use, and the
 * provider flag that changes it. SecretProviderClasses are written by
 * application teams, so every size and amount of work a class can cause is
 * bounded, and a mount that goes over fails with an error that says which
 * limit it hit and how an operator raises it.
 *
 * @module
 */

/** One limit: its maximum, its unit and the flag that sets it. */
export interface Limit {
  /** The most allowed. */
  readonly max: number;
  /** Unit of `max`, plural ("bytes", "nodes", "steps"). */
  readonly unit: string;
  /** The provider flag that changes it, without dashes. */
  readonly flag: string;
}

/** An input went over a {@linkcode Limit}; the message names the limit and its flag. */
export class LimitError extends Error {
  /**
   * Creates the error.
   *
   * @param detail what went over, in the user's words ("the objects parameter is 300000 bytes").
   */
  constructor(readonly limit: Limit, detail: string) {
    super(`${detail}; the limit is ${limit.max} ${limit.unit} (provider flag --${limit.flag})`);
    this.name = "LimitError";
  }
}

/**
 * The UTF-8 size of `text` (a lone surrogate counts as the 3 bytes of U+FFFD,
 * as `TextEncoder` writes it), without encoding it.
 *
 * @example
 * ```ts
 * utf8Length("é🙂"); // 6
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
    } else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 2; // two units, four bytes
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * Throws a {@linkcode LimitError} when `amount` is over `limit`.
 *
 * @param subject what is measured ("the objects parameter").
 * @example
 * ```ts
 * checkLimit(limits.objectsBytes, 300_000, "the objects parameter");
 * // LimitError: the objects parameter is 300000 bytes; the limit is 262144 bytes (provider flag --max-objects-bytes)
 * ```
 */
export function checkLimit(limit: Limit, amount: number, subject: string): void {
  if (amount > limit.max) throw new LimitError(limit, `${subject} is ${amount} ${limit.unit}`);
}
