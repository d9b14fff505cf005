/**
 * Why no credentials could be had for a mount: the service account could
 * not be read, names no IAM role, or names something that is not one. The
 * message is for the pod's events (never a token).
 *
 * @module
 */

/** An identity that cannot act: the message says which service account and why. */
export class CredentialError extends Error {
  /** Creates the error with the user-facing text. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CredentialError";
  }
}
