/**
 * An in-memory {@linkcode KubeApi} for unit tests: service accounts, pods and
 * nodes in maps, NotFound errors with the API server's wording, and a log of
 * calls.
 *
 * @module
 */

import {
  IdentityResolver,
  type KubeApi,
  KubeApiError,
  KubeLookups,
  TokenBucket,
} from "../../src/identity/mod.ts";
import type { Logger } from "../../src/log/mod.ts";

/** An in-memory Kubernetes API that counts calls. */
export class FakeKube implements KubeApi {
  /** Annotations by `namespace/name`. */
  serviceAccounts = new Map<string, Record<string, string>>();
  /** Node name by `namespace/name` ("" = unscheduled). */
  pods = new Map<string, string>();
  /** Labels by node name. */
  nodes = new Map<string, Record<string, string>>();
  /** Calls made, e.g. `pods app/web-0`. */
  calls: string[] = [];

  /** Reads a service account. */
  getServiceAccount(namespace: string, name: string) {
    this.calls.push(`serviceaccounts ${namespace}/${name}`);
    const annotations = this.serviceAccounts.get(`${namespace}/${name}`);
    if (annotations === undefined) {
      return Promise.reject(new KubeApiError(`serviceaccounts "${name}" not found`, 404));
    }
    return Promise.resolve({ annotations });
  }

  /** Reads a pod. */
  getPod(namespace: string, name: string) {
    this.calls.push(`pods ${namespace}/${name}`);
    const nodeName = this.pods.get(`${namespace}/${name}`);
    if (nodeName === undefined) {
      return Promise.reject(new KubeApiError(`pods "${name}" not found`, 404));
    }
    return Promise.resolve({ nodeName });
  }

  /** Reads a node. */
  getNode(name: string) {
    this.calls.push(`nodes ${name}`);
    const labels = this.nodes.get(name);
    if (labels === undefined) {
      return Promise.reject(new KubeApiError(`nodes "${name}" not found`, 404));
    }
    return Promise.resolve({ labels });
  }
}

/**
 * Real {@linkcode KubeLookups} and {@linkcode IdentityResolver} over a
 * {@linkcode FakeKube}, for in-process mounts whose stores never ask for
 * credentials (STS rejects, the Pod Identity agent is unreachable).
 */
export function inMemoryIdentity(
  kube: FakeKube,
  logger: Logger,
): { lookups: KubeLookups; resolver: IdentityResolver } {
  const lookups = new KubeLookups({
    kube: () => Promise.resolve(kube),
    limiter: new TokenBucket({ qps: -1, burst: 1 }),
    ttlMs: 0,
  });
  const resolver = new IdentityResolver({
    kube: lookups,
    sts: {
      assumeRole: () => Promise.reject(new Error("in-memory stores never ask for credentials")),
    },
    agent: { ipv4Endpoint: "http://127.0.0.1:9/", ipv6Endpoint: "http://[::1]:9/" },
    logger,
  });
  return { lookups, resolver };
}
