/**
 * Role chaining: with `assumeRoleArn` in the class, the pod's own credentials
 * (IRSA or Pod Identity) call STS AssumeRole, and the chained credentials
 * make every AWS call of the mount, in every region (cross-account access).
 * The STS call is signed with the pod's credentials through `sendAs`, in the
 * region being fetched from, like the web identity call.
 *
 * @module
 */

import {
  type AwsCredentials,
  AwsFailureError,
  type CredentialSource,
  describeAwsError,
  sendAs,
  STS_FATAL,
} from "../aws/mod.ts";
import type { PodRef } from "./pod.ts";
import { regionalStsClients, stsCredentials, type StsOptions } from "./sts_clients.ts";

/** What to assume, from the class's `assumeRole…` parameters. */
export interface AssumeRoleRequest {
  /** `assumeRoleArn`. */
  roleArn: string;
  /** `assumeRoleExternalId` ("" for none). */
  externalId: string;
  /** `assumeRoleDurationSeconds` (900–43200, default 900). */
  durationSeconds: number;
  /** `assumeRoleSessionName`, else derived from the pod. */
  sessionName: string;
}

/** AssumeRole as the identity layer needs it. */
export interface AssumeRoleApi {
  /**
   * Assumes `request.roleArn` in `request.region`, signed with `source`.
   *
   * @throws {AwsFailureError} classified with STS's modeled client faults.
   */
  assumeRole(
    request: AssumeRoleRequest & { region: string },
    options: { source: CredentialSource; signal?: AbortSignal },
  ): Promise<AwsCredentials>;
}

/**
 * An IAM role ARN as STS accepts it (at most 2048 characters). Checked before
 * an ARN from a class or an annotation becomes a cache key or an STS call.
 */
const ROLE_ARN = /^arn:aws[a-z-]{0,16}:iam::[0-9]{12}:role\/[\w+=,.@\/-]{1,2000}$/;

/** Whether `value` is an IAM role ARN STS would accept. */
export function isIamRoleArn(value: string): boolean {
  return ROLE_ARN.test(value);
}

/** Characters STS allows in a role session name. */
const SESSION_NAME_CHARACTER = /[\w+=,.@-]/;

/**
 * The session name of a pod that sets none: `<namespace>.<pod>`, every
 * character STS refuses replaced by `-`, cut to STS's 64 characters (never
 * shorter than its 2).
 *
 * @example
 * ```ts
 * defaultSessionName({ namespace: "shop", name: "api-7d9f8", uid: "", serviceAccount: "" });
 * // "shop.api-7d9f8"
 * ```
 */
export function defaultSessionName(pod: PodRef): string {
  const name = [...`${pod.namespace}.${pod.name}`]
    .map((character) => (SESSION_NAME_CHARACTER.test(character) ? character : "-"))
    .join("")
    .slice(0, 64);
  return name.length >= 2 ? name : "secrets-store-csi";
}

/**
 * The AWS SDK implementation: one STS client per region, shared by every
 * identity (each call carries its caller's credentials), loaded on first use.
 */
export function createStsAssumeRoleApi(options: StsOptions = {}): AssumeRoleApi {
  const stsIn = regionalStsClients({ ...options, signed: true });
  return {
    async assumeRole(request, callOptions) {
      let answer;
      try {
        const { sdk, client } = await stsIn(request.region);
        answer = await sendAs(callOptions.source, () =>
          client.send(
            new sdk.AssumeRoleCommand({
              RoleArn: request.roleArn,
              RoleSessionName: request.sessionName,
              DurationSeconds: request.durationSeconds,
              ExternalId: request.externalId || undefined,
            }),
            { abortSignal: callOptions.signal },
          ));
      } catch (error) {
        throw new AwsFailureError(describeAwsError(error, "STS: AssumeRole", STS_FATAL));
      }
      return stsCredentials(answer.Credentials);
    },
  };
}
