/**
 * How fetching fails: no region gave a value (or one gave a fatal answer), or
 * the mount's deadline passed first. Messages are the Go provider's texts
 * with what each region answered, never a value.
 *
 * @module
 */

/** No usable value: the message names the object or batch and each region's answer. */
export class FetchError extends Error {
  /** Creates the error with the user-facing text. */
  constructor(message: string) {
    super(message);
    this.name = "FetchError";
  }
}

/** The mount's deadline passed (or the driver cancelled) before every value arrived. */
export class FetchCancelledError extends Error {
  /** Creates the error. */
  constructor(message = "mount cancelled: the request's deadline passed") {
    super(message);
    this.name = "FetchCancelledError";
  }
}
