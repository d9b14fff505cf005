/**
 * The rules of the credential cache: credentials are kept until shortly
 * before they expire, under a key that holds a digest of the token, never
 * the token.
 *
 * @module
 */

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

/** Hex SHA-256 of a token, so caches and logs never hold tokens themselves. */
export async function tokenDigest(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
