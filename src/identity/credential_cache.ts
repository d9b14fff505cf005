/**
 * The rules of the credential cache: credentials are kept until shortly
 * before they expire, under a key that holds a digest of the token, never
 * the token.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { AwsCredentials } from "../aws/mod.ts";

/** Default time before expiry at which cached credentials are replaced. */
export const CREDENTIAL_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Expiry rule for cached credentials: served until `margin` before they
 * expire; credentials without an expiry are not cached.
 */
export function credentialsExpireAt(
  credentials: AwsCredentials,
  margin = CREDENTIAL_REFRESH_MARGIN_MS,
): number | undefined {
  const expiration = credentials.expiration?.getTime();
  return expiration === undefined ? undefined : expiration - margin;
}

/**
 * Hex SHA-256 of a token, so caches and logs never hold tokens themselves.
 * Synchronous on purpose: Web Crypto's `digest` sends each call through
 * Deno's thread pool (about 80 µs for a service-account token, against 3 µs
 * here), once per mount.
 */
export function tokenDigest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
