/**
 * A small local Kubernetes API server for tests.
 *
 * It answers the three reads the provider makes per mount, with the bodies,
 * status codes and `Status` errors a real kube-apiserver sends:
 *
 * - `GET /api/v1/namespaces/{ns}/serviceaccounts/{name}`
 * - `GET /api/v1/namespaces/{ns}/pods/{name}`
 * - `GET /api/v1/nodes/{name}`
 *
 * State (service accounts, pods, nodes), faults and the request log are
 * driven in-process. It serves plain HTTP by default and HTTPS with a
 * throw-away CA when started with `tls: true` (see `tls_cert.ts`), and writes
 * kubeconfig files / in-cluster service-account files usable by
 * `@kubernetes/client-node`.
 *
 * Listens only on loopback (`127.0.0.1` or `::1`).
 *
 * @example
 * ```ts
 * await using kube = await startKubeApiServer({ tls: true, token: "t0k" });
 * kube.putServiceAccount("app", "sa", { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/r" });
 * const kubeconfig = await kube.writeKubeconfig(await Deno.makeTempDir());
 * ```
 *
 * @module
 */

import { stringify } from "yaml";
import { type Fault, faultBook, type FaultedCall, type FaultInjector, waitOut } from "./faults.ts";
import { defaultTestTls, type TestTlsMaterial } from "./tls_cert.ts";

/** Resources the server knows about. */
export type KubeResource = "serviceaccounts" | "pods" | "nodes";

/** Which requests a fault applies to; every resource request when `resource` is left out. */
export interface KubeFaultMatch {
  /** Only requests for this resource. */
  resource?: KubeResource;
}

/** One request seen by the server. */
export interface KubeCall extends FaultedCall {
  /** HTTP method. */
  method: string;
  /** URL path (without query). */
  path: string;
  /** Resource addressed, when the path is one of the three known ones. */
  resource?: KubeResource;
  /** Namespace from the path (namespaced resources). */
  namespace?: string;
  /** Object name from the path. */
  name?: string;
  /** Raw `Authorization` header, if sent. */
  authorization?: string;
}

/** Options for {@linkcode startKubeApiServer}. */
export interface KubeApiServerOptions {
  /** Loopback address to listen on. @default {"127.0.0.1"} */
  hostname?: "127.0.0.1" | "::1";
  /** Port; `0` picks a free one. @default {0} */
  port?: number;
  /**
   * Serve HTTPS. `true` uses a CA + server certificate generated once per
   * process with openssl; pass your own material to control it.
   * @default {false}
   */
  tls?: boolean | TestTlsMaterial;
  /**
   * HTTPS only: also offer HTTP/2 (ALPN `h2`), as a real kube-apiserver does.
   * Off by default because npm `undici` (used by `@kubernetes/client-node`)
   * negotiates h2 and, under Deno 2.9.6, its `node:http2` session crashes the
   * whole process (SIGSEGV / nghttp2 assertion) when the server closes the
   * connection, e.g. on {@linkcode KubeApiServer.stop}. With `false`, HTTPS
   * is served with ALPN `http/1.1` only.
   * @default {false}
   */
  http2?: boolean;
  /**
   * When set, every request must carry `Authorization: Bearer <token>`;
   * others get 401 `Unauthorized`.
   */
  token?: string;
  /**
   * User named in 403 `Forbidden` messages.
   * @default {"system:serviceaccount:kube-system:csi-secrets-store-provider-aws"}
   */
  user?: string;
}

/** Options for {@linkcode KubeApiServer.writeKubeconfig}. */
export interface WriteKubeconfigOptions {
  /** Bearer token of the kubeconfig user. @default {the server's `token` option, if any} */
  token?: string;
  /** Default namespace of the context. @default {"default"} */
  namespace?: string;
  /** File name inside `dir`. @default {"kubeconfig"} */
  fileName?: string;
  /**
   * HTTPS only: write the CA to `ca.crt` in `dir` and reference it with
   * `certificate-authority` instead of inlining `certificate-authority-data`.
   * @default {false}
   */
  caFile?: boolean;
}

/** Options for {@linkcode KubeApiServer.writeInClusterFiles}. */
export interface WriteInClusterFilesOptions {
  /** Content of the service-account `token` file. @default {the server's `token` option, or "test-token"} */
  token?: string;
  /** Content of the service-account `namespace` file. @default {"kube-system"} */
  namespace?: string;
}

/** What {@linkcode KubeApiServer.writeInClusterFiles} produced. */
export interface InClusterFiles {
  /** Pass to `KubeConfig.loadFromCluster(pathPrefix)`. */
  pathPrefix: string;
  /** Directory holding `token`, `ca.crt` and `namespace`. */
  serviceAccountDir: string;
  /** `KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT` to set for in-cluster loading. */
  env: { KUBERNETES_SERVICE_HOST: string; KUBERNETES_SERVICE_PORT: string };
}

/** A Kubernetes object as served (plain JSON). */
export type KubeObject = Record<string, unknown>;

/**
 * A running test API server. Faults (checked after authentication, for the
 * three resources) are set, cleared and counted as on every stand-in
 * (`faults.ts`); `countBy()` counts by resource. It answers `status` (403
 * `Forbidden`, 429 `TooManyRequests`, 5xx `InternalError`, other codes with
 * `code` as the reason), `throttle` (429 with `Retry-After`), `accessDenied`
 * (403), `text` (as the API Priority and Fairness filter's 429), `hang`
 * (released with 503 at stop) and `latency`.
 */
export interface KubeApiServer extends AsyncDisposable, FaultInjector<KubeFaultMatch, KubeCall> {
  /** Base URL, e.g. `http://127.0.0.1:41234` or `https://[::1]:41234`. */
  readonly url: string;
  /** Address listened on. */
  readonly hostname: string;
  /** Port listened on. */
  readonly port: number;
  /** PEM of the CA that signed the server certificate (HTTPS only). */
  readonly caCertPem: string | undefined;
  /** Creates or replaces a ServiceAccount; returns the stored object. */
  putServiceAccount(
    namespace: string,
    name: string,
    annotations?: Record<string, string>,
  ): KubeObject;
  /** Creates or replaces a Pod; `nodeName` omitted means unscheduled. */
  putPod(namespace: string, name: string, nodeName?: string): KubeObject;
  /** Creates or replaces a Node. */
  putNode(name: string, labels?: Record<string, string>): KubeObject;
  /** Deletes a ServiceAccount; returns whether it existed. */
  deleteServiceAccount(namespace: string, name: string): boolean;
  /** Changes (or with `undefined` disables) the required bearer token. */
  setToken(token: string | undefined): void;
  /** Writes a kubeconfig pointing at this server; returns its path. */
  writeKubeconfig(dir: string, options?: WriteKubeconfigOptions): Promise<string>;
  /**
   * Writes `var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}`
   * under `dir` for `KubeConfig.loadFromCluster(dir)`. HTTPS servers only
   * (client-node uses https for any port but 80/8080/8001).
   */
  writeInClusterFiles(dir: string, options?: WriteInClusterFilesOptions): Promise<InClusterFiles>;
  /** Stops the server, releasing hung requests. */
  stop(): Promise<void>;
}

const DEFAULT_USER = "system:serviceaccount:kube-system:csi-secrets-store-provider-aws";
const SA_DIR = "var/run/secrets/kubernetes.io/serviceaccount";

interface ParsedPath {
  resource: KubeResource;
  namespace?: string;
  name: string;
}

interface TlsFrontend {
  port: number;
  close(): Promise<void>;
}

/**
 * Terminates TLS (ALPN `http/1.1` only) and relays bytes to the plain HTTP
 * server on `backendPort`; `Deno.serve` itself always offers h2.
 */
function startTlsFrontend(
  hostname: string,
  port: number,
  tls: TestTlsMaterial,
  backendPort: number,
): TlsFrontend {
  const listener = Deno.listenTls({
    hostname,
    port,
    cert: tls.certPem,
    key: tls.keyPem,
    alpnProtocols: ["http/1.1"],
  });
  const conns = new Set<Deno.Conn>();
  const relays = new Set<Promise<void>>();

  function closeQuietly(conn: Deno.Conn | undefined): void {
    if (conn === undefined || !conns.delete(conn)) return;
    try {
      conn.close();
    } catch {
      // already closed
    }
  }

  async function relay(client: Deno.TlsConn): Promise<void> {
    let backend: Deno.TcpConn | undefined;
    try {
      backend = await Deno.connect({ hostname, port: backendPort });
      conns.add(backend);
      const up = client.readable.pipeTo(backend.writable, { preventClose: true }).catch(() => {});
      const down = backend.readable.pipeTo(client.writable, { preventClose: true }).catch(
        () => {},
      );
      await Promise.race([up, down]);
      closeQuietly(client);
      closeQuietly(backend);
      await Promise.all([up, down]);
    } catch {
      // connect or handshake failure: drop the connection
    } finally {
      closeQuietly(client);
      closeQuietly(backend);
    }
  }

  const acceptLoop = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        const task = relay(conn);
        relays.add(task);
        task.finally(() => relays.delete(task));
      }
    } catch {
      // listener closed
    }
  })();

  return {
    port: listener.addr.port,
    async close() {
      try {
        listener.close();
      } catch {
        // already closed
      }
      for (const conn of [...conns]) closeQuietly(conn);
      await acceptLoop;
      await Promise.all([...relays]);
    },
  };
}

const VERBS: Record<string, string> = {
  GET: "get",
  POST: "create",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

function parsePath(path: string): ParsedPath | undefined {
  const parts = path.split("/").slice(1).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] !== "api" || parts[1] !== "v1") return undefined;
  if (
    parts.length === 6 && parts[2] === "namespaces" && parts[3] !== "" && parts[5] !== "" &&
    (parts[4] === "serviceaccounts" || parts[4] === "pods")
  ) {
    return { resource: parts[4], namespace: parts[3], name: parts[5] };
  }
  if (parts.length === 4 && parts[2] === "nodes" && parts[3] !== "") {
    return { resource: "nodes", name: parts[3] };
  }
  return undefined;
}

function kubeStatus(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): KubeObject {
  const body: KubeObject = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
  };
  if (details !== undefined) body.details = details;
  body.code = code;
  return body;
}

function jsonResponse(
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status: code,
    headers: {
      "content-type": "application/json",
      "cache-control": "no-cache, private",
      "audit-id": crypto.randomUUID(),
      ...headers,
    },
  });
}

function textResponse(code: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, {
    status: code,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
      "cache-control": "no-cache, private",
      "audit-id": crypto.randomUUID(),
      ...headers,
    },
  });
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function hostForUrl(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

/** The answer of a fault that answers (all but hang and latency). */
function faultResponse(fault: Fault, parsed: ParsedPath, method: string, user: string): Response {
  const { resource, namespace, name } = parsed;
  const status = "status" in fault ? fault.status : fault.kind === "throttle" ? 429 : 403;
  const message = "message" in fault ? fault.message : undefined;
  if (fault.kind === "text") {
    // The APF filter's 429 carries Retry-After too.
    return textResponse(status, `${fault.body}\n`, status === 429 ? { "retry-after": "1" } : {});
  }
  if (status === 429) {
    const retryAfter = (fault.kind === "throttle" && fault.retryAfterSeconds) || 1;
    return jsonResponse(
      429,
      kubeStatus(429, "TooManyRequests", message ?? "Too many requests, please try again later.", {
        retryAfterSeconds: retryAfter,
      }),
      { "retry-after": String(retryAfter) },
    );
  }
  if (status === 403) {
    const verb = VERBS[method] ?? method.toLowerCase();
    const scope = namespace === undefined
      ? "at the cluster scope"
      : `in the namespace ${JSON.stringify(namespace)}`;
    const text = message ??
      `${resource} ${JSON.stringify(name)} is forbidden: User ${
        JSON.stringify(user)
      } cannot ${verb} resource ${JSON.stringify(resource)} in API group "" ${scope}`;
    return jsonResponse(403, kubeStatus(403, "Forbidden", text, { name, kind: resource }));
  }
  const cause = message ?? "injected fault";
  const code = "code" in fault ? fault.code : undefined;
  if (status >= 500) {
    return jsonResponse(
      status,
      kubeStatus(status, code ?? "InternalError", `Internal error occurred: ${cause}`, {
        causes: [{ message: cause }],
      }),
    );
  }
  return jsonResponse(status, kubeStatus(status, code ?? "BadRequest", cause));
}

/**
 * Starts a local Kubernetes API server on a loopback address.
 *
 * Needs `--allow-net` for the loopback address; with `tls: true` also
 * `--allow-run=openssl`, `--allow-read` and `--allow-write` (temp dir).
 */
export async function startKubeApiServer(
  options: KubeApiServerOptions = {},
): Promise<KubeApiServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const user = options.user ?? DEFAULT_USER;
  const tls: TestTlsMaterial | undefined = options.tls === true
    ? await defaultTestTls()
    : options.tls === false || options.tls === undefined
    ? undefined
    : options.tls;
  let token = options.token;

  const serviceAccounts = new Map<string, KubeObject>();
  const pods = new Map<string, KubeObject>();
  const nodes = new Map<string, KubeObject>();
  const book = faultBook<KubeFaultMatch, KubeCall>({
    name: "Kubernetes API stand-in",
    kinds: ["status", "throttle", "accessDenied", "text", "hang", "latency"],
    countKey: (call) => call.resource,
  });
  let resourceVersion = 1000;
  const stopController = new AbortController();

  function metadata(
    name: string,
    namespace: string | undefined,
    extra: Record<string, unknown>,
  ): KubeObject {
    const meta: KubeObject = { name };
    if (namespace !== undefined) meta.namespace = namespace;
    meta.uid = crypto.randomUUID();
    meta.resourceVersion = String(++resourceVersion);
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    for (const [k, v] of Object.entries(extra)) {
      if (v !== undefined && Object.keys(v as object).length > 0) meta[k] = structuredClone(v);
    }
    return meta;
  }

  function lookup(parsed: ParsedPath): KubeObject | undefined {
    switch (parsed.resource) {
      case "serviceaccounts":
        return serviceAccounts.get(key(parsed.namespace!, parsed.name));
      case "pods":
        return pods.get(key(parsed.namespace!, parsed.name));
      case "nodes":
        return nodes.get(parsed.name);
    }
  }

  async function handle(request: Request, entry: KubeCall): Promise<Response> {
    const path = entry.path;
    const parsed = parsePath(path);
    if (parsed !== undefined) {
      entry.resource = parsed.resource;
      if (parsed.namespace !== undefined) entry.namespace = parsed.namespace;
      entry.name = parsed.name;
    }
    if (token !== undefined && request.headers.get("authorization") !== `Bearer ${token}`) {
      return jsonResponse(401, kubeStatus(401, "Unauthorized", "Unauthorized"));
    }
    if (["/healthz", "/livez", "/readyz"].includes(path)) return textResponse(200, "ok");
    if (path === "/version") {
      return jsonResponse(200, {
        major: "1",
        minor: "31",
        gitVersion: "v1.31.0",
        platform: "linux/amd64",
      });
    }
    if (parsed === undefined) return textResponse(404, "404 page not found\n");

    const fault = book.take({ resource: parsed.resource });
    if (fault !== undefined) entry.fault = fault.kind;
    // Not watching request.signal: touching it makes Deno 2.9 print a
    // "legacy abort" warning. A hang just waits for stop().
    await waitOut(fault, stopController.signal);
    if (fault?.kind === "hang") {
      entry.status = -1;
      return jsonResponse(
        503,
        kubeStatus(503, "ServiceUnavailable", "the server is shutting down"),
      );
    }
    if (fault !== undefined && fault.kind !== "latency") {
      return faultResponse(fault, parsed, request.method, user);
    }
    if (request.method !== "GET") {
      return jsonResponse(
        405,
        kubeStatus(
          405,
          "MethodNotAllowed",
          "the server does not allow this method on the requested resource",
          {},
        ),
      );
    }
    const object = lookup(parsed);
    if (object === undefined) {
      return jsonResponse(
        404,
        kubeStatus(404, "NotFound", `${parsed.resource} ${JSON.stringify(parsed.name)} not found`, {
          name: parsed.name,
          kind: parsed.resource,
        }),
      );
    }
    return jsonResponse(200, object);
  }

  const frontTls = tls !== undefined && !options.http2;
  const server = Deno.serve({
    hostname,
    port: frontTls ? 0 : options.port ?? 0,
    onListen: () => {},
    ...(tls && !frontTls ? { cert: tls.certPem, key: tls.keyPem } : {}),
  }, async (request) => {
    const url = new URL(request.url);
    const entry: KubeCall = { method: request.method, path: url.pathname, status: 0 };
    const authorization = request.headers.get("authorization");
    if (authorization !== null) entry.authorization = authorization;
    book.record(entry);
    const response = await handle(request, entry);
    // -1 marks a hung request: it is logged with status 0 (never answered in time).
    entry.status = entry.status === -1 ? 0 : response.status;
    return response;
  });

  const frontend = frontTls
    ? startTlsFrontend(hostname, options.port ?? 0, tls, server.addr.port)
    : undefined;
  const port = frontend?.port ?? server.addr.port;
  const url = `${tls ? "https" : "http"}://${hostForUrl(hostname)}:${port}`;
  let stopped: Promise<void> | undefined;

  function stop(): Promise<void> {
    stopped ??= (async () => {
      stopController.abort();
      await frontend?.close();
      await server.shutdown();
    })();
    return stopped;
  }

  return {
    ...book.injector,
    url,
    hostname,
    port,
    caCertPem: tls?.caCertPem,
    putServiceAccount(namespace, name, annotations) {
      const object: KubeObject = {
        kind: "ServiceAccount",
        apiVersion: "v1",
        metadata: metadata(name, namespace, { annotations }),
      };
      serviceAccounts.set(key(namespace, name), object);
      return structuredClone(object);
    },
    putPod(namespace, name, nodeName) {
      const spec: KubeObject = {
        containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }],
        serviceAccountName: "default",
      };
      if (nodeName !== undefined) spec.nodeName = nodeName;
      const object: KubeObject = {
        kind: "Pod",
        apiVersion: "v1",
        metadata: metadata(name, namespace, {}),
        spec,
        status: { phase: nodeName === undefined ? "Pending" : "Running" },
      };
      pods.set(key(namespace, name), object);
      return structuredClone(object);
    },
    putNode(name, labels) {
      const object: KubeObject = {
        kind: "Node",
        apiVersion: "v1",
        metadata: metadata(name, undefined, { labels }),
        spec: {},
        status: {},
      };
      nodes.set(name, object);
      return structuredClone(object);
    },
    deleteServiceAccount: (namespace, name) => serviceAccounts.delete(key(namespace, name)),
    setToken(newToken) {
      token = newToken;
    },
    async writeKubeconfig(dir, writeOptions = {}) {
      const userToken = writeOptions.token ?? token;
      const path = `${dir}/${writeOptions.fileName ?? "kubeconfig"}`;
      const cluster: Record<string, unknown> = { server: url };
      if (!tls) {
        // @kubernetes/client-node refuses http:// servers unless TLS verification is skipped.
        cluster["insecure-skip-tls-verify"] = true;
      } else if (writeOptions.caFile) {
        cluster["certificate-authority"] = `${dir}/ca.crt`;
        await Deno.writeTextFile(`${dir}/ca.crt`, tls.caCertPem);
      } else {
        cluster["certificate-authority-data"] = btoa(tls.caCertPem);
      }
      const context = {
        cluster: "test-cluster",
        user: "test-user",
        namespace: writeOptions.namespace ?? "default",
      };
      await Deno.writeTextFile(
        path,
        stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: "test-cluster", cluster }],
          contexts: [{ name: "test-context", context }],
          "current-context": "test-context",
          users: [{ name: "test-user", user: userToken === undefined ? {} : { token: userToken } }],
          preferences: {},
        }),
      );
      return path;
    },
    async writeInClusterFiles(dir, writeOptions = {}) {
      if (!tls) {
        throw new Error("writeInClusterFiles needs an HTTPS server (start it with tls: true)");
      }
      const serviceAccountDir = `${dir}/${SA_DIR}`;
      await Deno.mkdir(serviceAccountDir, { recursive: true });
      await Promise.all([
        Deno.writeTextFile(
          `${serviceAccountDir}/token`,
          writeOptions.token ?? token ?? "test-token",
        ),
        Deno.writeTextFile(`${serviceAccountDir}/ca.crt`, tls.caCertPem),
        Deno.writeTextFile(
          `${serviceAccountDir}/namespace`,
          writeOptions.namespace ?? "kube-system",
        ),
      ]);
      return {
        pathPrefix: dir,
        serviceAccountDir,
        env: { KUBERNETES_SERVICE_HOST: hostname, KUBERNETES_SERVICE_PORT: String(port) },
      };
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
