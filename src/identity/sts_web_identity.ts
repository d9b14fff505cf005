/**
 * IRSA: AssumeRoleWithWebIdentity with the pod's service account token, in
 * the region being fetched from (so a regional STS outage only affects that
 * region). The STS client honours `AWS_ENDPOINT_URL_STS`/`AWS_ENDPOINT_URL`
 * and `AWS_USE_FIPS_ENDPOINT`.
 *
 * @module
 */

import { type AwsCredentials, AwsFailureError, describeAwsError, STS_FATAL } from "../aws/mod.ts";
import { regionalStsClients, stsCredentials, type StsOptions } from "./sts_clients.ts";

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

/**
 * The AWS SDK implementation; one STS client per region, reused. The SDK
 * package is loaded on the first call.
 */
export function createStsWebIdentityApi(options: StsOptions = {}): WebIdentityApi {
  const stsIn = regionalStsClients(options);
  return {
    async assumeRole({ roleArn, token, region }, callOptions = {}) {
      let answer;
      try {
        const { sdk, client } = await stsIn(region);
        answer = await client.send(
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
      return stsCredentials(answer.Credentials);
    },
  };
}
