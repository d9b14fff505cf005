/**
 * The one error type a mount fails with: a stable code for metrics and logs,
 * and the message the pod's events show (never a secret value). Lower layers
 * throw their own error types; {@linkcode toMountError} is the one place they
 * become the driver's codes.
 *
 * @module
 */

import { ObjectsError } from "../config/mod.ts";
import { FetchCancelledError, FetchError, ValueEncodingError } from "../fetch/mod.ts";
import { WriteError } from "../files/mod.ts";
import { CredentialError, TokenError } from "../identity/mod.ts";
import { LimitError } from "../limits/mod.ts";

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

/** The lower layers' error types and the code each one becomes. */
const CODES: [new (...args: never[]) => Error, MountErrorCode][] = [
  [TokenError, "TokenError"],
  [CredentialError, "CredentialError"],
  [ObjectsError, "InvalidObjects"],
  [LimitError, "LimitExceeded"],
  [FetchError, "FetchError"],
  [ValueEncodingError, "FetchError"],
  [FetchCancelledError, "Cancelled"],
  [WriteError, "WriteError"],
];

/**
 * The MountError a failure of any step becomes: a MountError as it is, a
 * lower layer's error with its code and message, anything else `Internal`.
 */
export function toMountError(error: unknown): MountError {
  if (error instanceof MountError) return error;
  for (const [type, code] of CODES) {
    if (error instanceof type) return new MountError(code, error.message, { cause: error });
  }
  return new MountError(
    "Internal",
    `internal error: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}
