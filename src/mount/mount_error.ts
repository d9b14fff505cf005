/**
 * The one error type a mount fails with: a stable code for metrics and logs,
 * and the message the pod's events show (never a secret value).
 *
 * @module
 */

/** Stable error categories, used as the `code` label of error metrics. */
export type MountErrorCode =
  | "InvalidRequest"
  | "TokenError"
  | "RegionError"
  | "CredentialError"
  | "InvalidObjects"
  | "FetchError"
  | "WriteError"
  | "LimitExceeded"
  | "Cancelled"
  | "Internal";

/** A mount failure with its category and user-facing text. */
export class MountError extends Error {
  /** Creates a failure with a category and the text for the pod's events. */
  constructor(readonly code: MountErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MountError";
  }
}
