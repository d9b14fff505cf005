/**
 * The soak's fault schedule: every phase puts a new random fault on the
 * primary region through the fault proxy — server errors, throttling,
 * connection resets, hangs, latency, now and then a fatal client error, or
 * none — limited to a number of requests or standing for the whole phase.
 * The first phases take each kind once ({@linkcode OPENING_KINDS}), so that
 * even the short soak of CI meets every fault, a hang and a fatal error
 * included.
 *
 * @module
 */

import type { AwsCall, AwsFaultMatch, Fault, FaultProxy } from "../../devstack/mod.ts";

/**
 * Error codes the schedule injects that are fatal by design (the provider
 * does not fail over from them, as the Go provider does not): a mount one
 * of them answers may fail. Every other fault must be survived.
 */
export const FATAL_FAULT_CODES: readonly string[] = ["ResourceNotFoundException"];

/**
 * Whether the proxy answered `call` with an injected fatal error: the only
 * 4xx status faults of the schedule are the {@linkcode FATAL_FAULT_CODES}
 * (throttling is a fault kind of its own).
 */
export function isFatalFault(call: AwsCall): boolean {
  return call.fault === "status" && call.status >= 400 && call.status < 500;
}

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
  fault: Fault;
}

/** Rolls that pick each kind of fault (see {@linkcode pickFaults}), in the order the first phases take them. */
const OPENING_ROLLS = {
  hang: 0.72,
  serverError: 0.30,
  throttle: 0.50,
  reset: 0.60,
  fatal: 0.97,
  standing500: 0.80,
  latency: 0.90,
};

/** The kinds of fault the first phases of every soak take, one each, in this order. */
export const OPENING_KINDS = Object.keys(OPENING_ROLLS) as (keyof typeof OPENING_ROLLS)[];

/**
 * Picks the faults (none, usually one) of phase number `phase` for `region`:
 * the opening kinds first, then at random.
 */
export function pickFaults(region: string, next: () => number, phase = Infinity): FaultRule[] {
  const roll = phase < OPENING_KINDS.length ? OPENING_ROLLS[OPENING_KINDS[phase]] : next();
  const service = next() < 0.3 ? (next() < 0.5 ? "secretsmanager" : "ssm") : undefined;
  const match: AwsFaultMatch = service ? { region, service } : { region };
  if (roll < 0.25) return [];
  if (roll < 0.40) {
    const status = [500, 502, 503][between(next, 0, 2)];
    return [{ match, fault: { kind: "status", status, times: between(next, 5, 60) } }];
  }
  if (roll < 0.55) return [{ match, fault: { kind: "throttle", times: between(next, 5, 60) } }];
  if (roll < 0.70) return [{ match, fault: { kind: "reset", times: between(next, 5, 40) } }];
  if (roll < 0.77) return [{ match, fault: { kind: "hang", times: between(next, 1, 4) } }];
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

/** Replaces the proxy's faults with phase number `phase`; returns its description. */
export function nextPhase(
  proxy: FaultProxy,
  region: string,
  options: { next: () => number; phase: number },
): string {
  const rules = pickFaults(region, options.next, options.phase);
  proxy.clearFaults();
  for (const { match, fault } of rules) proxy.setFault(match, fault);
  return describe(rules);
}
