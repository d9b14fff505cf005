/**
 * Assembly of the provider: configuration in, running server out. Everything
 * long-lived (caches, clients, the Kubernetes client) is created here once and
 * shared by all mounts.
 *
 * @module
 */

import { type AwsCall, SdkStorePool } from "./aws/mod.ts";
import type { ProviderConfig } from "./cli/provider_flags.ts";
import { ExpiringCache } from "./cache/mod.ts";
import { writeFilesAtomically } from "./files/atomic_writer.ts";
import { confineTargetPath } from "./files/target_path.ts";
import { ObjectsCache } from "./config/objects_cache.ts";
import type { KubeApi } from "./identity/kube_api.ts";
import { createClientNodeKubeApi } from "./identity/kube_client_node.ts";
import { KubeLookups } from "./identity/kube_lookups.ts";
import { IdentityResolver } from "./identity/mount_identity.ts";
import { TokenBucket } from "./identity/rate_limiter.ts";
import { createStsWebIdentityApi } from "./identity/sts_web_identity.ts";
import type { Logger } from "./log/logger.ts";
import { type MountDependencies, runMount } from "./mount/mount_pipeline.ts";
import {
  type MountRecord,
  type ProviderServer,
  startProviderServer,
} from "./server/provider_server.ts";
import { userAgentAppId } from "./version.ts";
import { ProviderMetrics } from "./metrics/provider_metrics.ts";
import { type HealthServer, startHealthServer } from "./server/health_server.ts";
import { createSocketProbe } from "./server/socket_probe.ts";
import { startIdleCollector } from "./server/idle_collector.ts";
import { startEventLoopMonitor } from "./metrics/event_loop_monitor.ts";

/** How long an identity denied BatchGetSecretValue keeps using GetSecretValue. */
const BATCH_DENIED_TTL_MS = 60 * 60_000;

/** Process-level inputs besides the flags. */
export interface ProviderEnvironment {
  /** `AWS_REGION` of the provider process ("" if unset). */
  awsRegion: string;
  /** Creates the Kubernetes API (default: client-node, in-cluster or kubeconfig). */
  createKubeApi?: () => Promise<KubeApi>;
  /** Called after every mount. */
  onMount?: (record: MountRecord) => void;
}

/** A running provider. */
export interface Provider {
  /** The gRPC server. */
  server: ProviderServer;
  /** Kubernetes lookups (for metrics). */
  kube: KubeLookups;
  /** Identity resolver (for metrics). */
  identities: IdentityResolver;
  /** The metrics. */
  metrics: ProviderMetrics;
  /** Graceful stop. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts the provider on `<providerVolume>/aws.sock`. */
export async function startProvider(
  config: ProviderConfig,
  logger: Logger,
  environment: ProviderEnvironment,
): Promise<Provider> {
  // Read at scrape time, after everything below exists.
  const metrics = new ProviderMetrics({
    inFlight: () => grpcServer.inFlight,
    caches: () => ({
      credentials: identities.cacheStats,
      kubernetes: kube.cacheStats,
      objects: objectsCache.stats,
    }),
    podIdentityAgentCalls: () => identities.fetches.agent,
  });
  const observer = (call: AwsCall) => metrics.recordAwsCall(call);
  let kubeApi: Promise<KubeApi> | undefined;
  const createKube = environment.createKubeApi ??
    (() => createClientNodeKubeApi({ kubeconfig: config.kubeconfig }));
  const kube = new KubeLookups({
    kube: () => {
      kubeApi ??= createKube().catch((error) => {
        kubeApi = undefined; // try again on the next mount
        throw new Error(`Can not get cluster config. error: ${error.message}`);
      });
      return kubeApi;
    },
    limiter: new TokenBucket({ qps: config.qps, burst: config.burst }),
    ttlMs: config.k8sCacheTtlMs,
    onCall: (resource, outcome) => metrics.recordKubeCall(resource, outcome),
  });
  const appId = userAgentAppId(config.eksAddonVersion);
  const identities = new IdentityResolver({
    kube,
    sts: createStsWebIdentityApi({ appId, observer }),
    agent: {
      ipv4Endpoint: config.podIdentityAgentIpv4,
      ipv6Endpoint: config.podIdentityAgentIpv6,
      timeoutMs: config.podIdentityHttpTimeoutMs,
    },
    logger,
  });
  const stores = new SdkStorePool({ appId, observer });
  const objectsCache = new ObjectsCache();
  const batchDenied = new ExpiringCache<boolean>({
    expiresAt: (_value, now) => now + BATCH_DENIED_TTL_MS,
  });
  const dependencies: MountDependencies = {
    driverWritesSecrets: config.driverWritesSecrets,
    lookupRegion: (pod, context) =>
      environment.awsRegion !== ""
        ? Promise.resolve(environment.awsRegion)
        : kube.region(pod, context),
    resolveIdentity: (request) => identities.resolve(request),
    stores: (region, identity) => stores.get(region, identity.credentials(region)),
    batchPermission: (identity) => ({
      allowed: () => config.batchGetSecretValue && batchDenied.peek(identity.principal) !== true,
      denied: () => {
        if (batchDenied.peek(identity.principal) !== true) {
          logger.info("BatchGetSecretValue denied; using GetSecretValue for this identity", {
            principal: identity.principal,
          });
        }
        batchDenied.set(identity.principal, true);
      },
    }),
    checkTargetPath: (targetPath, pod) =>
      confineTargetPath(targetPath, { podsDir: config.kubeletPodsDir, podUid: pod.uid }),
    writeFiles: (targetPath, files) => writeFilesAtomically(targetPath, files),
    concurrency: config.mountConcurrency,
    maxResponseBytes: config.maxResponseBytes,
    limits: config.limits,
    objectsCache,
    logger,
  };
  logger.info(
    config.driverWritesSecrets
      ? "Driver is configured to write secrets"
      : "Provider is configured to write secrets",
  );
  const socketPath = `${config.providerVolume}/aws.sock`;
  const eventLoop = startEventLoopMonitor({
    observe: (seconds) => metrics.recordEventLoopDelay(seconds),
  });
  const grpcServer = await startProviderServer({
    socketPath,
    mount: (request, context) => {
      eventLoop.activate();
      return runMount(request, dependencies, context);
    },
    logger,
    onMount: (record) => {
      metrics.recordMount(record);
      collector.touch();
      environment.onMount?.(record);
    },
  });
  const collector = startIdleCollector({ inFlight: () => grpcServer.inFlight });
  let stopping = false;
  const probe = createSocketProbe(socketPath);
  const endpoints: HealthServer[] = [];
  const health = {
    ready: () => grpcServer.listening && !stopping,
    probeSocket: probe.check,
    logger,
  };
  try {
    if (config.metricsAddress) {
      endpoints.push(startHealthServer({
        ...health,
        address: config.metricsAddress,
        metrics: () => metrics.render(),
      }));
    }
    if (config.healthAddress) {
      endpoints.push(startHealthServer({ ...health, address: config.healthAddress }));
    }
  } catch (error) {
    await Promise.all(endpoints.map((endpoint) => endpoint.stop()));
    await grpcServer.stop(0);
    collector.stop();
    eventLoop.stop();
    throw new Error(
      `Failed to serve the metrics and health endpoint. error: ${(error as Error).message}`,
    );
  }
  return {
    server: grpcServer,
    kube,
    identities,
    metrics,
    async stop(graceMs) {
      stopping = true;
      await grpcServer.stop(graceMs);
      await Promise.all(endpoints.map((endpoint) => endpoint.stop()));
      probe.close();
      collector.stop();
      eventLoop.stop();
      stores.destroy();
    },
  };
}
