/**
 * The provider's command line: the Go provider's flags with their defaults,
 * plus ours, turned into a typed configuration.
 *
 * @module
 */

import {
  type FlagDefinition,
  FlagError,
  formatGoDuration,
  parseGoDuration,
  parseGoFlags,
} from "../gocompat/mod.ts";
import { isLogLevel, type LogLevel } from "../log/mod.ts";
import { AGENT_IPV4_ENDPOINT, AGENT_IPV6_ENDPOINT } from "../identity/mod.ts";
import { MOUNT_LIMIT_DEFINITIONS, type MountLimits, mountLimits } from "../limits/mod.ts";
import { type ListenAddress, parseListenAddress } from "../server/mod.ts";

/** Every flag, Go provider's first. */
export const PROVIDER_FLAGS: FlagDefinition[] = [
  {
    name: "provider-volume",
    kind: "string",
    defaultValue: "/var/run/secrets-store-csi-providers",
    usage: "Rendezvous directory for provider socket",
  },
  {
    name: "driver-writes-secrets",
    kind: "bool",
    defaultValue: "false",
    usage: "The driver will do the write instead of the plugin",
  },
  {
    name: "qps",
    kind: "int",
    defaultValue: "5",
    usage: "Maximum queries per second to the Kubernetes API server (client-side throttling)",
  },
  {
    name: "burst",
    kind: "int",
    defaultValue: "10",
    usage: "Maximum burst of queries to the Kubernetes API server (client-side throttling)",
  },
  {
    name: "eks-addon-version",
    kind: "string",
    defaultValue: "",
    usage: "The EKS addon version of the provider",
  },
  {
    name: "pod-identity-http-timeout",
    kind: "string",
    defaultValue: "",
    usage: "The HTTP timeout threshold for Pod Identity authentication.",
  },
  {
    name: "metrics-addr",
    kind: "string",
    defaultValue: ":8989",
    usage: "Address of the HTTP endpoint with /metrics, /healthz and /readyz (empty: off)",
  },
  {
    name: "health-addr",
    kind: "string",
    defaultValue: "",
    usage: "Separate address for /healthz and /readyz (default: served with the metrics)",
  },
  {
    name: "max-response-bytes",
    kind: "int",
    defaultValue: "4194304",
    usage:
      "Largest mount answer with --driver-writes-secrets (the driver's --max-call-recv-msg-size)",
  },
  {
    name: "log-level",
    kind: "string",
    defaultValue: "info",
    usage: "Lowest level of the JSON logs: debug, info, warn or error",
  },
  {
    name: "kubeconfig",
    kind: "string",
    defaultValue: "",
    usage: "Kubeconfig file to use instead of the in-cluster configuration (also $KUBECONFIG)",
  },
  {
    name: "k8s-cache-ttl",
    kind: "string",
    defaultValue: "30s",
    usage: "How long service account roles and node regions are reused (Go duration; 0 = off)",
  },
  {
    name: "mount-concurrency",
    kind: "int",
    defaultValue: "16",
    usage: "Most AWS calls in flight per region for one mount",
  },
  {
    name: "batch-get-secret-value",
    kind: "bool",
    defaultValue: "true",
    usage: "Fetch current secret versions with BatchGetSecretValue (falls back when denied)",
  },
  {
    name: "kubelet-pods-dir",
    kind: "string",
    defaultValue: "/var/lib/kubelet/pods",
    usage:
      "The kubelet's pods directory: provider-writes mode writes only into <dir>/<pod uid>/volumes/kubernetes.io~csi/<volume>/mount",
  },
  ...MOUNT_LIMIT_DEFINITIONS.map((definition): FlagDefinition => ({
    name: definition.flag,
    kind: "int",
    defaultValue: String(definition.defaultMax),
    usage: `${definition.usage} (${definition.unit})`,
  })),
  {
    name: "pod-identity-agent-ipv4-endpoint",
    kind: "string",
    defaultValue: AGENT_IPV4_ENDPOINT,
    usage: "Pod Identity agent IPv4 URL (for testing only)",
  },
  {
    name: "pod-identity-agent-ipv6-endpoint",
    kind: "string",
    defaultValue: AGENT_IPV6_ENDPOINT,
    usage: "Pod Identity agent IPv6 URL (for testing only)",
  },
];

/** The provider's configuration. */
export interface ProviderConfig {
  /** Socket directory. */
  providerVolume: string;
  /** Return files to the driver instead of writing them. */
  driverWritesSecrets: boolean;
  /** Kubernetes client QPS. */
  qps: number;
  /** Kubernetes client burst. */
  burst: number;
  /** Overrides our version in the user agent app id when set. */
  eksAddonVersion: string;
  /** Per-attempt timeout of Pod Identity agent calls, if set. */
  podIdentityHttpTimeoutMs: number | undefined;
  /** HTTP endpoint for metrics (and health unless `healthAddress` is set). */
  metricsAddress: ListenAddress | undefined;
  /** Separate endpoint for /healthz and /readyz. */
  healthAddress: ListenAddress | undefined;
  /** Largest answer in driver-writes mode. */
  maxResponseBytes: number;
  /** Log level. */
  logLevel: LogLevel;
  /** Kubeconfig file, "" for in-cluster. */
  kubeconfig: string;
  /** TTL of Kubernetes lookups. */
  k8sCacheTtlMs: number;
  /** AWS calls in flight per region per mount. */
  mountConcurrency: number;
  /** Whether to use BatchGetSecretValue. */
  batchGetSecretValue: boolean;
  /** The kubelet's pods directory (provider-writes target paths must be under it). */
  kubeletPodsDir: string;
  /** Budgets of every mount. */
  limits: MountLimits;
  /** Pod Identity agent IPv4 URL. */
  podIdentityAgentIpv4: string;
  /** Pod Identity agent IPv6 URL. */
  podIdentityAgentIpv6: string;
}

/** Parsed configuration plus warnings to log (flag values we corrected). */
export interface ParsedConfig {
  /** The configuration. */
  config: ProviderConfig;
  /** Warnings, in the Go provider's words where it has them. */
  warnings: string[];
}

/**
 * Parses the command line.
 *
 * @param environment `KUBECONFIG` when `--kubeconfig` is not given.
 * @throws {FlagError} for an unknown flag or a bad value.
 */
export function parseProviderFlags(
  args: string[],
  environment: { kubeconfig?: string } = {},
): ParsedConfig {
  const { values, rest } = parseGoFlags(args, PROVIDER_FLAGS);
  const warnings: string[] = [];
  // Go's flag.Parse stops at the first non-flag argument and the Go provider ignores the rest.
  if (rest.length > 0) warnings.push(`ignoring arguments after the flags: ${rest.join(" ")}`);
  const logLevel = String(values["log-level"]);
  if (!isLogLevel(logLevel)) {
    throw new FlagError(
      `invalid value "${logLevel}" for flag -log-level: use debug, info, warn or error`,
    );
  }
  const concurrency = Number(values["mount-concurrency"]);
  if (concurrency < 1) {
    throw new FlagError(
      `invalid value "${concurrency}" for flag -mount-concurrency: must be at least 1`,
    );
  }
  let ttl: number;
  try {
    ttl = parseGoDuration(String(values["k8s-cache-ttl"]));
  } catch (error) {
    throw new FlagError(
      `invalid value ${JSON.stringify(values["k8s-cache-ttl"])} for flag -k8s-cache-ttl: ${
        (error as Error).message
      }`,
    );
  }
  const address = (name: string) => {
    try {
      return parseListenAddress(String(values[name]));
    } catch (error) {
      throw new FlagError(
        `invalid value ${JSON.stringify(values[name])} for flag -${name}: ${
          (error as Error).message
        }`,
      );
    }
  };
  const maxResponseBytes = Number(values["max-response-bytes"]);
  if (maxResponseBytes < 1024) {
    throw new FlagError(
      `invalid value "${maxResponseBytes}" for flag -max-response-bytes: must be at least 1024`,
    );
  }
  const limits: Partial<Record<keyof MountLimits, number>> = {};
  for (const definition of MOUNT_LIMIT_DEFINITIONS) {
    const max = Number(values[definition.flag]);
    if (max < 1) {
      throw new FlagError(
        `invalid value "${max}" for flag -${definition.flag}: must be at least 1`,
      );
    }
    limits[definition.key] = max;
  }
  const kubeletPodsDir = String(values["kubelet-pods-dir"]);
  if (!kubeletPodsDir.startsWith("/")) {
    throw new FlagError(
      `invalid value ${
        JSON.stringify(kubeletPodsDir)
      } for flag -kubelet-pods-dir: must be an absolute path`,
    );
  }
  for (const name of ["pod-identity-agent-ipv4-endpoint", "pod-identity-agent-ipv6-endpoint"]) {
    if (!URL.canParse(String(values[name]))) {
      throw new FlagError(
        `invalid value ${JSON.stringify(values[name])} for flag -${name}: not a URL`,
      );
    }
  }
  return {
    config: {
      providerVolume: String(values["provider-volume"]),
      driverWritesSecrets: Boolean(values["driver-writes-secrets"]),
      qps: Number(values["qps"]),
      burst: Number(values["burst"]),
      eksAddonVersion: String(values["eks-addon-version"]),
      podIdentityHttpTimeoutMs: parsePodIdentityHttpTimeout(
        String(values["pod-identity-http-timeout"]),
        warnings,
      ),
      metricsAddress: address("metrics-addr"),
      healthAddress: address("health-addr"),
      maxResponseBytes,
      logLevel,
      kubeconfig: String(values["kubeconfig"]) || environment.kubeconfig || "",
      k8sCacheTtlMs: Math.max(0, ttl),
      mountConcurrency: concurrency,
      batchGetSecretValue: Boolean(values["batch-get-secret-value"]),
      kubeletPodsDir: kubeletPodsDir.replace(/(.)\/+$/, "$1"),
      limits: mountLimits(limits),
      podIdentityAgentIpv4: String(values["pod-identity-agent-ipv4-endpoint"]),
      podIdentityAgentIpv6: String(values["pod-identity-agent-ipv6-endpoint"]),
    },
    warnings,
  };
}

/**
 * `--pod-identity-http-timeout` as the Go provider reads it: empty or invalid
 * or not positive → unset (SDK default) with a message; above 30 s → kept
 * with a warning.
 */
export function parsePodIdentityHttpTimeout(value: string, warnings: string[]): number | undefined {
  if (value === "") return undefined;
  let ms: number;
  try {
    ms = parseGoDuration(value);
  } catch (error) {
    warnings.push(
      `failed to parse podIdentityHttpTimeout value '${value}': ${
        (error as Error).message
      }, using default SDK value`,
    );
    return undefined;
  }
  if (ms <= 0) {
    warnings.push(
      `podIdentityHttpTimeout must be positive, got: ${
        formatGoDuration(ms)
      }, using default SDK value`,
    );
    return undefined;
  }
  if (ms > 30_000) {
    warnings.push(
      `podIdentityHttpTimeout value ${
        formatGoDuration(ms)
      } is unusually high, consider using a smaller value`,
    );
  }
  return ms;
}
