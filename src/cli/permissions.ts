/**
 * The Deno permissions the provider runs with — one definition used by the
 * `start` task, the container image, the Helm chart, the tests and the demo,
 * so they cannot drift apart.
 *
 * What each permission is for:
 * - read + write the provider volume: create and remove `aws.sock`;
 * - read + write the kubelet pods directory: write files into pod mounts
 *   (provider-writes mode only; with `--driver-writes-secrets` no file is written);
 * - read the in-cluster service account directory (Kubernetes token and CA)
 *   and an optional kubeconfig. Nothing else: the gRPC server's codec is
 *   hand-written (`src/server/provider_codec.ts`), so the provider never reads
 *   `proto/` (only test clients load the .proto, with their own permissions);
 * - net: the socket itself (`unix:<provider-volume>/aws.sock`), AWS endpoints (`*.amazonaws.com`, China and dual-stack domains) on
 *   443, the Pod Identity agent (IPv4 and IPv6, port 80), the Kubernetes API
 *   (`kubernetes.default.svc`), the metrics/health listener on every interface
 *   (`[::]`, one dual-stack socket, and `0.0.0.0` for a node without IPv6);
 * - env: the `AWS_*` settings (region, endpoints, FIPS, retries) and the
 *   Kubernetes service variables; every other variable reads as unset
 *   (`--ignore-env`);
 * - sys: the OS release, home directory and uid, which the AWS SDK reads for
 *   its user agent and shared-config lookup.
 *
 * The list ends with the V8 memory flags: a heap cap (`heapMb`, default 160)
 * and a small young generation. Without them V8 grows the heap toward its
 * default size under mount storms and keeps it (the benchmark measured 400 MiB
 * resident after three 500-mount storms, 230 MiB with these flags).
 *
 * @module
 */

/** Inputs of {@linkcode permissionFlags}. */
export interface PermissionOptions {
  /** Socket directory (`--provider-volume`). */
  providerVolume: string;
  /** The kubelet's pods directory; omit in driver-writes mode. */
  kubeletPodsDir?: string;
  /** Extra paths to read (kubeconfig, in-cluster service account directory). */
  readPaths?: string[];
  /** Hosts to reach (`host`, `host:port`, `*.domain:port`, `[v6]:port`). */
  netHosts: string[];
  /** Extra environment variables the provider may read. */
  envVars?: string[];
  /** V8 old-space limit in MiB (default {@linkcode DEFAULT_HEAP_MB}). */
  heapMb?: number;
}

/** Default V8 old-space limit (MiB): twice the live heap of a 500-mount storm. */
export const DEFAULT_HEAP_MB = 160;

/** AWS endpoints of every partition the provider may call (HTTPS). */
export const AWS_NET_HOSTS = ["*.amazonaws.com:443", "*.amazonaws.com.cn:443", "*.api.aws:443"];
/** The EKS Pod Identity agent, IPv4 and IPv6. */
export const POD_IDENTITY_NET_HOSTS = ["169.254.170.23:80", "[fd00:ec2::23]:80"];
/** The Kubernetes API from inside the cluster. */
export const KUBERNETES_NET_HOST = "kubernetes.default.svc";
/** In-cluster service account files (token, CA, namespace). */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** Environment the provider reads. */
export const PROVIDER_ENV_VARS = [
  "AWS_*",
  "KUBERNETES_SERVICE_HOST",
  "KUBERNETES_SERVICE_PORT",
  "KUBECONFIG",
];
/** System information the AWS SDK asks for. */
export const PROVIDER_SYS = ["osRelease", "homedir", "uid"];

/**
 * The metrics/health listener on `port` of every interface: `[::]` (IPv6 and
 * IPv4 on one socket, so probes work on IPv6-only clusters) and `0.0.0.0`
 * for nodes without IPv6.
 */
export function listenerNetHosts(port: number): string[] {
  return [`[::]:${port}`, `0.0.0.0:${port}`];
}

/** Defaults of a DaemonSet pod (the chart's default values). */
export const DEFAULT_PERMISSIONS: PermissionOptions = {
  providerVolume: "/var/run/secrets-store-csi-providers",
  kubeletPodsDir: "/var/lib/kubelet/pods",
  readPaths: [SERVICE_ACCOUNT_DIR],
  netHosts: [
    ...AWS_NET_HOSTS,
    ...POD_IDENTITY_NET_HOSTS,
    KUBERNETES_NET_HOST,
    ...listenerNetHosts(8989),
  ],
};

/**
 * The environment the provider process starts with (the image's `ENV`):
 * glibc's allocator with one arena. With one arena per thread, the arenas
 * that V8's helper threads and Deno's thread pool fill during a burst of
 * mounts keep their pages after it; with one, freed memory can go back. Idle
 * RSS after a 200-mount storm: median 89.3 MiB (85.5 to 90.2) over nine
 * storms, against 90.9 MiB (87.3 to 95.2) without, CPU per warm mount
 * unchanged within the noise (`deno task bench`, 2026-12-02).
 */
export const PROVIDER_PROCESS_ENV: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES: "glibc.malloc.arena_max=1",
};

/** The `deno run` permission flags for `options`, in a fixed order. */
export function permissionFlags(options: PermissionOptions): string[] {
  const writable = [
    options.providerVolume,
    ...(options.kubeletPodsDir ? [options.kubeletPodsDir] : []),
  ];
  const readable = [...writable, ...(options.readPaths ?? [])];
  return [
    "--no-prompt",
    `--allow-read=${readable.join(",")}`,
    `--allow-write=${writable.join(",")}`,
    `--allow-net=${[`unix:${options.providerVolume}/aws.sock`, ...options.netHosts].join(",")}`,
    `--allow-env=${[...PROVIDER_ENV_VARS, ...(options.envVars ?? [])].join(",")}`,
    "--ignore-env",
    `--allow-sys=${PROVIDER_SYS.join(",")}`,
    `--v8-flags=--max-old-space-size=${
      options.heapMb ?? DEFAULT_HEAP_MB
    },--max-semi-space-size=2,--expose-gc`,
  ];
}
