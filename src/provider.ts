/**
 * Assembly of the provider: configuration in, running server out. Wiring
 * only: everything long-lived (caches, clients, the Kubernetes client) is
 * created here once and shared by all mounts; the policies live with the
 * layer they belong to.
 *
 * Once the socket answers, the provider warms up: it creates the Kubernetes
 * client and makes the AWS SDK ready (`warmUpAwsSdk`), so that the first
 * mount of a fresh process costs what any mount costs; then it collects the
 * garbage of loading. It starts after the first `Version` answer (so start-up
 * is not delayed by it), or 50 ms after listening when no `Version` comes.
 *
 * @module
 */

import process from "node:process";
import { type AwsCall, SdkStorePool, warmUpAwsSdk } from "./aws/mod.ts";
import type { ProviderConfig } from "./cli/mod.ts";
import { ObjectsCache } from "./config/mod.ts";
import { BatchDeniedMemory } from "./fetch/mod.ts";
import {
  confineTargetPath,
  guardedWriterFs,
  removeOtherFiles,
  writeFilesAtomically,
} from "./files/mod.ts";
import {
  createKubeApi,
  createStsAssumeRoleApi,
  createStsWebIdentityApi,
  IdentityResolver,
  type KubeApi,
  KubeLookups,
  lazyKubeApi,
  TokenBucket,
} from "./identity/mod.ts";
import type { Logger } from "./log/mod.ts";
import { ProviderMetrics, startEventLoopMonitor } from "./metrics/mod.ts";
import { type MountDependencies, runMount } from "./mount/mod.ts";
import {
  createSocketProbe,
  type HealthServer,
  type MountRecord,
  type ProviderServer,
  startHealthServer,
  startIdleCollector,
  startProviderServer,
} from "./server/mod.ts";
import { PROVIDER_NAME, PROVIDER_VERSION, userAgentAppId } from "./version.ts";

/** Process-level inputs besides the flags. */
export interface ProviderEnvironment {
  /** `AWS_REGION` of the provider process ("" if unset). */
  awsRegion: string;
  /** Creates the Kubernetes API (default: our client, in-cluster or kubeconfig). */
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
    version: PROVIDER_VERSION,
    inFlight: () => grpcServer.inFlight,
    caches: () => ({
      credentials: identities.cacheStats,
      kubernetes: kube.cacheStats,
      objects: objectsCache.stats,
    }),
    podIdentityAgentCalls: () => identities.fetches.agent,
  });
  const observer = (call: AwsCall) => metrics.recordAwsCall(call);
  let kubeClient: KubeApi | undefined;
  const kubeApi = lazyKubeApi(async () =>
    kubeClient = await (environment.createKubeApi ??
      (() => createKubeApi({ kubeconfig: config.kubeconfig })))()
  );
  const kube = new KubeLookups({
    kube: kubeApi,
    awsRegion: environment.awsRegion,
    limiter: new TokenBucket({ qps: config.qps, burst: config.burst }),
    ttlMs: config.k8sCacheTtlMs,
    onCall: (resource, outcome) => metrics.recordKubeCall(resource, outcome),
  });
  const appId = userAgentAppId(config.eksAddonVersion);
  const identities = new IdentityResolver({
    kube,
    sts: createStsWebIdentityApi({ appId, observer }),
    assumeRole: createStsAssumeRoleApi({ appId, observer }),
    agent: {
      ipv4Endpoint: config.podIdentityAgentIpv4,
      ipv6Endpoint: config.podIdentityAgentIpv6,
      timeoutMs: config.podIdentityHttpTimeoutMs,
    },
    logger,
  });
  const stores = new SdkStorePool({ appId, observer });
  const objectsCache = new ObjectsCache();
  const batchDenied = new BatchDeniedMemory({ enabled: config.batchGetSecretValue, logger });
  const writerFs = guardedWriterFs({
    onSlow: (ms, asyncForMs) =>
      logger.warn(
        `a file call in a pod volume took ${
          ms.toFixed(0)
        } ms (is the volume not the driver's tmpfs?); writing files on a thread for the next ${
          asyncForMs / 1000
        } s`,
      ),
  });
  const dependencies: MountDependencies = {
    driverWritesSecrets: config.driverWritesSecrets,
    lookupRegion: (pod, context) => kube.region(pod, context),
    resolveIdentity: (request) => identities.resolve(request),
    stores: (region, identity) => stores.get(region, identity.credentials(region)),
    batchPermission: (identity) => batchDenied.permission(identity.principal),
    checkTargetPath: (targetPath, pod) =>
      confineTargetPath(targetPath, { podsDir: config.kubeletPodsDir, podUid: pod.uid }),
    writeFiles: (targetPath, files) => writeFilesAtomically(targetPath, files, writerFs),
    removeOtherFiles: async (targetPath, keep) => {
      await removeOtherFiles(targetPath, keep);
    },
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
    observe: (seconds, heldSeconds) => metrics.recordEventLoopDelay(seconds, heldSeconds),
    cpuMicros: () => {
      const { user, system } = process.cpuUsage();
      return user + system;
    },
  });
  const grpcServer = await startProviderServer({
    socketPath,
    runtime: { name: PROVIDER_NAME, version: PROVIDER_VERSION },
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
    onVersion: () => warmUp(),
  });
  const collector = startIdleCollector({ inFlight: () => grpcServer.inFlight });
  let warming: Promise<void> | undefined;
  const warmUpTimer = setTimeout(() => warmUp(), 50);
  const warmUp = () => {
    clearTimeout(warmUpTimer);
    warming ??= (async () => {
      const started = performance.now();
      // A configuration that cannot be loaded now fails the mounts that need
      // it, with its reason (and is tried again by each of them).
      await kubeApi().catch(() => {});
      const failures = await warmUpAwsSdk();
      collector.collect();
      const durationMs = Math.round(performance.now() - started);
      if (failures.length === 0) logger.info("warmed up", { durationMs });
      else logger.warn("warmed up, but not every AWS call", { durationMs, failures });
    })();
  };
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
    clearTimeout(warmUpTimer);
    await warming;
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
      clearTimeout(warmUpTimer);
      await grpcServer.stop(graceMs);
      await warming;
      await Promise.all(endpoints.map((endpoint) => endpoint.stop()));
      probe.close();
      collector.stop();
      eventLoop.stop();
      stores.destroy();
      (kubeClient as Partial<Disposable> | undefined)?.[Symbol.dispose]?.();
    },
  };
}
