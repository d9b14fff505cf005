/**
 * The provider's Prometheus metrics. Names start with `secrets_store_provider_aws_`.
 *
 * @module
 */

import type { AwsCall } from "../aws/mod.ts";
import { RegionLabels } from "./region_labels.ts";
import { Counter, Gauge, Histogram, Registry } from "./registry.ts";

const PREFIX = "secrets_store_provider_aws_";

/** A finished mount, as the metrics need it (the server's mount record is one). */
export interface MountObservation {
  /** Wall time in ms. */
  durationMs: number;
  /** `ok` or the error code. */
  outcome: string;
  /** Objects served by the failover region. */
  summary: { failovers?: number };
}

/** Numbers kept by other parts of the provider, read when metrics are scraped. */
export interface MetricSources {
  /** The provider's version, for `build_info`. */
  version: string;
  /** Mounts being served. */
  inFlight(): number;
  /** Cache hit/miss totals by cache name. */
  caches(): Record<string, { hits: number; misses: number }>;
  /** Pod Identity agent calls. */
  podIdentityAgentCalls(): number;
}

/** Buckets (s) of the event loop's delays and holds: one mount may hold it 50 ms at most. */
const EVENT_LOOP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

/** The provider's metrics and the hooks that feed them. */
export class ProviderMetrics {
  /** The registry to render. */
  readonly registry = new Registry();
  #mountDuration = this.registry.add(
    new Histogram(
      `${PREFIX}mount_duration_seconds`,
      "Duration of Mount requests by outcome (ok or the error code).",
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    ),
  );
  #mountErrors = this.registry.add(
    new Counter(`${PREFIX}mount_errors_total`, "Failed Mount requests by error code."),
  );
  #failovers = this.registry.add(
    new Counter(
      `${PREFIX}failover_objects_total`,
      "Objects mounted from the failover region because the primary region did not answer.",
    ),
  );
  #awsCalls = this.registry.add(
    new Counter(
      `${PREFIX}aws_calls_total`,
      "AWS HTTP attempts (retries included) by service, API, region and outcome.",
    ),
  );
  #eventLoopDelay = this.registry.add(
    new Histogram(
      `${PREFIX}event_loop_delay_seconds`,
      "How late a 10 ms timer fired while mounts were served: time the event loop was held.",
      EVENT_LOOP_BUCKETS,
    ),
  );
  #eventLoopHeld = this.registry.add(
    new Histogram(
      `${PREFIX}event_loop_held_seconds`,
      "The same delays, each bounded by the CPU time the process used meanwhile: without the time it waited for a core (CPU limit, busy node).",
      EVENT_LOOP_BUCKETS,
    ),
  );
  #regionLabels = new RegionLabels();
  #kubeCalls = this.registry.add(
    new Counter(`${PREFIX}kubernetes_calls_total`, "Kubernetes API reads by resource and outcome."),
  );

  /** Creates the metrics; `sources` supplies values kept elsewhere. */
  constructor(sources: MetricSources) {
    this.registry.add(
      new Gauge(`${PREFIX}mounts_in_flight`, "Mount requests being served.", (gauge) => {
        gauge.set(sources.inFlight());
      }),
    );
    this.registry.add(
      new Counter(
        `${PREFIX}cache_requests_total`,
        "Cache lookups by cache and result (hit or miss).",
        (counter) => {
          for (const [cache, stats] of Object.entries(sources.caches())) {
            counter.set(stats.hits, { cache, result: "hit" });
            counter.set(stats.misses, { cache, result: "miss" });
          }
        },
      ),
    );
    this.registry.add(
      new Counter(
        `${PREFIX}pod_identity_agent_calls_total`,
        "Credential requests to the EKS Pod Identity agent.",
        (counter) => counter.set(sources.podIdentityAgentCalls()),
      ),
    );
    this.registry.add(
      new Gauge(
        `${PREFIX}memory_bytes`,
        "Process memory by kind: rss, heap_total, heap_used, external (Deno.memoryUsage).",
        (gauge) => {
          const memory = Deno.memoryUsage();
          gauge.set(memory.rss, { kind: "rss" });
          gauge.set(memory.heapTotal, { kind: "heap_total" });
          gauge.set(memory.heapUsed, { kind: "heap_used" });
          gauge.set(memory.external, { kind: "external" });
        },
      ),
    );
    this.registry.add(
      new Gauge(`${PREFIX}build_info`, "Build information (always 1).", (gauge) => {
        gauge.set(1, { version: sources.version, deno: Deno.version.deno, v8: Deno.version.v8 });
      }),
    );
  }

  /** Records a finished mount. */
  recordMount(record: MountObservation): void {
    this.#mountDuration.observe(record.durationMs / 1000, { outcome: record.outcome });
    if (record.outcome !== "ok") this.#mountErrors.inc({ code: record.outcome });
    if (record.summary.failovers) this.#failovers.inc({}, record.summary.failovers);
  }

  /** Records one AWS HTTP attempt (its region as a bounded label value). */
  recordAwsCall(call: AwsCall): void {
    const region = this.#regionLabels.label(call.region, call.outcome !== "network_error");
    this.#awsCalls.inc({ ...call, region });
  }

  /** Records one event loop delay sample and the part of it that was held. */
  recordEventLoopDelay(seconds: number, heldSeconds = seconds): void {
    this.#eventLoopDelay.observe(seconds);
    this.#eventLoopHeld.observe(heldSeconds);
  }

  /** Records one Kubernetes read. */
  recordKubeCall(resource: string, outcome: "ok" | "error"): void {
    this.#kubeCalls.inc({ resource, outcome });
  }

  /** The exposition text. */
  render(): string {
    return this.registry.render();
  }
}
