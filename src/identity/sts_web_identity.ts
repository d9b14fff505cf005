/**
 * IRSA: AssumeRoleWithWebIdentity with the pod's service account token, in
 * the region being fetched from (so a regional STS outage only affects that
 * region). The STS client honours `AWS_ENDPOINT_URL_STS`/`AWS_ENDPOINT_URL`
 * and `AWS_USE_FIPS_ENDPOINT`.
 *
 * @module
 */

import type { STSClient } from "@aws-sdk/client-sts";
import {
  type AwsCallObserver,
  AwsFailureError,
  awsHttpHandler,
  describeAwsError,
  localFailure,
  observeAwsCalls,
  STS_FATAL,
} from "../aws/mod.ts";
import { LruMap } from "../cache/mod.ts";
import type { AwsCredentials } from "../aws/mod.ts";

/** AssumeRoleWithWebIdentity as the identity layer needs it. */
export interface WebIdentityApi {
  /**
   * Assumes `roleArn` with `token` through STS in `region`.
   *
   * @throws {AwsFailureError} classified with STS's modeled client faults.
   */
  assumeRole(
    request: { roleArn: string; token: string; region: string },
    options?: { signal?: AbortSignal },
  ): Promise<AwsCredentials>;
}

/** Options of {@linkcode createStsWebIdentityApi}. */
export interface StsOptions {
  /** User agent app id. */
  appId?: string;
  /** Sees every HTTP attempt (for metrics). */
  observer?: AwsCallObserver;
}

/**
 * The AWS SDK implementation; one STS client per region, reused. The SDK
 * package is loaded on the first call.
 */
export function createStsWebIdentityApi(options: StsOptions = {}): WebIdentityApi {
  let sts: Promise<typeof import("@aws-sdk/client-sts")> | undefined;
  // Bounded like the store clients: regions come from requests.
  const clients = new LruMap<string, STSClient>({ maxEntries: 32 });
  // Bounded attempts, as for Secrets Manager and SSM (credentials are fetched
  // inside those calls, where the mount's abort signal does not reach).
  const handler = awsHttpHandler();
  const clientFor = (sdk: typeof import("@aws-sdk/client-sts"), region: string) => {
    let client = clients.get(region);
    if (client === undefined) {
      client = new sdk.STSClient({
        region,
        userAgentAppId: options.appId,
        requestHandler: handler,
      });
      if (options.observer) observeAwsCalls(client, { service: "sts", region }, options.observer);
      clients.set(region, client);
    }
    return client;
  };
  return {
    async assumeRole({ roleArn, token, region }, callOptions = {}) {
      let answer;
      try {
        sts ??= import("@aws-sdk/client-sts");
        const sdk = await sts;
        answer = await clientFor(sdk, region).send(
          new sdk.AssumeRoleWithWebIdentityCommand({
            RoleArn: roleArn,
            WebIdentityToken: token,
            // Like the Go provider: the current time in nanoseconds.
            RoleSessionName: String(BigInt(Date.now()) * 1_000_000n),
          }),
          { abortSignal: callOptions.signal },
        );
      } catch (error) {
        throw new AwsFailureError(
          describeAwsError(error, "STS: AssumeRoleWithWebIdentity", STS_FATAL),
        );
      }
      const credentials = answer.Credentials;
      if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
        throw new AwsFailureError(
          localFailure("InvalidResponse", "STS returned no credentials"),
        );
      }
      return {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        sessionToken: credentials.SessionToken,
        expiration: credentials.Expiration,
      };
    },
  };
}
