/**
 * AWS credentials as the SDK consumes them, and how one call is made with
 * its caller's credentials on a client shared by every identity.
 *
 * The SDK's signer takes credentials only from its client's configuration,
 * so a client shared by many identities cannot be handed them per command.
 * {@linkcode sendAs} therefore runs each send with its credentials bound
 * (an `AsyncLocalStorage`, confined to this module), and the shared clients
 * are configured with {@linkcode callerCredentials}, which reads the binding.
 * Every call states whose credentials it uses; a send that is not made
 * through `sendAs` fails instead of acting as someone.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";

/** Temporary AWS credentials. */
export interface AwsCredentials {
  /** Access key id. */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
  /** Session token of temporary credentials. */
  sessionToken?: string;
  /** When the credentials stop working. */
  expiration?: Date;
}

/** A lazy source of credentials (the SDK's credential provider shape). */
export type CredentialSource = (options?: { signal?: AbortSignal }) => Promise<AwsCredentials>;

const binding = new AsyncLocalStorage<CredentialSource>();

/**
 * Runs `send` (one SDK `client.send`) signed with `credentials`.
 *
 * @example
 * ```ts
 * const value = await sendAs(credentials, () => client.send(new GetSecretValueCommand(input)));
 * ```
 */
export function sendAs<T>(credentials: CredentialSource, send: () => Promise<T>): Promise<T> {
  return binding.run(credentials, send);
}

/**
 * The credential provider of the shared clients: the credentials of the
 * {@linkcode sendAs} in progress, asked for at every request. Marked
 * `memoized` so that the SDK does not cache what it returns (which would hand
 * one identity's credentials to the next call); our own cache, keyed by
 * identity, does the caching.
 */
export function callerCredentials(options?: { signal?: AbortSignal }): Promise<AwsCredentials> {
  const credentials = binding.getStore();
  if (credentials === undefined) {
    return Promise.reject(new Error("no credentials are bound to this AWS call"));
  }
  return credentials(options);
}
callerCredentials.memoized = true;
