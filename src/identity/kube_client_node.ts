/**
 * {@linkcode KubeApi} on npm:@kubernetes/client-node, configured in-cluster
 * (service account token and CA) or from a kubeconfig file.
 *
 * Two client-node behaviours are corrected here: it opens a new TLS
 * connection for every call when a CA is configured, and its HTTP/2 support
 * (undici with `allowH2`) can crash the process when the API server closes a
 * connection. We hand it one shared HTTP/1.1 keep-alive agent instead.
 * The module is heavy (~250 ms to import), so it is loaded on first use.
 *
 * @module
 */

import { type KubeApi, KubeApiError, type KubeCallOptions } from "./kube_api.ts";

/** The in-cluster API address: the `kubernetes` service of the `default` namespace. */
export const IN_CLUSTER_SERVER = "https://kubernetes.default.svc";

/** Where the Kubernetes configuration comes from. */
export interface KubeClientOptions {
  /** A kubeconfig file; empty means in-cluster configuration. */
  kubeconfig?: string;
  /** Directory of the in-cluster service account files (for tests). */
  inClusterPathPrefix?: string;
  /** In-cluster API server URL (default {@linkcode IN_CLUSTER_SERVER}; for tests). */
  inClusterServer?: string;
  /** Per-call timeout when the caller gives no deadline (ms, default 10 s). */
  timeoutMs?: number;
}

/** Creates the client; throws when no configuration can be loaded. */
export async function createClientNodeKubeApi(options: KubeClientOptions = {}): Promise<KubeApi> {
  const k8s = await import("@kubernetes/client-node");
  const { Agent } = await import("undici");
  const config = new k8s.KubeConfig();
  if (options.kubeconfig) {
    config.loadFromFile(options.kubeconfig);
  } else {
    config.loadFromCluster(options.inClusterPathPrefix);
    // Reach the API by its service name rather than the service IP from the
    // environment, so the permission to connect is one fixed host name.
    const cluster = config.getCurrentCluster()!;
    config.loadFromOptions({
      clusters: [{ ...cluster, server: options.inClusterServer ?? IN_CLUSTER_SERVER }],
      users: config.users,
      contexts: config.contexts,
      currentContext: config.currentContext,
    });
  }
  const tls: Record<string, unknown> = {};
  await config.applyToHTTPSOptions(tls);
  const agent = new Agent({
    allowH2: false,
    keepAliveTimeout: 30_000,
    // A few keep-alive connections suffice (calls are rate-limited); without a
    // cap a burst of lookups leaves hundreds of idle connections behind.
    connections: 8,
    connect: {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      ...(tls.rejectUnauthorized === undefined
        ? {}
        : { rejectUnauthorized: tls.rejectUnauthorized }),
    } as Record<string, unknown>,
  });
  const api = config.makeApiClient(k8s.CoreV1Api);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const callOptions = (
    call: KubeCallOptions,
  ): import("@kubernetes/client-node").ConfigurationOptions => ({
    middleware: [{
      pre: (context) => {
        context.setDispatcher(agent as never);
        context.setSignal(call.signal ?? AbortSignal.timeout(timeoutMs));
        return new k8s.Observable(Promise.resolve(context));
      },
      post: (context) => new k8s.Observable(Promise.resolve(context)),
    }],
    middlewareMergeStrategy: "append",
  });
  async function call<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw toKubeError(error, k8s.ApiException);
    }
  }
  return {
    getServiceAccount: (namespace, name, options = {}) =>
      call(async () => {
        const account = await api.readNamespacedServiceAccount(
          { namespace, name },
          callOptions(options),
        );
        return { annotations: account.metadata?.annotations ?? {} };
      }),
    getPod: (namespace, name, options = {}) =>
      call(async () => {
        const pod = await api.readNamespacedPod({ namespace, name }, callOptions(options));
        return { nodeName: pod.spec?.nodeName ?? "" };
      }),
    getNode: (name, options = {}) =>
      call(async () => {
        const node = await api.readNode({ name }, callOptions(options));
        return { labels: node.metadata?.labels ?? {} };
      }),
  };
}

/** The API server's Status message when there is one, as Go's client-go shows it. */
function toKubeError(error: unknown, apiException: abstract new (...args: never[]) => unknown) {
  if (error instanceof apiException) {
    const { code, body, headers } = error as unknown as {
      code: number;
      body: unknown;
      headers?: Record<string, string>;
    };
    const retryAfter = Number(headers?.["retry-after"] ?? headers?.["Retry-After"]);
    let message = `the server responded with status ${code}`;
    try {
      const status = typeof body === "string" ? JSON.parse(body) : body;
      if (status && typeof status.message === "string" && status.message !== "") {
        message = status.message;
      }
    } catch {
      if (typeof body === "string" && body.trim() !== "") message = body.trim();
    }
    return new KubeApiError(message, code, {
      cause: error,
      retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
    });
  }
  const text = error instanceof Error ? error.message : String(error);
  return new KubeApiError(text, undefined, { cause: error });
}
