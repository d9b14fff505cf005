/**
 * What a finished mount shows the world: its one log line and, when it
 * failed, the gRPC status the driver receives (and the pod's events show).
 *
 * The server and the mount fuzzing both finish mounts here, so the fuzzing's
 * leak check reads the very texts the provider emits rather than a copy of
 * how they are built.
 *
 * @example
 * ```ts
 * const { record, status } = finishMount(logger, {
 *   summary,
 *   durationMs: 12.5,
 *   thrown: { error: new MountError("FetchError", "Failed to fetch secret") },
 * });
 * // status: { code: 2 (UNKNOWN), details: "Failed to fetch secret" }; one warn line logged
 * ```
 *
 * @module
 */

import type { Logger } from "../log/mod.ts";
import { MountError, type MountSummary } from "../mount/mod.ts";
import { GrpcStatus, type GrpcStatusCode } from "./grpc_unary.ts";

/** What happened in one mount, for logs and metrics. */
export interface MountRecord {
  /** Wall time in ms. */
  durationMs: number;
  /** `ok` or the error code. */
  outcome: "ok" | MountError["code"];
  /** What was mounted. */
  summary: MountSummary;
  /** The error text, if any (never contains secret values). */
  error?: string;
}

/** The gRPC status a failed mount is answered with. */
export interface MountStatus {
  /** gRPC status code. */
  code: GrpcStatusCode;
  /** The status message: the error text the pod's events show. */
  details: string;
}

/** A mount that has just ended, as the server saw it. */
export interface FinishedMount {
  /** What the pipeline learnt about the mount (filled in as it went). */
  summary: MountSummary;
  /** Wall time in ms. */
  durationMs: number;
  /** What the pipeline threw; absent when the mount succeeded. */
  thrown?: { error: unknown };
}

/** The record of a finished mount and, when it failed, the status for the driver. */
export interface MountOutcome {
  /** For metrics (`onMount`). */
  record: MountRecord;
  /** The gRPC status to answer with; absent when the mount succeeded. */
  status?: MountStatus;
}

/**
 * The {@linkcode MountError} a thrown value is reported as: itself, or an
 * `Internal` error for anything else (a bug; its message is kept so that the
 * pod's events say what broke).
 */
export function mountFailure(error: unknown): MountError {
  if (error instanceof MountError) return error;
  return new MountError("Internal", `internal error: ${(error as Error)?.message ?? error}`, {
    cause: error,
  });
}

/**
 * The gRPC status of a failed mount: `UNKNOWN` with the error text, which
 * is what the Go provider's plain Go errors become in grpc-go.
 */
export function mountStatus(failure: MountError): MountStatus {
  return { code: GrpcStatus.UNKNOWN, details: failure.message };
}

/** Writes the mount's one log line: `mount` (info) or `mount failed` (warn). */
export function logMount(logger: Logger, record: MountRecord): void {
  const { summary } = record;
  const fields = {
    pod: summary.pod?.name,
    namespace: summary.pod?.namespace,
    serviceAccount: summary.pod?.serviceAccount,
    secretProviderClass: summary.secretProviderClass,
    regions: summary.regions,
    principal: summary.principal,
    objects: summary.objects,
    failovers: summary.failovers,
    durationMs: Math.round(record.durationMs * 10) / 10,
    outcome: record.outcome,
    error: record.error,
  };
  if (record.outcome === "ok") logger.info("mount", fields);
  else logger.warn("mount failed", fields);
}

/**
 * Finishes a mount: builds its record, writes its log line with `logger`,
 * and for a failure returns the gRPC status the driver is answered with.
 */
export function finishMount(logger: Logger, finished: FinishedMount): MountOutcome {
  const { summary, durationMs, thrown } = finished;
  if (thrown === undefined) {
    const record: MountRecord = { durationMs, outcome: "ok", summary };
    logMount(logger, record);
    return { record };
  }
  const failure = mountFailure(thrown.error);
  const record: MountRecord = {
    durationMs,
    outcome: failure.code,
    summary,
    error: failure.message,
  };
  logMount(logger, record);
  return { record, status: mountStatus(failure) };
}
