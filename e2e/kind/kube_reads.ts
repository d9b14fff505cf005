/**
 * The kind suite's reads and waits on the cluster ({@linkcode KubeReads}):
 * pods and their readiness, a container's log, a Secret, events, the custom
 * objects of the CSI driver, and the rollout of a Deployment or DaemonSet.
 * The suite reads through `@kubernetes/client-node` (client_node_reads.ts);
 * the control-plane suite, whose cluster has no controllers and no kubelet
 * API, through its kubectl stand-in (`kubectlReads` of kubectl.ts).
 *
 * The functions here are pure: they turn API objects (client-node's models
 * and kubectl's JSON have the same field names) into what the scenarios
 * compare, and decide whether a rollout is done the way `kubectl rollout
 * status` does.
 *
 * @module
 */

/** A pod, as the scenarios need it. */
export interface PodSummary {
  /** Name. */
  name: string;
  /** Condition `Ready` is `True`. */
  ready: boolean;
  /** Being deleted (`metadata.deletionTimestamp`). */
  deleting: boolean;
  /** `status.phase`. */
  phase: string;
  /** Init containers then containers, as `kubectl logs --all-containers` visits them. */
  containers: string[];
  /** Why containers wait (`ContainerCreating`, `CrashLoopBackOff`, …), for messages. */
  waiting: string[];
}

/** An event, as the scenarios and the leak check need it. */
export interface EventSummary {
  /** Reason (`FailedMount`, …). */
  reason: string;
  /** Message. */
  message: string;
  /** The object it is about. */
  involved: { kind: string; namespace: string; name: string };
}

/** A Secret's data (base64, as the API returns it) and labels. */
export interface SecretSummary {
  /** Key → base64 value. */
  data: Record<string, string>;
  /** Labels. */
  labels: Record<string, string>;
}

/** Workloads whose rollout the suite waits for. */
export type WorkloadKind = "Deployment" | "DaemonSet";

/** The CSI driver's custom resources (group `secrets-store.csi.x-k8s.io`, version `v1`). */
export type DriverResource = "secretproviderclasses" | "secretproviderclasspodstatuses";

/** Which events {@linkcode KubeReads.events} returns. */
export interface EventFilter {
  /** Namespace; every namespace when absent. */
  namespace?: string;
  /** Name of the object the event is about. */
  involvedObject?: string;
  /** Reason. */
  reason?: string;
}

/** The suite's reads and waits (see the module doc). */
export interface KubeReads {
  /** Pods of `namespace` matching `labelSelector`. */
  pods(namespace: string, labelSelector: string): Promise<PodSummary[]>;
  /** The whole log of one container (`previous`: of its last terminated instance). */
  podLog(
    namespace: string,
    pod: string,
    options: { container: string; previous?: boolean },
  ): Promise<string>;
  /** A Secret; undefined while it does not exist. */
  secret(namespace: string, name: string): Promise<SecretSummary | undefined>;
  /** Events matching `filter`. */
  events(filter: EventFilter): Promise<EventSummary[]>;
  /** Objects of a CSI driver resource in every namespace, as the API returns them. */
  driverObjects(resource: DriverResource): Promise<unknown[]>;
  /**
   * Waits until the rollout of `kind` `name` is complete (as `kubectl rollout status`).
   *
   * @throws {Error} with the last status when it is not complete after `timeoutMs`.
   */
  rollout(
    kind: WorkloadKind,
    namespace: string,
    name: string,
    options?: { timeoutMs?: number },
  ): Promise<void>;
}

/** The fields of a pod {@linkcode podSummary} reads (client-node's `V1Pod` or kubectl's JSON). */
export interface PodFields {
  /** Metadata. */
  metadata?: { name?: string; deletionTimestamp?: unknown };
  /** Spec. */
  spec?: { containers?: { name: string }[]; initContainers?: { name: string }[] };
  /** Status. */
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { state?: { waiting?: { reason?: string } } }[];
  };
}

/** A pod's summary. */
export function podSummary(pod: PodFields): PodSummary {
  return {
    name: pod.metadata?.name ?? "",
    ready:
      pod.status?.conditions?.some((condition) =>
        condition.type === "Ready" && condition.status === "True"
      ) ?? false,
    deleting: pod.metadata?.deletionTimestamp !== undefined &&
      pod.metadata.deletionTimestamp !== null,
    phase: pod.status?.phase ?? "Unknown",
    containers: [...pod.spec?.initContainers ?? [], ...pod.spec?.containers ?? []]
      .map((container) => container.name),
    waiting: (pod.status?.containerStatuses ?? [])
      .map((status) => status.state?.waiting?.reason)
      .filter((reason): reason is string => reason !== undefined),
  };
}

/**
 * The pod a scenario looks at: a ready one that is not being deleted,
 * otherwise the first that is not being deleted.
 *
 * @throws {Error} when there is none.
 */
export function pickPod(pods: PodSummary[], what: string): PodSummary {
  const live = pods.filter((pod) => !pod.deleting);
  const pod = live.find((candidate) => candidate.ready) ?? live[0];
  if (!pod) throw new Error(`no pod ${what}`);
  return pod;
}

/** The fields of an event {@linkcode eventSummary} reads. */
export interface EventFields {
  /** Reason. */
  reason?: string;
  /** Message. */
  message?: string;
  /** The object it is about. */
  involvedObject?: { kind?: string; namespace?: string; name?: string };
}

/** An event's summary. */
export function eventSummary(event: EventFields): EventSummary {
  return {
    reason: event.reason ?? "",
    message: event.message ?? "",
    involved: {
      kind: event.involvedObject?.kind ?? "",
      namespace: event.involvedObject?.namespace ?? "",
      name: event.involvedObject?.name ?? "",
    },
  };
}

/** The field selector of `filter` (the API filters; empty when nothing is asked). */
export function eventFieldSelector(filter: EventFilter): string | undefined {
  const fields = [
    ...(filter.involvedObject ? [`involvedObject.name=${filter.involvedObject}`] : []),
    ...(filter.reason ? [`reason=${filter.reason}`] : []),
  ];
  return fields.length > 0 ? fields.join(",") : undefined;
}

/** The fields of a Deployment or DaemonSet that {@linkcode rolloutState} reads. */
export interface WorkloadFields {
  /** Metadata. */
  metadata?: { generation?: number };
  /** Spec. */
  spec?: { replicas?: number; updateStrategy?: { type?: string } };
  /** Status (Deployment and DaemonSet fields). */
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; reason?: string }[];
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

/** Where a rollout stands: done, failed for good, or the message of what it waits for. */
export interface RolloutState {
  /** Complete. */
  done: boolean;
  /** It will not complete (e.g. its progress deadline passed). */
  failed?: boolean;
  /** What `kubectl rollout status` would print. */
  message: string;
}

/**
 * Whether the rollout of a Deployment or DaemonSet is complete, by the rules
 * of `kubectl rollout status` (its `DeploymentStatusViewer` and
 * `DaemonSetStatusViewer`): the controller has seen the current generation,
 * every replica (every scheduled pod) is updated and available, no old
 * replica is left.
 */
export function rolloutState(
  kind: WorkloadKind,
  name: string,
  object: WorkloadFields,
): RolloutState {
  const generation = object.metadata?.generation ?? 0;
  const status = object.status ?? {};
  const observed = status.observedGeneration ?? 0;
  if (kind === "DaemonSet") {
    const strategy = object.spec?.updateStrategy?.type ?? "RollingUpdate";
    if (strategy !== "RollingUpdate") {
      return {
        done: false,
        failed: true,
        message: `rollout status is only available for RollingUpdate strategy type`,
      };
    }
    if (generation > observed) {
      return { done: false, message: "Waiting for daemon set spec update to be observed..." };
    }
    const desired = status.desiredNumberScheduled ?? 0;
    const updated = status.updatedNumberScheduled ?? 0;
    const available = status.numberAvailable ?? 0;
    if (updated < desired) {
      return {
        done: false,
        message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ` +
          `${desired} new pods have been updated...`,
      };
    }
    if (available < desired) {
      return {
        done: false,
        message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ` +
          `${desired} updated pods are available...`,
      };
    }
    return { done: true, message: `daemon set "${name}" successfully rolled out` };
  }
  if (generation > observed) {
    return { done: false, message: "Waiting for deployment spec update to be observed..." };
  }
  if (
    status.conditions?.some((condition) =>
      condition.type === "Progressing" && condition.reason === "ProgressDeadlineExceeded"
    )
  ) {
    return {
      done: false,
      failed: true,
      message: `deployment "${name}" exceeded its progress deadline`,
    };
  }
  const replicas = object.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  const waiting = `Waiting for deployment "${name}" rollout to finish: `;
  if (updated < replicas) {
    return {
      done: false,
      message: `${waiting}${updated} out of ${replicas} new replicas have been updated...`,
    };
  }
  if (total > updated) {
    return {
      done: false,
      message: `${waiting}${total - updated} old replicas are pending termination...`,
    };
  }
  if (available < updated) {
    return {
      done: false,
      message: `${waiting}${available} of ${updated} updated replicas are available...`,
    };
  }
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}

/** How {@linkcode waitForRollout} waits. */
export interface WaitOptions {
  /** Give up after. @default {180_000} (as the suite's `--timeout=180s`) */
  timeoutMs?: number;
  /** Between reads. @default {2_000} */
  intervalMs?: number;
  /** Waits; tests replace it. @default {setTimeout} */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Reads the workload until {@linkcode rolloutState} says it is done.
 *
 * @throws {Error} at once when the rollout failed for good, and with the
 * last state (or read error) after `timeoutMs`.
 */
export async function waitForRollout(
  read: () => Promise<WorkloadFields>,
  target: { kind: WorkloadKind; namespace: string; name: string },
  options: WaitOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const intervalMs = options.intervalMs ?? 2_000;
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const what = `${target.kind.toLowerCase()} ${target.namespace}/${target.name}`;
  let last = "never read";
  for (let waited = 0;; waited += intervalMs) {
    try {
      const state = rolloutState(target.kind, target.name, await read());
      if (state.done) return;
      if (state.failed) throw new RolloutFailed(`rollout of ${what} failed: ${state.message}`);
      last = state.message;
    } catch (error) {
      if (error instanceof RolloutFailed) throw error;
      last = `reading it failed: ${(error as Error).message}`;
    }
    if (waited >= timeoutMs) break;
    await sleep(intervalMs);
  }
  throw new Error(`rollout of ${what} not complete after ${timeoutMs / 1000} s: ${last}`);
}

class RolloutFailed extends Error {}
