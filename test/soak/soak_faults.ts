/**
 * The soak's fault schedule: every phase puts a new random fault on the
 * primary region through the fault proxy — server errors, throttling,
 * connection resets, hangs, latency, now and then a fatal client error, or
 * none — limited to a number of requests or standing for the whole phase.
 *
 * @module
 */

import type { AwsFault, AwsFaultMatch, FaultProxy } from "../support/fault_proxy.ts";

/** One phase's fault, for the report. */
export interface FaultPhase {
  /** Mount index the phase started at. */
  atMount: number;
  /** Short description, e.g. `reset ×12 secretsmanager`. */
  label: string;
}

function between(next: () => number, low: number, high: number): number {
  return low + Math.floor(next() * (high - low + 1));
}

/** A fault and the requests it applies to. */
export interface FaultRule {
  /** Which requests. */
  match: AwsFaultMatch;
  /** What happens to them. */
  fault: AwsFault;
}

/** Picks the next phase's faults (none, usually one) for `region`. */
export function pickFaults(region: string, next: () => number): FaultRule[] {
  const roll = next();
  const service = next() < 0.3 ? (next() < 0.5 ? "secretsmanager" : "ssm") : undefined;
  const match: AwsFaultMatch = service ? { region, service } : { region };
  if (roll < 0.25) return [];
  if (roll < 0.40) {
    const status = [500, 502, 503][between(next, 0, 2)];
    return [{ match, fault: { kind: "status", status, times: between(next, 5, 60) } }];
  }
  if (roll < 0.55) return [{ match, fault: { kind: "throttle", times: between(next, 5, 60) } }];
  if (roll < 0.70) return [{ match, fault: { kind: "reset", times: between(next, 5, 40) } }];
  if (roll < 0.77) return [{ match, fault: { kind: "timeout", times: between(next, 1, 4) } }];
  if (roll < 0.87) return [{ match, fault: { kind: "status", status: 500 } }];
  if (roll < 0.95) {
    const ms = between(next, 50, 400);
    return [{ match, fault: { kind: "latency", ms, times: between(next, 20, 100) } }];
  }
  // A modeled client error: the batch call falls back to GetSecretValue, whose
  // answer is fatal, so a few mounts fail with a clean error.
  const notFound = {
    kind: "status" as const,
    status: 400,
    code: "ResourceNotFoundException",
    message: "Secrets Manager can't find the specified secret.",
  };
  return [
    {
      match: { region, api: "BatchGetSecretValue" },
      fault: { ...notFound, times: between(next, 1, 3) },
    },
    {
      match: { region, api: "GetSecretValue" },
      fault: { ...notFound, times: between(next, 1, 3) },
    },
  ];
}

function describe(rules: FaultRule[]): string {
  if (rules.length === 0) return "none";
  return rules.map(({ match, fault }) => {
    const what = fault.kind === "status"
      ? `${fault.status}${fault.code ? ` ${fault.code}` : ""}`
      : fault.kind === "latency"
      ? `latency ${fault.ms} ms`
      : fault.kind;
    const times = fault.times === undefined ? "standing" : `×${fault.times}`;
    return `${what} ${times}${
      match.api ? ` ${match.api}` : match.service ? ` ${match.service}` : ""
    }`;
  }).join(" + ");
}

/** Replaces the proxy's faults with a new random phase; returns its description. */
export function nextPhase(proxy: FaultProxy, region: string, next: () => number): string {
  const rules = pickFaults(region, next);
  proxy.clearFaults();
  for (const { match, fault } of rules) proxy.setFault(match, fault);
  return describe(rules);
}
