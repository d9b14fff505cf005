/**
 * STS clients for the identity layer: one per region, made on first use and
 * bounded (regions come from requests), sharing one HTTP handler with
 * bounded attempts; the SDK package is loaded on the first call. Both ways a
 * mount gets STS credentials use them: web identity (IRSA) and AssumeRole
 * (role chaining).
 *
 * @module
 */

import type { STSClient } from "@aws-sdk/client-sts";
import {
  type AwsCallObserver,
  type AwsCredentials,
  AwsFailureError,
  awsHttpHandler,
  callerCredentials,
  localFailure,
  observeAwsCalls,
} from "../aws/mod.ts";
import { LruMap } from "../cache/mod.ts";

/** Options of the STS APIs (`createStsWebIdentityApi`, `createStsAssumeRoleApi`). */
export interface StsOptions {
  /** User agent app id. */
  appId?: string;
  /** Sees every HTTP attempt (for metrics). */
  observer?: AwsCallObserver;
}

/** The loaded SDK package and the client of one region. */
export interface RegionalSts {
  /** `@aws-sdk/client-sts`. */
  sdk: typeof import("@aws-sdk/client-sts");
  /** The region's client. */
  client: STSClient;
}

/** Regions whose STS clients are kept (the least recently used dropped). */
const MAX_STS_CLIENTS = 32;

/**
 * A function giving the STS client of a region. With `signed`, the clients
 * sign each call with the credentials of the `sendAs` in progress (AssumeRole
 * is made with the pod's credentials); without, calls are unsigned (web
 * identity).
 */
export function regionalStsClients(
  options: StsOptions & { signed?: boolean } = {},
): (region: string) => Promise<RegionalSts> {
  let loading: Promise<typeof import("@aws-sdk/client-sts")> | undefined;
  const clients = new LruMap<string, STSClient>({ maxEntries: MAX_STS_CLIENTS });
  // Bounded attempts, as for Secrets Manager and SSM (credentials are fetched
  // inside those calls, where the mount's abort signal does not reach).
  const handler = awsHttpHandler();
  return async (region) => {
    loading ??= import("@aws-sdk/client-sts");
    const sdk = await loading;
    let client = clients.get(region);
    if (client === undefined) {
      client = new sdk.STSClient({
        region,
        userAgentAppId: options.appId,
        requestHandler: handler,
        ...(options.signed ? { credentials: callerCredentials } : {}),
      });
      if (options.observer) observeAwsCalls(client, { service: "sts", region }, options.observer);
      clients.set(region, client);
    }
    return { sdk, client };
  };
}

/**
 * The credentials of an STS answer.
 *
 * @throws {AwsFailureError} `InvalidResponse` when the answer holds none.
 */
export function stsCredentials(
  answer: {
    AccessKeyId?: string;
    SecretAccessKey?: string;
    SessionToken?: string;
    Expiration?: Date;
  } | undefined,
): AwsCredentials {
  if (!answer?.AccessKeyId || !answer.SecretAccessKey) {
    throw new AwsFailureError(localFailure("InvalidResponse", "STS returned no credentials"));
  }
  return {
    accessKeyId: answer.AccessKeyId,
    secretAccessKey: answer.SecretAccessKey,
    sessionToken: answer.SessionToken,
    expiration: answer.Expiration,
  };
}
