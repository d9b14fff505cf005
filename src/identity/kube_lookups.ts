/**
 * The Kubernetes facts a mount needs — the IAM role of a service account and
 * the region of a pod's node — cached for a short TTL and rate-limited like
 * client-go (`--qps`, `--burst`).
 *
 * Cache rules: a service account's role for `ttlMs` (a changed annotation
 * takes effect within the TTL); a pod's node by namespace, name and UID (a
 * scheduled pod never moves) and a node's region label, each for `ttlMs`.
 *
 * @module
 */

import { ExpiringCache } from "../cache/mod.ts";
import { type KubeApi, KubeApiError } from "./kube_api.ts";
import type { TokenBucket } from "./rate_limiter.ts";

/** Annotation that names the IRSA role of a service account. */
export const ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn";
/** Node label that holds the region. */
export const REGION_LABEL = "topology.kubernetes.io/region";

/** Retries of a throttled call (client-go's limit). */
const MAX_RETRIES = 10;

/** How long to wait before retrying, or `undefined` when the error is final. */
function retryDelayMs(error: unknown): number | undefined {
  if (!(error instanceof KubeApiError) || error.retryAfterSeconds === undefined) return undefined;
  const status = error.status ?? 0;
  if (status !== 429 && status < 500) return undefined;
  return Math.max(1, error.retryAfterSeconds) * 1000;
}

/** Deadline and cancellation of one mount. */
export interface CallContext {
  /** Aborts waiting and calls. */
  signal?: AbortSignal;
  /** Epoch ms by which the mount must be done. */
  deadline?: number;
}

/** Options of {@linkcode KubeLookups}. */
export interface KubeLookupsOptions {
  /** The API, created on first use. */
  kube: () => Promise<KubeApi>;
  /** Client-side rate limiter shared by all calls. */
  limiter: TokenBucket;
  /** How long answers are reused; 0 disables caching. */
  ttlMs: number;
  /**
   * The provider's `AWS_REGION` ("" if unset): when set, it is every pod's
   * region and no pod or node is read (the Go provider's rule).
   */
  awsRegion?: string;
  /** Clock. */
  now?: () => number;
  /** Sees every API call (for metrics). */
  onCall?: (resource: "serviceaccounts" | "pods" | "nodes", outcome: "ok" | "error") => void;
}

/** Cached, rate-limited Kubernetes lookups. */
export class KubeLookups {
  #options: KubeLookupsOptions;
  #roles: ExpiringCache<string>;
  #podNodes: ExpiringCache<string>;
  #nodeRegions: ExpiringCache<string>;
  /** API calls made, by resource. */
  readonly calls = { serviceaccounts: 0, pods: 0, nodes: 0 };

  /** Creates the lookups. */
  constructor(options: KubeLookupsOptions) {
    this.#options = options;
    const expiresAt = (_value: string, now: number) =>
      options.ttlMs > 0 ? now + options.ttlMs : undefined;
    const cacheOptions = { expiresAt, now: options.now };
    this.#roles = new ExpiringCache(cacheOptions);
    this.#podNodes = new ExpiringCache(cacheOptions);
    this.#nodeRegions = new ExpiringCache(cacheOptions);
  }

  /** Cache hit/miss counts of all three caches. */
  get cacheStats(): { hits: number; misses: number } {
    const caches = [this.#roles, this.#podNodes, this.#nodeRegions];
    return {
      hits: caches.reduce((sum, cache) => sum + cache.stats.hits, 0),
      misses: caches.reduce((sum, cache) => sum + cache.stats.misses, 0),
    };
  }

  /** The role ARN annotated on a service account ("" when there is none). */
  roleArn(namespace: string, serviceAccount: string, context: CallContext = {}): Promise<string> {
    return this.#roles.get(`${namespace}/${serviceAccount}`, async () => {
      const account = await this.#call(
        context,
        "serviceaccounts",
        (kube) => kube.getServiceAccount(namespace, serviceAccount, context),
      );
      return account.annotations[ROLE_ARN_ANNOTATION] ?? "";
    });
  }

  /**
   * The region of a pod: the provider's `AWS_REGION` if set, else the region
   * label of the node the pod runs on.
   *
   * @throws {Error} `Region not found` when the label is missing, or the API's error.
   */
  async region(
    pod: { namespace: string; name: string; uid: string },
    context: CallContext = {},
  ): Promise<string> {
    if (this.#options.awsRegion) return this.#options.awsRegion;
    const nodeName = await this.#podNodes.get(
      `${pod.namespace}/${pod.name}/${pod.uid}`,
      async () =>
        (await this.#call(context, "pods", (kube) => kube.getPod(pod.namespace, pod.name, context)))
          .nodeName,
    );
    if (nodeName === "") {
      // An unscheduled pod: client-go refuses the node GET with this text.
      this.#podNodes.delete(`${pod.namespace}/${pod.name}/${pod.uid}`);
      throw new Error("resource name may not be empty");
    }
    const region = await this.#nodeRegions.get(
      nodeName,
      async () =>
        (await this.#call(context, "nodes", (kube) => kube.getNode(nodeName, context)))
          .labels[REGION_LABEL] ?? "",
    );
    if (region === "") {
      this.#nodeRegions.delete(nodeName);
      throw new Error("Region not found");
    }
    return region;
  }

  /**
   * One API call: waits for a rate-limiter token, then calls and reports. Like
   * client-go, an answer of 429 (or 5xx) with `Retry-After` is retried after
   * that delay (up to 10 times), as long as the deadline allows.
   */
  async #call<T>(
    context: CallContext,
    resource: keyof KubeLookups["calls"],
    read: (kube: KubeApi) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0;; attempt++) {
      await this.#options.limiter.wait(context);
      const kube = await this.#options.kube();
      this.calls[resource]++;
      try {
        const result = await read(kube);
        this.#options.onCall?.(resource, "ok");
        return result;
      } catch (error) {
        this.#options.onCall?.(resource, "error");
        const delay = retryDelayMs(error);
        if (delay === undefined || attempt >= MAX_RETRIES || context.signal?.aborted) throw error;
        const now = this.#options.now?.() ?? Date.now();
        if (context.deadline !== undefined && now + delay >= context.deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
