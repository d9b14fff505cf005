/**
 * {@linkcode KubeReads} on `@kubernetes/client-node`, the project's
 * Kubernetes client, with the kubeconfig `kind get kubeconfig` wrote (the
 * API server on 127.0.0.1, a client certificate): `CoreV1Api` for pods,
 * logs, Secrets and events, `AppsV1Api` for the rollout of Deployments and
 * DaemonSets, `CustomObjectsApi` for the driver's SecretProviderClasses and
 * SecretProviderClassPodStatuses.
 *
 * client-node makes a new undici agent (a new TLS connection) for every call
 * when the kubeconfig has TLS material — and with those agents Deno 2.9.6
 * ends with a segmentation fault after the first few calls of
 * client_node_reads_test.ts. Its calls here all go through one keep-alive
 * HTTP/1.1 agent instead (as the provider's own client does), with a
 * deadline per call, and `close()` ends its connections. A container log is
 * read up to {@linkcode MAX_LOG_BYTES}.
 *
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { Agent } from "undici";
import {
  type DriverResource,
  eventFieldSelector,
  eventSummary,
  type KubeReads,
  podSummary,
  waitForRollout,
  type WaitOptions,
} from "./kube_reads.ts";

/** The most of one container's log that is read (the API's `limitBytes`). */
export const MAX_LOG_BYTES = 16 * 1024 * 1024;
/** The CSI driver's API group and version. */
export const DRIVER_API = { group: "secrets-store.csi.x-k8s.io", version: "v1" };

/** Options of {@linkcode clientNodeReads}. */
export interface ClientNodeReadsOptions {
  /** Path of the kubeconfig file. */
  kubeconfig: string;
  /** Deadline of one API call. @default {30_000} */
  callTimeoutMs?: number;
  /** How rollouts are polled (tests make it fast). */
  rollout?: Omit<WaitOptions, "timeoutMs">;
}

/** {@linkcode KubeReads} that must be closed. */
export interface ClosableKubeReads extends KubeReads, AsyncDisposable {
  /** Closes the connections (again: nothing more). */
  close(): Promise<void>;
}

/** The reads on client-node (see the module doc). */
export async function clientNodeReads(options: ClientNodeReadsOptions): Promise<ClosableKubeReads> {
  const config = new k8s.KubeConfig();
  config.loadFromFile(options.kubeconfig);
  const tls: { ca?: unknown; cert?: unknown; key?: unknown; rejectUnauthorized?: boolean } = {};
  await config.applyToHTTPSOptions(tls);
  const agent = new Agent({
    allowH2: false,
    connections: 4,
    connect: {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      ...(tls.rejectUnauthorized === undefined
        ? {}
        : { rejectUnauthorized: tls.rejectUnauthorized }),
    } as Record<string, unknown>,
  });
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  const call: k8s.ConfigurationOptions = {
    middleware: [{
      pre: (context) => {
        context.setDispatcher(agent as never);
        context.setSignal(AbortSignal.timeout(callTimeoutMs));
        return new k8s.Observable(Promise.resolve(context));
      },
      post: (context) => new k8s.Observable(Promise.resolve(context)),
    }],
    middlewareMergeStrategy: "append",
  };
  const core = config.makeApiClient(k8s.CoreV1Api);
  const apps = config.makeApiClient(k8s.AppsV1Api);
  const custom = config.makeApiClient(k8s.CustomObjectsApi);
  let closing: Promise<void> | undefined;
  const close = () => closing ??= agent.close();

  return {
    async pods(namespace, labelSelector) {
      const list = await core.listNamespacedPod({ namespace, labelSelector }, call);
      return list.items.map(podSummary);
    },
    podLog(namespace, pod, log) {
      return core.readNamespacedPodLog({
        name: pod,
        namespace,
        container: log.container,
        previous: log.previous ?? false,
        limitBytes: MAX_LOG_BYTES,
      }, call);
    },
    async secret(namespace, name) {
      try {
        const secret = await core.readNamespacedSecret({ namespace, name }, call);
        return { data: secret.data ?? {}, labels: secret.metadata?.labels ?? {} };
      } catch (error) {
        if (error instanceof k8s.ApiException && error.code === 404) return undefined;
        throw error;
      }
    },
    async events(filter) {
      const fieldSelector = eventFieldSelector(filter);
      const list = filter.namespace
        ? await core.listNamespacedEvent({ namespace: filter.namespace, fieldSelector }, call)
        : await core.listEventForAllNamespaces({ fieldSelector }, call);
      return list.items.map(eventSummary);
    },
    async driverObjects(resource: DriverResource) {
      const list = await custom.listClusterCustomObject({ ...DRIVER_API, plural: resource }, call);
      return (list as { items?: unknown[] }).items ?? [];
    },
    rollout(kind, namespace, name, wait = {}) {
      const read = kind === "Deployment"
        ? () => apps.readNamespacedDeployment({ namespace, name }, call)
        : () => apps.readNamespacedDaemonSet({ namespace, name }, call);
      return waitForRollout(read, { kind, namespace, name }, { ...options.rollout, ...wait });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
