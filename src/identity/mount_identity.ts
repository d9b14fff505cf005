/**
 * Who a mount acts as: the pod's IAM role through IRSA (default) or its EKS
 * Pod Identity, and with `assumeRoleArn` the role those credentials assume
 * (role chaining). Resolving an identity reads the token and, for IRSA, the
 * service account's role; credentials themselves are fetched lazily, on the
 * first AWS call of each region, and cached per identity and token (chained
 * ones per source identity, role, external id and duration).
 *
 * @module
 */

import { ExpiringCache } from "../cache/mod.ts";
import { AwsFailureError, describeAwsError, STS_FATAL } from "../aws/mod.ts";
import { CredentialError } from "./credential_error.ts";
import type { PodRef } from "./pod.ts";
import type { Logger } from "../log/mod.ts";
import type { AwsCredentials, CredentialSource } from "../aws/mod.ts";
import { credentialsExpireAt, tokenDigest } from "./credential_cache.ts";
import type { CallContext, KubeLookups } from "./kube_lookups.ts";
import {
  type AgentOptions,
  fetchAgentCredentials,
  parseAddressPreference,
} from "./pod_identity_agent.ts";
import {
  POD_IDENTITY_AUDIENCE,
  type ServiceAccountToken,
  STS_AUDIENCE,
  tokenForAudience,
} from "./service_account_tokens.ts";
import type { WebIdentityApi } from "./sts_web_identity.ts";
import { type AssumeRoleApi, type AssumeRoleRequest, isIamRoleArn } from "./sts_assume_role.ts";

/** The identity of one mount. */
export interface MountIdentity {
  /**
   * Who we act as, for logs and per-principal memory (`irsa:<role>`,
   * `pod-identity:<ns>/<sa>`, followed by ` assume-role:<role>` when chained).
   */
  principal: string;
  /** Key naming principal and token (token as a digest): credentials are cached by it. */
  key: string;
  /** Lazy credentials for AWS calls in `region`. */
  credentials(region: string): CredentialSource;
}

/** What identity resolution needs from a mount. */
export interface IdentityRequest {
  /** Pod Identity instead of IRSA. */
  usePodIdentity: boolean;
  /** Tokens by audience. */
  tokens: Map<string, ServiceAccountToken>;
  /** The pod. */
  pod: PodRef;
  /** `preferredAddressType` as written. */
  preferredAddressType: string;
  /** Deadline and cancellation. */
  context: CallContext;
  /** The role the pod's credentials assume (the class's `assumeRole…` parameters), if any. */
  assumeRole?: AssumeRoleRequest;
}

/** Options of {@linkcode IdentityResolver}. */
export interface IdentityResolverOptions {
  /** Kubernetes lookups (service account role). */
  kube: KubeLookups;
  /** STS for IRSA. */
  sts: WebIdentityApi;
  /** STS AssumeRole for role chaining (without it, a class with `assumeRoleArn` fails). */
  assumeRole?: AssumeRoleApi;
  /** Pod Identity agent endpoints and timeout. */
  agent: Omit<AgentOptions, "signal">;
  /** Logger. */
  logger: Logger;
  /** Clock. */
  now?: () => number;
}

/** Resolves mount identities and caches their credentials. */
export class IdentityResolver {
  #options: IdentityResolverOptions;
  /** Credentials by principal + token digest, shared by all regions. */
  #shared: ExpiringCache<AwsCredentials>;
  /** One fetch per principal + token + region at a time. */
  #regional: ExpiringCache<AwsCredentials>;
  /** Credential fetches made (web identity STS calls, agent calls, AssumeRole calls). */
  readonly fetches = { sts: 0, agent: 0, assumeRole: 0 };

  /** Creates a resolver with empty caches. */
  constructor(options: IdentityResolverOptions) {
    this.#options = options;
    const cacheOptions = {
      expiresAt: (value: AwsCredentials) => credentialsExpireAt(value),
      now: options.now,
    };
    this.#shared = new ExpiringCache(cacheOptions);
    this.#regional = new ExpiringCache(cacheOptions);
  }

  /** Credential cache hits and misses. */
  get cacheStats(): { hits: number; misses: number } {
    return this.#regional.stats;
  }

  /**
   * The identity of a mount, with the Go provider's errors for missing
   * tokens, service account lookups and missing role annotations.
   *
   * @throws {TokenError} (from `service_account_tokens.ts`) when the tokens lack the mode's audience.
   * @throws {CredentialError} when the service account cannot be read or names no role.
   */
  async resolve(request: IdentityRequest): Promise<MountIdentity> {
    const own = request.usePodIdentity ? this.#podIdentity(request) : await this.#irsa(request);
    return request.assumeRole === undefined ? own : this.#chained(own, request.assumeRole);
  }

  /**
   * `source`'s credentials assuming `role`: cached per source identity (its
   * principal and token digest), role, external id and duration, so that a
   * pod never uses chained credentials its own token did not earn; a refusal
   * names the role and the source principal.
   */
  #chained(source: MountIdentity, role: AssumeRoleRequest): MountIdentity {
    const api = this.#options.assumeRole;
    if (api === undefined) {
      throw new CredentialError("assumeRoleArn is set, but role chaining is not available");
    }
    const key =
      `assume-role|${source.key}|${role.roleArn}|${role.externalId}|${role.durationSeconds}`;
    const principal = `${source.principal} assume-role:${role.roleArn}`;
    this.#options.logger.debug("chaining role", {
      principal: source.principal,
      roleArn: role.roleArn,
    });
    return {
      principal,
      key,
      credentials: (region) => (options = {}) =>
        this.#cached(key, region, async () => {
          this.fetches.assumeRole++;
          try {
            return await api.assumeRole(
              { ...role, region },
              { source: source.credentials(region), signal: options.signal },
            );
          } catch (error) {
            const failure = error instanceof AwsFailureError
              ? error.awsFailure
              : describeAwsError(error, "STS: AssumeRole", STS_FATAL);
            const context = `assuming role ${role.roleArn} as ${source.principal}`;
            throw new AwsFailureError({
              ...failure,
              message: `${context}: ${failure.message}`,
              text: `${context}: ${failure.text}`,
            });
          }
        }),
    };
  }

  async #irsa(request: IdentityRequest): Promise<MountIdentity> {
    const token = tokenForAudience(request.tokens, STS_AUDIENCE, "IRSA");
    const { namespace, serviceAccount } = request.pod;
    let roleArn: string;
    try {
      roleArn = await this.#options.kube.roleArn(namespace, serviceAccount, request.context);
    } catch (error) {
      throw new CredentialError(
        `failed to get service account ${namespace}/${serviceAccount}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (roleArn === "") {
      throw new CredentialError(
        `An IAM role must be associated with service account ${serviceAccount} (namespace: ${namespace})`,
      );
    }
    if (!isIamRoleArn(roleArn)) {
      throw new CredentialError(
        `the annotation eks.amazonaws.com/role-arn of service account ${serviceAccount} (namespace: ${namespace}) is not an IAM role ARN: ${
          JSON.stringify(roleArn.slice(0, 256))
        }${roleArn.length > 256 ? "…" : ""}`,
      );
    }
    this.#options.logger.debug("resolved IRSA role", {
      namespace,
      serviceAccount,
      roleArn,
    });
    const key = `irsa|${roleArn}|${tokenDigest(token)}`;
    return {
      principal: `irsa:${roleArn}`,
      key,
      credentials: (region) => (options = {}) =>
        this.#cached(key, region, () => {
          this.fetches.sts++;
          return this.#options.sts.assumeRole({ roleArn, token, region }, options);
        }),
    };
  }

  #podIdentity(request: IdentityRequest): MountIdentity {
    const token = tokenForAudience(request.tokens, POD_IDENTITY_AUDIENCE, "Pod Identity");
    const preference = parseAddressPreference(request.preferredAddressType);
    const key = `pod-identity|${preference}|${tokenDigest(token)}`;
    return {
      principal: `pod-identity:${request.pod.namespace}/${request.pod.serviceAccount}`,
      key,
      // The agent is node-local and not regional: one fetch serves both regions.
      credentials: () => (options = {}) =>
        this.#cached(key, "", () => {
          this.fetches.agent++;
          return fetchAgentCredentials(token, preference, {
            ...this.#options.agent,
            signal: options.signal,
          });
        }),
    };
  }

  /**
   * Credentials of `key`: any fresh ones (whichever region fetched them),
   * else one fetch per region, so a slow regional endpoint never blocks the
   * other region.
   */
  #cached(key: string, region: string, fetch: () => Promise<AwsCredentials>) {
    const shared = this.#shared.peek(key);
    if (shared !== undefined) {
      this.#regional.stats.hits++;
      return Promise.resolve(shared);
    }
    return this.#regional.get(`${key}|${region}`, fetch).then((credentials) => {
      this.#shared.set(key, credentials);
      return credentials;
    });
  }
}
