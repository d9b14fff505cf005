/**
 * fast-check arbitraries for whole mount requests: attributes JSON as the
 * driver builds it (class parameters, pod info, tokens) or broken in every
 * way, the request permission, and target paths the provider must refuse.
 *
 * @module
 */

import * as fc from "fast-check";
import { DEFAULT_POD } from "../../devstack/mod.ts";
import {
  hostileText,
  pathTranslation,
  requestPermission,
  sometimes,
  tokenValue,
} from "./arbitraries.ts";
import { mutated, objectsDocument, type PoolEntry } from "./objects_yaml.ts";

/** Attribute key of the tokens. */
const TOKENS = "csi.storage.k8s.io/serviceAccount.tokens";

/** The tokens a request carries (both must never appear in an error). */
export interface RequestTokens {
  /** Token for `sts.amazonaws.com`. */
  sts: string;
  /** Token for `pods.eks.amazonaws.com`. */
  pod: string;
}

/** How the tokens attribute looks. */
export type TokenShape = "valid" | "stsOnly" | "missing" | "empty" | "wrongType" | "broken";

/** A fuzzed mount request before rendering. */
export interface FuzzRequest {
  /** SecretProviderClass parameters (objects included). */
  parameters: Record<string, string>;
  /** Pod attributes: the default pod or hostile values. */
  pod: Record<string, string>;
  /** Token values. */
  tokens: RequestTokens;
  /** Shape of the tokens attribute. */
  tokenShape: TokenShape;
  /** Where the tokens go: the attribute or the `secrets` field. */
  tokensIn: "attributes" | "secrets";
  /** The request's permission field. */
  permission: string;
  /** `undefined` for the prepared mount directory, else a path the provider must refuse. */
  refusedTargetPath: string | undefined;
  /** Attributes JSON damage. */
  damage: "none" | "mutate" | "replace";
  /** Replacement text when `damage` is `replace`, or mutation seed text. */
  rawAttributes: string;
}

/** Target paths the provider must refuse before doing anything. */
export const REFUSED_TARGET_PATHS: readonly string[] = [
  "",
  "relative/mount",
  "./mount",
  "/var/lib/kubelet/pods/../../../etc",
  "/tmp/..",
  "/tmp/a\0b",
  "..",
];

function tokensText(tokens: RequestTokens, shape: TokenShape): string | undefined {
  const entry = (token: string) => ({ token, expirationTimestamp: "2030-01-01T00:00:00Z" });
  switch (shape) {
    case "valid":
      return JSON.stringify({
        "sts.amazonaws.com": entry(tokens.sts),
        "pods.eks.amazonaws.com": entry(tokens.pod),
      });
    case "stsOnly":
      return JSON.stringify({ "sts.amazonaws.com": entry(tokens.sts) });
    case "missing":
      return undefined;
    case "empty":
      return JSON.stringify({ "sts.amazonaws.com": { token: "" }, "pods.eks.amazonaws.com": null });
    case "wrongType":
      return JSON.stringify({ "sts.amazonaws.com": { token: 5, expirationTimestamp: tokens.sts } });
    case "broken":
      return `{"sts.amazonaws.com": {"token": "${tokens.sts}"`;
  }
}

/** The `attributes` JSON of `request`. */
export function renderAttributes(request: FuzzRequest): string {
  if (request.damage === "replace") return request.rawAttributes;
  const attributes: Record<string, string> = {
    ...request.parameters,
    secretProviderClass: "fuzz-spc",
    ...request.pod,
  };
  const tokens = tokensText(request.tokens, request.tokenShape);
  if (tokens !== undefined && request.tokensIn === "attributes") attributes[TOKENS] = tokens;
  return JSON.stringify(attributes);
}

/** The `secrets` field of `request`. */
export function renderSecrets(request: FuzzRequest): string {
  const tokens = tokensText(request.tokens, request.tokenShape);
  if (tokens === undefined || request.tokensIn === "attributes") return "null";
  return JSON.stringify({ [TOKENS]: tokens });
}

function hostileParameters(pool: readonly PoolEntry[]): fc.Arbitrary<Record<string, string>> {
  const region = fc.oneof(
    { weight: 12, arbitrary: fc.constant("us-east-1") },
    { weight: 2, arbitrary: fc.constant("") },
    { weight: 1, arbitrary: fc.constantFrom("us-west-2", "eu-west-1", "US-EAST-1", "") },
    { weight: 1, arbitrary: hostileText() },
  );
  const failover = fc.oneof(
    { weight: 10, arbitrary: fc.constant("") },
    { weight: 4, arbitrary: fc.constant("us-west-2") },
    { weight: 1, arbitrary: fc.constantFrom("us-east-1", "ap-south-1") },
    { weight: 1, arbitrary: hostileText() },
  );
  return fc.record({
    region,
    failoverRegion: failover,
    pathTranslation: fc.oneof(
      { weight: 5, arbitrary: fc.constant("") },
      { weight: 1, arbitrary: pathTranslation() },
    ),
    usePodIdentity: fc.oneof(
      { weight: 8, arbitrary: fc.constant("") },
      { weight: 2, arbitrary: fc.constantFrom("false", "true", "1", "T", "maybe", "TRUE ") },
    ),
    preferredAddressType: fc.constantFrom("", "", "ipv4", "ipv6", "auto", "IPV6", "x"),
    objects: objectsDocument(pool, true),
  }, { requiredKeys: ["objects"] }).chain((parameters) =>
    sometimes(fc.dictionary(hostileText(), hostileText(), { maxKeys: 3 }), 20).map(
      (extra) => ({ ...(extra ?? {}), ...parameters }) as Record<string, string>,
    )
  );
}

function cleanParameters(pool: readonly PoolEntry[]): fc.Arbitrary<Record<string, string>> {
  return fc.record({
    region: fc.constantFrom("us-east-1", "us-east-1", ""),
    failoverRegion: fc.constantFrom("", "us-west-2"),
    pathTranslation: fc.constantFrom("", "_", "-", "False", "false"),
    usePodIdentity: fc.constantFrom("", "false", "true"),
    preferredAddressType: fc.constantFrom("", "ipv4", "ipv6", "auto"),
    objects: objectsDocument(pool, false),
  }, { requiredKeys: ["objects"] });
}

const DEFAULTS = {
  pod: fc.constant({
    "csi.storage.k8s.io/pod.name": DEFAULT_POD.name,
    "csi.storage.k8s.io/pod.namespace": DEFAULT_POD.namespace,
    "csi.storage.k8s.io/pod.uid": DEFAULT_POD.uid,
    "csi.storage.k8s.io/serviceAccount.name": DEFAULT_POD.serviceAccount,
  }),
  tokens: fc.record({ sts: tokenValue(), pod: tokenValue() }),
  tokensIn: fc.constantFrom<FuzzRequest["tokensIn"]>("attributes", "attributes", "secrets"),
};

/** A well-formed request for objects of `pool` (most of these mounts should succeed). */
function cleanRequest(pool: readonly PoolEntry[]): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    parameters: cleanParameters(pool),
    pod: DEFAULTS.pod,
    tokens: DEFAULTS.tokens,
    tokenShape: fc.constant<TokenShape>("valid"),
    tokensIn: DEFAULTS.tokensIn,
    permission: fc.constantFrom("420", "384", "511", "256"),
    refusedTargetPath: fc.constant(undefined),
    damage: fc.constant<FuzzRequest["damage"]>("none"),
    rawAttributes: fc.constant(""),
  });
}

/** A request broken anywhere: parameters, pod, tokens, permission, target path or JSON. */
function hostileRequest(pool: readonly PoolEntry[]): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    parameters: hostileParameters(pool),
    pod: fc.oneof(
      { weight: 9, arbitrary: DEFAULTS.pod },
      {
        weight: 1,
        arbitrary: fc.record({
          "csi.storage.k8s.io/pod.name": hostileText(),
          "csi.storage.k8s.io/pod.namespace": hostileText(),
          "csi.storage.k8s.io/pod.uid": hostileText(),
          "csi.storage.k8s.io/serviceAccount.name": hostileText(),
        }),
      },
    ),
    tokens: DEFAULTS.tokens,
    tokenShape: fc.oneof(
      { weight: 14, arbitrary: fc.constant<TokenShape>("valid") },
      {
        weight: 1,
        arbitrary: fc.constantFrom<TokenShape>(
          "stsOnly",
          "missing",
          "empty",
          "wrongType",
          "broken",
        ),
      },
    ),
    tokensIn: DEFAULTS.tokensIn,
    permission: fc.oneof(
      { weight: 8, arbitrary: fc.constant("420") },
      { weight: 2, arbitrary: requestPermission() },
    ),
    refusedTargetPath: sometimes(fc.constantFrom(...REFUSED_TARGET_PATHS), 7),
    damage: fc.constantFrom<FuzzRequest["damage"]>(...Array(18).fill("none"), "mutate", "replace"),
    rawAttributes: fc.oneof(fc.json(), hostileText(), fc.string()),
  }).chain((request) =>
    request.damage !== "mutate"
      ? fc.constant(request)
      : mutated(fc.constant(renderAttributes(request)))
        .map((rawAttributes) => ({ ...request, damage: "replace" as const, rawAttributes }))
  );
}

/** A mount request for objects of `pool`: well formed, or hostile anywhere. */
export function fuzzRequest(pool: readonly PoolEntry[]): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 1, arbitrary: cleanRequest(pool) },
    { weight: 1, arbitrary: hostileRequest(pool) },
  );
}
