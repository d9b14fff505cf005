/**
 * The three Kubernetes reads a mount may need, behind a small interface.
 *
 * @module
 */

/** Per-call options. */
export interface KubeCallOptions {
  /** The mount's deadline. */
  signal?: AbortSignal;
}

/** What we read from the Kubernetes API. */
export interface KubeApi {
  /** Annotations of a service account. */
  getServiceAccount(
    namespace: string,
    name: string,
    options?: KubeCallOptions,
  ): Promise<{ annotations: Record<string, string> }>;
  /** The node a pod runs on (`spec.nodeName`, "" when unscheduled). */
  getPod(namespace: string, name: string, options?: KubeCallOptions): Promise<{ nodeName: string }>;
  /** Labels of a node. */
  getNode(name: string, options?: KubeCallOptions): Promise<{ labels: Record<string, string> }>;
}

/** A failed Kubernetes read, with the API server's message (`pods "x" not found`). */
export class KubeApiError extends Error {
  /** The server's `Retry-After`, in seconds, when it sent one. */
  readonly retryAfterSeconds: number | undefined;

  /** Creates the error; `status` is the HTTP status when the server answered. */
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions & { retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = "KubeApiError";
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/**
 * The API made on first use, and made again after a failure (a cluster
 * config that could not be read now may be readable at the next mount): the
 * provider starts without one, and a broken one fails only the mounts that
 * need it, each with the reason.
 */
export function lazyKubeApi(create: () => Promise<KubeApi>): () => Promise<KubeApi> {
  let api: Promise<KubeApi> | undefined;
  return () => {
    api ??= create().catch((error) => {
      api = undefined;
      throw new Error(`Can not get cluster config. error: ${(error as Error).message}`);
    });
    return api;
  };
}
