/**
 * A kubelet stand-in for CSI inline volumes: what kubelet v1.35's CSI volume
 * plugin (`pkg/volume/csi/csi_mounter.go`, `csi_client.go`) does for a pod
 * on its node, against the real driver's CSI socket.
 *
 * `publish` is one `SetUpAt`: the target path
 * `<pods dir>/<pod uid>/volumes/kubernetes.io~csi/<volume>/mount` (the
 * parent created, `vol_data.json` written), the volume context built from
 * the volume's attributes, the pod information (`podInfoOnMount`) and
 * service account tokens from real TokenRequests bound to the pod (one per
 * `tokenRequests` audience of the CSIDriver, in the attributes or — with
 * `serviceAccountTokenInSecrets` — in the request's secrets), then
 * `NodeGetCapabilities` and `NodePublishVolume` with the kubelet's deadline
 * (2 minutes). A failure that the kubelet treats as final (any gRPC code but
 * Canceled, DeadlineExceeded, Unavailable, ResourceExhausted and Aborted)
 * removes the target directory, its `vol_data.json` and the volume
 * directory, as `removeMountDir` does; the others leave them for the retry.
 * `unpublish` is `TearDownAt`. Republishing (the kubelet's periodic remount
 * for `requiresRepublish` drivers) is calling `publish` again.
 *
 * `runPod` adds the rest of a pod start: every CSI volume set up with the
 * kubelet's retry backoff (0.5 s, doubling up to 2 min 2 s), a `FailedMount`
 * event per failed attempt as the kubelet records it, and the pod's status
 * set to Running once its volumes are mounted; running pods are republished
 * every `republishIntervalMs` while the CSIDriver asks for it.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { type KubeClient, type KubeObject, objectPath } from "./kube_client.ts";

/** The Secrets Store CSI driver's name. */
export const DRIVER_NAME = "secrets-store.csi.k8s.io";
/** The kubelet's timeout of CSI node calls (`csiTimeout`). */
export const KUBELET_CSI_TIMEOUT_MS = 120_000;
/** The kubelet's first retry delay after a failed volume operation. */
export const KUBELET_INITIAL_BACKOFF_MS = 500;
/** The kubelet's longest retry delay. */
export const KUBELET_MAX_BACKOFF_MS = 122_000;

/** gRPC codes after which the kubelet knows the operation is over (`isFinalError`). */
const NOT_FINAL = new Set([
  grpc.status.CANCELLED,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.UNAVAILABLE,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.ABORTED,
]);

/** Whether the kubelet considers a NodePublishVolume error final (then it removes the target). */
export function isFinalError(code: number): boolean {
  return !NOT_FINAL.has(code);
}

/** Go's name of a gRPC code (`Unknown`, `DeadlineExceeded`, …), as in `rpc error: code = …`. */
export function codeName(code: number): string {
  const upper = Object.entries(grpc.status).find(([, value]) => value === code)?.[0] ?? "UNKNOWN";
  const words = upper.toLowerCase().split("_");
  const name = words.map((word) => word[0].toUpperCase() + word.slice(1)).join("");
  return name === "Cancelled" ? "Canceled" : name;
}

/** The code and description of a failed call, as `rpc error: code = … desc = …` prints them. */
export interface CallStatus {
  /** The gRPC code. */
  code: number;
  /** The description. */
  details: string;
}

/**
 * A grpc-js call's failure as the kubelet's grpc-go client reports it. At
 * the deadline the driver's grpc-go server resets the stream with CANCEL,
 * which can reach us before grpc-js's own deadline timer fires (it did once
 * in CI; locally the timer wins by 1–3 ms). grpc-js then says `Canceled:
 * Call cancelled` (its words for a CANCEL reset only), while grpc-go turns a
 * CANCEL reset after its deadline into DeadlineExceeded (`handleRSTStream`).
 */
export function asGrpcGoSees(
  status: CallStatus,
  options: { deadline: number; now: number },
): CallStatus {
  const reset = status.code === grpc.status.CANCELLED && status.details === "Call cancelled";
  if (!reset || options.now < options.deadline) return status;
  return {
    code: grpc.status.DEADLINE_EXCEEDED,
    details: "stream terminated by RST_STREAM with error code: CANCEL",
  };
}

/** The inline volume's handle: `csi-` + SHA-256 of pod UID and volume name (`makeVolumeHandle`). */
export async function volumeHandle(podUid: string, volumeName: string): Promise<string> {
  return `csi-${await sha256Hex(`${podUid}${volumeName}`)}`;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The kubelet's target path of a pod's CSI volume. */
export function targetPathOf(podsDir: string, podUid: string, volumeName: string): string {
  return `${podsDir}/${podUid}/volumes/kubernetes.io~csi/${volumeName}/mount`;
}

/** The pod information attributes (`getPodInfoAttrs`). */
export function podInfoAttributes(pod: KubeObject): Record<string, string> {
  return {
    "csi.storage.k8s.io/pod.name": pod.metadata.name,
    "csi.storage.k8s.io/pod.namespace": pod.metadata.namespace ?? "",
    "csi.storage.k8s.io/pod.uid": pod.metadata.uid ?? "",
    "csi.storage.k8s.io/serviceAccount.name": pod.spec?.serviceAccountName ?? "",
    "csi.storage.k8s.io/ephemeral": "true",
  };
}

/**
 * The `csi.storage.k8s.io/serviceAccount.tokens` value: audience → status,
 * as Go's `json.Marshal` of a map writes it (keys sorted; `token` before
 * `expirationTimestamp`).
 */
export function tokensAttribute(
  statuses: Record<string, { token: string; expirationTimestamp: string }>,
): string {
  const sorted = Object.keys(statuses).sort();
  return `{${
    sorted.map((audience) =>
      `${JSON.stringify(audience)}:${
        JSON.stringify({
          token: statuses[audience].token,
          expirationTimestamp: statuses[audience].expirationTimestamp,
        })
      }`
    ).join(",")
  }}`;
}

/** The outcome of one `publish`. */
export type PublishOutcome =
  | { ok: true; targetPath: string }
  | {
    ok: false;
    targetPath: string;
    /** gRPC code. */
    code: number;
    /** The error as the kubelet prints it: `rpc error: code = … desc = …`. */
    message: string;
    /** Whether the kubelet treats it as final (and removed the target). */
    final: boolean;
  };

/** Options of {@linkcode startKubelet}. */
export interface KubeletOptions {
  /** The API client the kubelet uses (reads the CSIDriver, requests tokens, records events). */
  kube: KubeClient;
  /** The node. */
  nodeName: string;
  /** The kubelet's pods directory (`<root>/var/lib/kubelet/pods`). */
  podsDir: string;
  /** The driver's CSI socket. */
  csiSocket: string;
  /** The CSI spec's `csi.proto`. */
  csiProto: string;
  /** Deadline of NodePublishVolume and NodeUnpublishVolume. @default {KUBELET_CSI_TIMEOUT_MS} */
  callTimeoutMs?: number;
  /** How often running pods are republished (when the CSIDriver requires it). @default {2_000} */
  republishIntervalMs?: number;
}

/** Options of {@linkcode Kubelet.runPod}. */
export interface RunPodOptions {
  /** Give up mounting after this long. @default {180_000} */
  timeoutMs?: number;
}

/** The kubelet stand-in. */
export interface Kubelet extends AsyncDisposable {
  /** The target path of a pod's volume. */
  targetPath(pod: KubeObject, volumeName: string): string;
  /**
   * One `SetUpAt` of the pod's CSI volume `volumeName` (see the module doc);
   * `timeoutMs` replaces the kubelet's deadline for this call.
   */
  publish(
    pod: KubeObject,
    volumeName: string,
    options?: { timeoutMs?: number },
  ): Promise<PublishOutcome>;
  /** One `TearDownAt`. @throws {Error} with the driver's error, as the kubelet fails. */
  unpublish(pod: KubeObject, volumeName: string): Promise<void>;
  /**
   * Starts the pod (see the module doc); resolves when every CSI volume is
   * mounted and the pod is Running, or rejects after `timeoutMs` with the
   * last error. A pod that failed keeps being retried in the background
   * until `forgetPod` or `close`.
   */
  runPod(pod: KubeObject, options?: RunPodOptions): Promise<void>;
  /** Stops retrying and republishing a pod. */
  forgetPod(pod: KubeObject): void;
  /** Stops retrying and republishing every pod started with `runPod`. */
  forgetPods(): void;
  /** Every token the kubelet requested (for the leak check). */
  tokensIssued(): string[];
  /** Closes the CSI connection and stops background work. */
  close(): Promise<void>;
}

interface CsiDriverSpec {
  podInfoOnMount?: boolean;
  requiresRepublish?: boolean;
  serviceAccountTokenInSecrets?: boolean;
  tokenRequests?: { audience?: string; expirationSeconds?: number }[];
}

/** Starts a kubelet stand-in talking to the driver at `options.csiSocket`. */
export function startKubelet(options: KubeletOptions): Kubelet {
  const definition = protoLoader.loadSync(options.csiProto, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  // deno-lint-ignore no-explicit-any
  const csi = (grpc.loadPackageDefinition(definition) as any).csi.v1;
  const node = new csi.Node(`unix://${options.csiSocket}`, grpc.credentials.createInsecure());
  const callTimeoutMs = options.callTimeoutMs ?? KUBELET_CSI_TIMEOUT_MS;
  const tokens: string[] = [];
  const running = new Map<string, { pod: KubeObject; stop: boolean }>();
  let closed = false;

  const call = <T>(method: string, request: unknown, timeoutMs = callTimeoutMs): Promise<T> =>
    new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      node[method](
        request,
        { deadline: new Date(deadline) },
        (error: grpc.ServiceError | null, response: T) =>
          error
            ? reject(Object.assign(error, asGrpcGoSees(error, { deadline, now: Date.now() })))
            : resolve(response),
      );
    });

  const csiDriver = async (): Promise<CsiDriverSpec | undefined> =>
    (await options.kube.get(objectPath({ kind: "CSIDriver", name: DRIVER_NAME })))?.spec;

  const volumeOf = (pod: KubeObject, name: string) => {
    const volume = pod.spec?.volumes?.find((candidate: { name: string }) =>
      candidate.name === name
    );
    if (!volume?.csi) throw new Error(`pod ${pod.metadata.name} has no CSI volume ${name}`);
    return volume;
  };

  const targetPath = (pod: KubeObject, volumeName: string) =>
    targetPathOf(options.podsDir, pod.metadata.uid!, volumeName);

  async function tokenAttributes(
    pod: KubeObject,
    spec: CsiDriverSpec,
  ): Promise<string | undefined> {
    if (!spec.tokenRequests?.length) return undefined;
    const statuses: Record<string, { token: string; expirationTimestamp: string }> = {};
    for (const request of spec.tokenRequests) {
      const audience = request.audience ?? "";
      const status = await options.kube.requestToken(
        pod.metadata.namespace!,
        pod.spec.serviceAccountName,
        {
          audiences: audience === "" ? [] : [audience],
          expirationSeconds: request.expirationSeconds,
          boundPod: { name: pod.metadata.name, uid: pod.metadata.uid! },
        },
      );
      tokens.push(status.token);
      statuses[audience] = status;
    }
    return tokensAttribute(statuses);
  }

  async function publish(
    pod: KubeObject,
    volumeName: string,
    publishOptions: { timeoutMs?: number } = {},
  ): Promise<PublishOutcome> {
    const volume = volumeOf(pod, volumeName);
    const dir = targetPath(pod, volumeName);
    const parent = dir.slice(0, dir.lastIndexOf("/"));
    const spec = await csiDriver() ?? {};
    await Deno.mkdir(parent, { recursive: true, mode: 0o750 });
    let volumeContext: Record<string, string> = { ...(volume.csi.volumeAttributes ?? {}) };
    if (spec.podInfoOnMount) volumeContext = { ...volumeContext, ...podInfoAttributes(pod) };
    const secrets: Record<string, string> = {};
    const tokensValue = await tokenAttributes(pod, spec);
    if (tokensValue !== undefined) {
      (spec.serviceAccountTokenInSecrets ? secrets : volumeContext)[
        "csi.storage.k8s.io/serviceAccount.tokens"
      ] = tokensValue;
    }
    const handle = await volumeHandle(pod.metadata.uid!, volumeName);
    await Deno.writeTextFile(
      `${parent}/vol_data.json`,
      JSON.stringify({
        attachmentID: `csi-${await sha256Hex(`${handle}${DRIVER_NAME}${options.nodeName}`)}`,
        driverName: DRIVER_NAME,
        nodeName: options.nodeName,
        specVolID: volumeName,
        volumeHandle: handle,
        volumeLifecycleMode: "Ephemeral",
      }),
    );
    try {
      const deadline = Date.now() + (publishOptions.timeoutMs ?? callTimeoutMs);
      await call("NodeGetCapabilities", {}, deadline - Date.now());
      await call("NodePublishVolume", {
        volume_id: handle,
        target_path: dir,
        readonly: volume.csi.readOnly === true,
        volume_capability: {
          mount: { fs_type: volume.csi.fsType ?? "", mount_flags: [] },
          access_mode: { mode: "SINGLE_NODE_WRITER" },
        },
        volume_context: volumeContext,
        secrets,
        publish_context: {},
      }, deadline - Date.now());
      return { ok: true, targetPath: dir };
    } catch (error) {
      const { code, details } = error as CallStatus;
      const final = isFinalError(code);
      if (final) await removeMountDir(dir);
      return {
        ok: false,
        targetPath: dir,
        code,
        message: `rpc error: code = ${codeName(code)} desc = ${details}`,
        final,
      };
    }
  }

  async function unpublish(pod: KubeObject, volumeName: string): Promise<void> {
    const dir = targetPath(pod, volumeName);
    try {
      await call("NodeUnpublishVolume", {
        volume_id: await volumeHandle(pod.metadata.uid!, volumeName),
        target_path: dir,
      });
    } catch (error) {
      const { code, details } = error as CallStatus;
      throw new Error(
        `Unmounter.TearDownAt failed: rpc error: code = ${codeName(code)} desc = ${details}`,
      );
    }
    await removeMountDir(dir);
  }

  async function recordFailedMount(pod: KubeObject, volumeName: string, message: string) {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    await options.kube.create({
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: `${pod.metadata.name}.${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`,
        namespace: pod.metadata.namespace,
      },
      involvedObject: {
        apiVersion: "v1",
        kind: "Pod",
        name: pod.metadata.name,
        namespace: pod.metadata.namespace,
        uid: pod.metadata.uid,
      },
      reason: "FailedMount",
      message: `MountVolume.SetUp failed for volume "${volumeName}" : ${message}`,
      type: "Warning",
      source: { component: "kubelet", host: options.nodeName },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    }).catch(() => {}); // the kubelet's event recorder drops what it cannot send, too
  }

  const csiVolumes = (pod: KubeObject): string[] =>
    (pod.spec?.volumes ?? [])
      .filter((volume: { csi?: { driver?: string } }) => volume.csi?.driver === DRIVER_NAME)
      .map((volume: { name: string }) => volume.name);

  async function runPod(pod: KubeObject, runOptions: RunPodOptions = {}): Promise<void> {
    const key = pod.metadata.uid!;
    const state = { pod, stop: false };
    running.set(key, state);
    const deadline = Date.now() + (runOptions.timeoutMs ?? 180_000);
    let lastError = "";
    const { promise: result, resolve: notifyMounted, reject: notifyFailed } = Promise
      .withResolvers<void>();
    (async () => {
      let pending = csiVolumes(pod);
      let backoff = KUBELET_INITIAL_BACKOFF_MS;
      let reported = false;
      while (!state.stop && !closed && pending.length > 0) {
        const failed: string[] = [];
        for (const volumeName of pending) {
          const outcome = await publish(pod, volumeName).catch((error) => ({
            ok: false as const,
            message: (error as Error).message,
          }));
          if (!outcome.ok) {
            failed.push(volumeName);
            lastError = outcome.message;
            await recordFailedMount(pod, volumeName, outcome.message);
          }
        }
        pending = failed;
        if (pending.length === 0) break;
        if (!reported && Date.now() > deadline) {
          reported = true;
          notifyFailed(new Error(`pod ${pod.metadata.name}: volumes not mounted: ${lastError}`));
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, KUBELET_MAX_BACKOFF_MS);
      }
      if (pending.length > 0 || state.stop || closed) return;
      await options.kube.mergePatch(`${podPath(pod)}/status`, {
        status: {
          phase: "Running",
          conditions: [{ type: "Ready", status: "True" }],
          startTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        },
      });
      notifyMounted();
      while (!state.stop && !closed) {
        await sleep(options.republishIntervalMs ?? 2_000);
        if (state.stop || closed) break;
        const spec = await csiDriver().catch(() => undefined);
        if (!spec?.requiresRepublish) continue;
        for (const volumeName of csiVolumes(pod)) {
          const outcome = await publish(pod, volumeName).catch(() => undefined);
          if (outcome && !outcome.ok) await recordFailedMount(pod, volumeName, outcome.message);
        }
      }
    })().catch((error) => notifyFailed(error));
    return await result;
  }

  function close(): Promise<void> {
    closed = true;
    for (const state of running.values()) state.stop = true;
    running.clear();
    node.close();
    return Promise.resolve();
  }

  return {
    targetPath,
    publish,
    unpublish,
    runPod,
    forgetPod(pod) {
      const state = running.get(pod.metadata.uid!);
      if (state) state.stop = true;
      running.delete(pod.metadata.uid!);
    },
    forgetPods() {
      for (const state of running.values()) state.stop = true;
      running.clear();
    },
    tokensIssued: () => [...tokens],
    close,
    [Symbol.asyncDispose]: close,
  };
}

function podPath(pod: KubeObject): string {
  return objectPath({ kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `dir` is a mount point: its device differs from its parent's (`IsLikelyNotMountPoint`). */
export async function isMountPoint(dir: string): Promise<boolean> {
  const [self, parent] = await Promise.all([Deno.stat(dir), Deno.stat(`${dir}/..`)]);
  return self.dev !== parent.dev;
}

/**
 * The kubelet's `removeMountDir`: when `dir` is not a mount point, remove
 * it (it must be empty), the volume's `vol_data.json` and the volume
 * directory; a mounted `dir` is left alone.
 */
export async function removeMountDir(dir: string): Promise<void> {
  const mounted = await isMountPoint(dir).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  });
  if (mounted) return;
  const volumeDir = dir.slice(0, dir.lastIndexOf("/"));
  for (const path of [dir, `${volumeDir}/vol_data.json`, volumeDir]) {
    await Deno.remove(path).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}
