/**
 * A small client of the real kube-apiserver for the suite's own work:
 * server-side apply of manifests, reads, deletes, status updates and
 * TokenRequests, with a bearer token over TLS. The components under test
 * (driver, provider) use their own clients; this one only sets the stage.
 *
 * @example
 * ```ts
 * const kube = kubeClient({ server, caCertPem, token });
 * await kube.apply(namespaceObject);
 * const pod = await kube.get(objectPath({ kind: "Pod", namespace: "app", name: "p" }));
 * ```
 *
 * @module
 */

import type { KubeObject as RenderedObject } from "../../e2e/kind/chart_render.ts";

/** The kind suite's type of a rendered object, which {@linkcode KubeObject} extends. */
export type { RenderedObject };

/**
 * A Kubernetes object as JSON: the kind suite's rendered-object type, with
 * the metadata the API server adds (UID, owners).
 */
export interface KubeObject extends RenderedObject {
  /** Metadata. */
  metadata: RenderedObject["metadata"] & {
    uid?: string;
    ownerReferences?: Record<string, unknown>[];
  };
}

/** Where a kind lives in the API: its resource name and whether it is namespaced. */
interface KindInfo {
  resource: string;
  namespaced: boolean;
}

/** The kinds the suite touches; anything else is an error rather than a guessed plural. */
const KINDS: Record<string, KindInfo> = {
  Namespace: { resource: "namespaces", namespaced: false },
  Node: { resource: "nodes", namespaced: false },
  ServiceAccount: { resource: "serviceaccounts", namespaced: true },
  Pod: { resource: "pods", namespaced: true },
  Secret: { resource: "secrets", namespaced: true },
  ConfigMap: { resource: "configmaps", namespaced: true },
  Event: { resource: "events", namespaced: true },
  ClusterRole: { resource: "clusterroles", namespaced: false },
  ClusterRoleBinding: { resource: "clusterrolebindings", namespaced: false },
  Role: { resource: "roles", namespaced: true },
  RoleBinding: { resource: "rolebindings", namespaced: true },
  CustomResourceDefinition: { resource: "customresourcedefinitions", namespaced: false },
  CSIDriver: { resource: "csidrivers", namespaced: false },
  DaemonSet: { resource: "daemonsets", namespaced: true },
  Deployment: { resource: "deployments", namespaced: true },
  Service: { resource: "services", namespaced: true },
  SecretProviderClass: { resource: "secretproviderclasses", namespaced: true },
  SecretProviderClassPodStatus: { resource: "secretproviderclasspodstatuses", namespaced: true },
};

/** The default API version of each kind, for {@linkcode objectPath} calls without one. */
const DEFAULT_VERSIONS: Record<string, string> = {
  Namespace: "v1",
  Node: "v1",
  ServiceAccount: "v1",
  Pod: "v1",
  Secret: "v1",
  ConfigMap: "v1",
  Event: "v1",
  ClusterRole: "rbac.authorization.k8s.io/v1",
  ClusterRoleBinding: "rbac.authorization.k8s.io/v1",
  Role: "rbac.authorization.k8s.io/v1",
  RoleBinding: "rbac.authorization.k8s.io/v1",
  CustomResourceDefinition: "apiextensions.k8s.io/v1",
  CSIDriver: "storage.k8s.io/v1",
  DaemonSet: "apps/v1",
  Deployment: "apps/v1",
  Service: "v1",
  SecretProviderClass: "secrets-store.csi.x-k8s.io/v1",
  SecretProviderClassPodStatus: "secrets-store.csi.x-k8s.io/v1",
};

/** Identifies an object or, without `name`, a collection. */
export interface ObjectRef {
  /** Kind (one of those the suite knows). */
  kind: string;
  /** API version. @default {the kind's usual version} */
  apiVersion?: string;
  /** Namespace of namespaced kinds. */
  namespace?: string;
  /** Name; omitted for a collection. */
  name?: string;
}

/**
 * The API path of an object or collection.
 *
 * @example
 * ```ts
 * objectPath({ kind: "Pod", namespace: "app", name: "p" }); // "/api/v1/namespaces/app/pods/p"
 * ```
 * @throws {Error} for a kind the suite does not know, or a namespaced kind without namespace.
 */
export function objectPath(ref: ObjectRef): string {
  const info = KINDS[ref.kind];
  if (!info) throw new Error(`unknown kind ${ref.kind}`);
  const apiVersion = ref.apiVersion ?? DEFAULT_VERSIONS[ref.kind];
  const root = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  if (info.namespaced && !ref.namespace) {
    throw new Error(`${ref.kind}${ref.name ? ` ${ref.name}` : ""} needs a namespace`);
  }
  const scope = info.namespaced ? `/namespaces/${encodeURIComponent(ref.namespace!)}` : "";
  const name = ref.name === undefined ? "" : `/${encodeURIComponent(ref.name)}`;
  return `${root}${scope}/${info.resource}${name}`;
}

/** The path of `object` itself. */
export function pathOf(object: KubeObject): string {
  return objectPath({
    kind: object.kind,
    apiVersion: object.apiVersion,
    namespace: object.metadata.namespace,
    name: object.metadata.name,
  });
}

/** An error answer of the API server: its HTTP status and the `Status` message. */
export class KubeApiError extends Error {
  /** Creates the error. */
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

/** Where and as whom the client talks. */
export interface KubeClientOptions {
  /** `https://127.0.0.1:PORT`. */
  server: string;
  /** The cluster CA (PEM). */
  caCertPem: string;
  /** Bearer token. */
  token: string;
}

/** Options of a TokenRequest. */
export interface TokenRequestOptions {
  /** Audiences; the API server's default audience when empty. */
  audiences: string[];
  /** Lifetime. @default {3600} */
  expirationSeconds?: number;
  /** The pod the token is bound to, as the kubelet binds them. */
  boundPod?: { name: string; uid: string };
}

/** The `status` of a TokenRequest. */
export interface TokenRequestStatus {
  /** The token. */
  token: string;
  /** When it expires (RFC 3339). */
  expirationTimestamp: string;
}

/** A client for one identity. */
export interface KubeClient {
  /** The server URL. */
  readonly server: string;
  /** GET; `undefined` on 404. */
  get(path: string): Promise<KubeObject | undefined>;
  /** GET of a collection; `labelSelector`/`fieldSelector` as query. */
  list(
    path: string,
    query?: { labelSelector?: string; fieldSelector?: string },
  ): Promise<KubeObject[]>;
  /** POST to a collection. */
  create(object: KubeObject): Promise<KubeObject>;
  /** Server-side apply (field manager `devstack`, forced). */
  apply(object: KubeObject): Promise<KubeObject>;
  /** JSON merge patch of an object (or a subresource path such as `…/status`). */
  mergePatch(path: string, patch: unknown): Promise<KubeObject>;
  /** DELETE; true when it existed. */
  delete(path: string): Promise<boolean>;
  /** A TokenRequest for a service account. */
  requestToken(
    namespace: string,
    serviceAccount: string,
    options: TokenRequestOptions,
  ): Promise<TokenRequestStatus>;
  /** A raw request; the answer body as text (e.g. `/readyz`). */
  raw(method: string, path: string): Promise<{ status: number; text: string }>;
  /** Releases the HTTP client. */
  close(): void;
}

/** Creates a client. */
export function kubeClient(options: KubeClientOptions): KubeClient {
  const http = Deno.createHttpClient({ caCerts: [options.caCertPem] });
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<{ status: number; text: string }> => {
    const response = await fetch(`${options.server}${path}`, {
      method,
      client: http,
      headers: {
        authorization: `Bearer ${options.token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": contentType }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  };
  const json = async (
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<KubeObject> => {
    const { status, text } = await call(method, path, body, contentType);
    if (status >= 200 && status < 300) return JSON.parse(text);
    throw apiError(method, path, status, text);
  };
  return {
    server: options.server,
    async get(path) {
      const { status, text } = await call("GET", path);
      if (status === 404) return undefined;
      if (status >= 300) throw apiError("GET", path, status, text);
      return JSON.parse(text);
    },
    async list(path, query = {}) {
      const search = new URLSearchParams(
        Object.entries(query).filter(([, value]) => value !== undefined) as [string, string][],
      ).toString();
      const list = await json("GET", search ? `${path}?${search}` : path);
      return (list.items ?? []) as KubeObject[];
    },
    create(object) {
      const collection = objectPath({
        kind: object.kind,
        apiVersion: object.apiVersion,
        namespace: object.metadata.namespace,
      });
      return json("POST", collection, object);
    },
    apply(object) {
      return json(
        "PATCH",
        `${pathOf(object)}?fieldManager=devstack&force=true`,
        object,
        "application/apply-patch+yaml",
      );
    },
    mergePatch(path, patch) {
      return json("PATCH", path, patch, "application/merge-patch+json");
    },
    async delete(path) {
      const { status, text } = await call("DELETE", path);
      if (status === 404) return false;
      if (status >= 300) throw apiError("DELETE", path, status, text);
      return true;
    },
    async requestToken(namespace, serviceAccount, request) {
      const path = `${
        objectPath({ kind: "ServiceAccount", namespace, name: serviceAccount })
      }/token`;
      const answer = await json("POST", path, {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: {
          audiences: request.audiences,
          expirationSeconds: request.expirationSeconds ?? 3600,
          ...(request.boundPod
            ? {
              boundObjectRef: {
                apiVersion: "v1",
                kind: "Pod",
                name: request.boundPod.name,
                uid: request.boundPod.uid,
              },
            }
            : {}),
        },
      });
      return answer.status as TokenRequestStatus;
    },
    raw: (method, path) => call(method, path),
    close: () => http.close(),
  };
}

function apiError(method: string, path: string, status: number, text: string): KubeApiError {
  let reason = "";
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text);
    reason = String(parsed.reason ?? "");
    message = String(parsed.message ?? message);
  } catch {
    // not a Status object
  }
  return new KubeApiError(
    status,
    reason,
    `${method} ${path}: HTTP ${status} ${reason}: ${message}`,
  );
}
