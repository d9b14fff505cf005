/**
 * Where the provider's Kubernetes reads go and how they authenticate, as
 * client-go's `rest.InClusterConfig` and `clientcmd` would decide it: the pod's
 * own service account in the cluster (the token the kubelet keeps rotating,
 * and the cluster CA), or a kubeconfig file (`--kubeconfig`) whose current
 * context names a server, a CA and a token, a token file or a client
 * certificate.
 *
 * What a DaemonSet needs and nothing more: exec and auth-provider plugins,
 * basic auth, impersonation, proxies and a TLS server name other than the
 * server's host are refused with an error that says so, rather than ignored.
 *
 * @module
 */

import { parseYaml11, YamlMapping, type YamlValue } from "../gocompat/mod.ts";

/** The in-cluster API address: the `kubernetes` service of the `default` namespace. */
export const IN_CLUSTER_SERVER = "https://kubernetes.default.svc";
/** Where the kubelet mounts a pod's service account token and the cluster CA. */
export const IN_CLUSTER_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Largest kubeconfig, CA, certificate, key or token file read. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** The bearer token of the calls: fixed, or a file re-read as it rotates. */
export type KubeToken =
  | { kind: "none" }
  | { kind: "static"; token: string }
  | { kind: "file"; path: string };

/** Everything a call to the API server needs. */
export interface KubeConnection {
  /** Base URL, without a trailing slash (`https://kubernetes.default.svc`). */
  server: string;
  /** PEM of the CA that signed the server's certificate (https only). */
  caPem?: string;
  /** A client certificate and its key, PEM. */
  clientCertificate?: { certPem: string; keyPem: string };
  /** The bearer token. */
  token: KubeToken;
}

/** Where the configuration comes from. */
export interface KubeConfigSource {
  /** A kubeconfig file; empty or absent means in-cluster configuration. */
  kubeconfig?: string;
  /**
   * Prefix of the in-cluster service account directory (tests): the files
   * are read from `<prefix>/var/run/secrets/kubernetes.io/serviceaccount`.
   */
  inClusterPathPrefix?: string;
  /** In-cluster API server URL (default {@linkcode IN_CLUSTER_SERVER}; for tests). */
  inClusterServer?: string;
}

/**
 * Reads the configuration: in-cluster files when no kubeconfig is given, else
 * the kubeconfig's current context.
 *
 * @throws {Error} when a file cannot be read or the kubeconfig cannot be used,
 *   with client-go's words where it has them.
 */
export async function loadKubeConnection(source: KubeConfigSource = {}): Promise<KubeConnection> {
  if (source.kubeconfig) return await kubeconfigConnection(source.kubeconfig);
  const dir = `${source.inClusterPathPrefix ?? ""}${IN_CLUSTER_DIR}`;
  const tokenPath = `${dir}/token`;
  // The token is read now only to fail early when it is missing; calls read
  // it again as the kubelet rotates it.
  await readTokenFile(tokenPath);
  return {
    server: trimSlash(source.inClusterServer ?? IN_CLUSTER_SERVER),
    caPem: await readConfigFile(`${dir}/ca.crt`),
    token: { kind: "file", path: tokenPath },
  };
}

/**
 * A token file's content without surrounding white space (client-go's rule).
 *
 * @throws {Error} when the file cannot be read, is too large or is empty.
 */
export async function readTokenFile(path: string): Promise<string> {
  const token = (await readConfigFile(path)).trim();
  if (token === "") throw new Error(`the token file ${path} is empty`);
  return token;
}

async function kubeconfigConnection(path: string): Promise<KubeConnection> {
  const text = await readConfigFile(path);
  let document: YamlValue;
  try {
    document = parseYaml11(text, KUBECONFIG_LIMITS);
  } catch (error) {
    throw new Error(`error loading config file "${path}": ${(error as Error).message}`);
  }
  const baseDir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : ".";
  const root = mapping(document, "the kubeconfig");
  const currentContext = textField(root, "current-context");
  if (currentContext === "") {
    throw new Error(
      `invalid configuration: no configuration has been provided (no current-context in ${path})`,
    );
  }
  const context = mapping(
    named(root, "contexts", currentContext, "context"),
    `context "${currentContext}"`,
  );
  const clusterName = textField(context, "cluster");
  const userName = textField(context, "user");
  const cluster = mapping(
    named(root, "clusters", clusterName, "cluster"),
    `cluster "${clusterName}"`,
  );
  const user = userName === ""
    ? new YamlMapping()
    : mapping(named(root, "users", userName, "user"), `user "${userName}"`);
  const server = textField(cluster, "server");
  if (server === "") {
    throw new Error(`invalid configuration: no server found for cluster "${clusterName}"`);
  }
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new Error(`invalid configuration: the server of cluster "${clusterName}" is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`invalid configuration: the server of cluster "${clusterName}" is not http(s)`);
  }
  for (const key of ["proxy-url", "tls-server-name"]) {
    if (textField(cluster, key) !== "") {
      throw new Error(`cluster "${clusterName}" sets ${key}, which this provider does not support`);
    }
  }
  const https = url.protocol === "https:";
  const caPem = await pemOf(cluster, "certificate-authority", baseDir);
  if (https && field(cluster, "insecure-skip-tls-verify") === true) {
    throw new Error(
      `cluster "${clusterName}" sets insecure-skip-tls-verify, which this provider does not support: give its certificate-authority`,
    );
  }
  for (const key of ["exec", "auth-provider", "username", "password", "as", "as-groups"]) {
    const value = field(user, key);
    if (value !== undefined && value !== null && value !== "") {
      throw new Error(
        `user "${userName}" uses ${key}, which this provider does not support: use a token, a tokenFile or a client certificate`,
      );
    }
  }
  const certPem = await pemOf(user, "client-certificate", baseDir);
  const keyPem = await pemOf(user, "client-key", baseDir);
  if ((certPem === undefined) !== (keyPem === undefined)) {
    throw new Error(
      `user "${userName}" needs both a client certificate and a client key, or neither`,
    );
  }
  const staticToken = textField(user, "token");
  const tokenFile = textField(user, "tokenFile");
  // client-go: a token given inline wins over a token file.
  const token: KubeToken = staticToken !== ""
    ? { kind: "static", token: staticToken }
    : tokenFile !== ""
    ? { kind: "file", path: resolvePath(tokenFile, baseDir) }
    : { kind: "none" };
  if (token.kind === "file") await readTokenFile(token.path);
  return {
    server: trimSlash(server),
    ...(caPem === undefined ? {} : { caPem }),
    ...(certPem === undefined ? {} : { clientCertificate: { certPem, keyPem: keyPem! } }),
    token,
  };
}

/** Generous budgets: a kubeconfig is the operator's file, but still read with bounds. */
const KUBECONFIG_LIMITS = {
  nodes: { max: 200_000, unit: "nodes", flag: "kubeconfig" },
  depth: { max: 64, unit: "levels", flag: "kubeconfig" },
  aliases: { max: 1_000, unit: "aliases", flag: "kubeconfig" },
};

/**
 * Reads a configuration file of at most {@linkcode MAX_CONFIG_FILE_BYTES}.
 *
 * @throws {Error} naming the file when it cannot be read or is too large.
 */
async function readConfigFile(path: string): Promise<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw new Error(`open ${path}: ${(error as Error).message}`);
  }
  try {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      const read = await file.read(buffer);
      if (read === null) break;
      size += read;
      if (size > MAX_CONFIG_FILE_BYTES) {
        throw new Error(`${path} is larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
      }
      chunks.push(buffer.slice(0, read));
    }
    return decodeChunks(chunks, size);
  } finally {
    file.close();
  }
}

/** The PEM of `<key>-data` (base64, wins as in client-go) or of the file `<key>`. */
async function pemOf(
  section: YamlMapping,
  key: string,
  baseDir: string,
): Promise<string | undefined> {
  const data = textField(section, `${key}-data`);
  if (data !== "") {
    try {
      return new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
    } catch {
      throw new Error(`${key}-data is not valid base64`);
    }
  }
  const file = textField(section, key);
  return file === "" ? undefined : await readConfigFile(resolvePath(file, baseDir));
}

/** A kubeconfig path relative to the kubeconfig's directory, as client-go resolves it. */
function resolvePath(path: string, baseDir: string): string {
  return path.startsWith("/") ? path : `${baseDir}/${path}`;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** The value under `key` (the last one when repeated), or `undefined`. */
function field(section: YamlMapping, key: string): YamlValue | undefined {
  let value: YamlValue | undefined;
  for (const [k, v] of section.entries) if (k === key) value = v;
  return value;
}

/** A text field; absent and null are "". */
function textField(section: YamlMapping, key: string): string {
  const value = field(section, key);
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw new Error(`${key} must be a string`);
  return value;
}

function mapping(value: YamlValue | undefined, what: string): YamlMapping {
  if (value === undefined || value === null) return new YamlMapping();
  if (!(value instanceof YamlMapping)) throw new Error(`${what} is not a mapping`);
  return value;
}

/** The `inner` mapping of the entry named `name` in the list `list` (`clusters`, ...). */
function named(root: YamlMapping, list: string, name: string, inner: string): YamlValue {
  const entries = field(root, list);
  const singular = list.slice(0, -1);
  if (Array.isArray(entries)) {
    for (const entry of entries) {
      if (entry instanceof YamlMapping && textField(entry, "name") === name) {
        return field(entry, inner) ?? null;
      }
    }
  }
  throw new Error(
    `invalid configuration: ${singular} "${name}" was not found in the kubeconfig`,
  );
}

/** The UTF-8 text of `chunks` read in order (`size` bytes in all). */
export function decodeChunks(chunks: readonly Uint8Array[], size: number): string {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}
