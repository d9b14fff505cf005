/**
 * Service account tokens handed to us by the CSI driver (`tokenRequests`).
 *
 * The driver puts them, as a JSON string, in the attribute
 * `csi.storage.k8s.io/serviceAccount.tokens`; drivers v1.6+ on Kubernetes 1.35+
 * may instead pass them in the request's `secrets` under the same key.
 *
 * @module
 */

import { GoJsonError, goJsonKind, type JsonValue, parseGoJson } from "../gocompat/mod.ts";

/** Attribute (and secrets key) that carries the tokens. */
export const TOKENS_ATTRIBUTE = "csi.storage.k8s.io/serviceAccount.tokens";
/** Token audience for IRSA (AssumeRoleWithWebIdentity). */
export const STS_AUDIENCE = "sts.amazonaws.com";
/** Token audience for EKS Pod Identity. */
export const POD_IDENTITY_AUDIENCE = "pods.eks.amazonaws.com";

/** One audience's token. */
export interface ServiceAccountToken {
  /** The JWT. */
  token: string;
  /** RFC 3339 expiry as sent by the driver (informative only). */
  expirationTimestamp: string;
}

/** The tokens could not be read; the message is the Go provider's text. */
export class TokenError extends Error {
  /** Creates the error with the user-facing text. */
  constructor(message: string) {
    super(message);
    this.name = "TokenError";
  }
}

const SPEC_HINT = " - ensure tokenRequests is configured in CSIDriver spec";

/**
 * Parses the tokens JSON (`{"<audience>": {"token": "...", "expirationTimestamp": "..."}}`)
 * with Go's rules: field names match case-insensitively, unknown fields are
 * ignored, expiry is not checked.
 *
 * @throws {TokenError} with the Go provider's `CSI token error: ...` text.
 */
export function parseServiceAccountTokens(text: string): Map<string, ServiceAccountToken> {
  if (text === "") {
    throw new TokenError(
      "CSI token error: serviceAccount.tokens not provided - ensure tokenRequests is configured in CSIDriver" +
        SPEC_HINT,
    );
  }
  try {
    return decodeTokens(parseGoJson(text));
  } catch (error) {
    if (!(error instanceof GoJsonError)) throw error;
    throw new TokenError(
      `CSI token error: failed to parse serviceAccount.tokens: ${error.message}${SPEC_HINT}`,
    );
  }
}

function decodeTokens(value: JsonValue): Map<string, ServiceAccountToken> {
  const tokens = new Map<string, ServiceAccountToken>();
  if (value === null) return tokens;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new GoJsonError(
      `json: cannot unmarshal ${
        goJsonKind(value)
      } into Go value of type map[string]utils.ServiceAccountToken`,
    );
  }
  let firstError: string | undefined;
  for (const [audience, entry] of Object.entries(value)) {
    const token: ServiceAccountToken = { token: "", expirationTimestamp: "" };
    tokens.set(audience, token);
    if (entry === null) continue;
    if (typeof entry !== "object" || Array.isArray(entry)) {
      firstError ??= `json: cannot unmarshal ${
        goJsonKind(entry)
      } into Go value of type utils.ServiceAccountToken`;
      continue;
    }
    for (const key of Object.keys(entry)) {
      const field = ["token", "expirationTimestamp"].find((name) =>
        // Go's case folding also maps the Kelvin sign to k and the long s (ſ) to s.
        name.toLowerCase() === key.replaceAll("\u017f", "s").toLowerCase()
      ) as keyof ServiceAccountToken | undefined;
      if (field === undefined) continue;
      const item = entry[key];
      if (item === null) continue;
      if (typeof item !== "string") {
        firstError ??= `json: cannot unmarshal ${
          goJsonKind(item)
        } into Go struct field ServiceAccountToken.${field} of type string`;
        continue;
      }
      token[field] = item;
    }
  }
  if (firstError !== undefined) throw new GoJsonError(firstError);
  return tokens;
}

/**
 * The token for one audience.
 *
 * @param mode `IRSA` or `Pod Identity`, the prefix of the error text.
 * @throws {TokenError} when the audience is missing or its token is empty.
 */
export function tokenForAudience(
  tokens: Map<string, ServiceAccountToken>,
  audience: string,
  mode: "IRSA" | "Pod Identity",
): string {
  const entry = tokens.get(audience);
  const prefix = `${mode} token extraction failed: token for audience ${JSON.stringify(audience)}`;
  if (entry === undefined) {
    throw new TokenError(
      `${prefix} not found - ensure tokenRequests includes this audience in CSIDriver`,
    );
  }
  if (entry.token === "") throw new TokenError(`${prefix} is empty`);
  return entry.token;
}
