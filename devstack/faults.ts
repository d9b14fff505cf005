/**
 * One fault API for the three stand-ins that fail on demand: the AWS fault
 * proxy, the Kubernetes API stand-in and the Pod Identity agent stand-in.
 * They take the same {@linkcode Fault}s and set, clear and count them the
 * same way ({@linkcode FaultInjector}); each answers a fault in its own
 * protocol (an AWS JSON or XML error, a Kubernetes `Status`, the agent's
 * JSON error).
 *
 * Which fault a request gets: a fault applies to the requests its match
 * selects (a field left out matches anything). Of the faults matching a
 * request, the most specific (most fields set) wins, then the one set last;
 * a fault with `times` is used up after that many requests, and the fault
 * it covered applies again.
 *
 * @example
 * ```ts
 * stack.proxy.setFault({ region: "us-east-1" }, { kind: "throttle", times: 2 });
 * stack.kube.setFault({ resource: "pods" }, { kind: "hang" });
 * stack.proxy.countBy((call) => call.fault ?? "none"); // { throttle: 2, none: 5 }
 * ```
 *
 * @module
 */

/**
 * What a stand-in does instead of its normal answer, to at most `times`
 * matching requests (unlimited when left out):
 *
 * | kind           | answer                                                                               |
 * | -------------- | ------------------------------------------------------------------------------------ |
 * | `status`       | an error with HTTP `status` (400-599) in the stand-in's protocol (`code`, `message`) |
 * | `throttle`     | its "slow down": AWS `ThrottlingException`, Kubernetes 429 (`retryAfterSeconds`)     |
 * | `accessDenied` | its "not allowed": AWS `AccessDenied(Exception)`, Kubernetes 403 `Forbidden`         |
 * | `text`         | `status` with `body` as `text/plain`, as Go's `http.Error` or a load balancer        |
 * | `hang`         | none: held until the client gives up or the stand-in stops                           |
 * | `reset`        | none: the TCP connection dropped (the AWS fault proxy only)                          |
 * | `latency`      | the normal answer, `ms` later                                                        |
 */
export type Fault =
  & { times?: number }
  & (
    | { kind: "status"; status: number; code?: string; message?: string }
    | { kind: "throttle"; message?: string; retryAfterSeconds?: number }
    | { kind: "accessDenied"; message?: string }
    | { kind: "text"; status: number; body: string }
    | { kind: "hang" }
    | { kind: "reset" }
    | { kind: "latency"; ms: number }
  );

/** The kind of a {@linkcode Fault}. */
export type FaultKind = Fault["kind"];

/** A request as a stand-in records it: its answer's status and the fault it got. */
export interface FaultedCall {
  /** HTTP status answered; 0 if none (hang, reset, or not answered yet). */
  status: number;
  /** Kind of the fault applied, if any. */
  fault?: FaultKind;
}

/** Setting, clearing and counting faults: the same on every stand-in. */
export interface FaultInjector<M, C extends FaultedCall> {
  /** Injects `fault` into the requests `match` selects (see the module doc for which wins). */
  setFault(match: M, fault: Fault): void;
  /** Removes every fault. */
  clearFaults(): void;
  /** The requests received so far, in arrival order (copies). */
  calls(): C[];
  /** Forgets the recorded requests. */
  resetCalls(): void;
  /**
   * Counts the requests by `key` (by default the stand-in's own: AWS
   * `service.api.region`, Kubernetes the resource, the agent the path);
   * requests whose key is `undefined` are not counted.
   */
  countBy(key?: (call: C) => string | undefined): Record<string, number>;
}

/** A stand-in's side of {@linkcode faultBook}: the public API and what its handler needs. */
export interface FaultBook<M, C extends FaultedCall> {
  /** What the stand-in exposes. */
  injector: FaultInjector<M, C>;
  /** Records a request (its fields may change until it is answered). */
  record(call: C): void;
  /** The fault for a request with these fields, one of its `times` used; undefined for none. */
  take(request: Required<M>): Fault | undefined;
}

/** Options of {@linkcode faultBook}. */
export interface FaultBookOptions<C> {
  /** The stand-in's name, for errors. */
  name: string;
  /** The kinds it can answer. */
  kinds: readonly FaultKind[];
  /** Default key of `countBy`. */
  countKey: (call: C) => string | undefined;
}

interface Rule<M> {
  match: M;
  fault: Fault;
  remaining: number;
  order: number;
}

/** The fault rules and the request log of one stand-in. */
export function faultBook<M extends { [K in keyof M]?: string }, C extends FaultedCall>(
  options: FaultBookOptions<C>,
): FaultBook<M, C> {
  let rules: Rule<M>[] = [];
  let order = 0;
  let log: C[] = [];
  const fieldsSet = (match: M) => Object.values(match).filter((v) => v !== undefined).length;
  return {
    injector: {
      setFault(match, fault) {
        checkFault(fault, options);
        rules.push({
          match: { ...match },
          fault: { ...fault },
          remaining: fault.times ?? Infinity,
          order: order++,
        });
      },
      clearFaults() {
        rules = [];
      },
      calls: () => log.map((call) => ({ ...call })),
      resetCalls() {
        log = [];
      },
      countBy(key = options.countKey) {
        const counts: Record<string, number> = {};
        for (const call of log) {
          const name = key(call);
          if (name !== undefined) counts[name] = (counts[name] ?? 0) + 1;
        }
        return counts;
      },
    },
    record(call) {
      log.push(call);
    },
    take(request) {
      const rule = rules
        .filter(({ match }) =>
          Object.entries(match).every(([k, v]) => v === undefined || request[k as keyof M] === v)
        )
        .sort((a, b) => fieldsSet(b.match) - fieldsSet(a.match) || b.order - a.order)[0];
      if (rule === undefined) return undefined;
      if (--rule.remaining === 0) rules = rules.filter((r) => r !== rule);
      return rule.fault;
    },
  };
}

function checkFault<C>(fault: Fault, options: FaultBookOptions<C>): void {
  if (!options.kinds.includes(fault.kind)) {
    throw new RangeError(`the ${options.name} cannot inject a ${fault.kind} fault`);
  }
  if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times > 0)) {
    throw new RangeError(`times must be a positive integer, got ${fault.times}`);
  }
  if (
    (fault.kind === "status" || fault.kind === "text") &&
    !(fault.status >= 400 && fault.status <= 599)
  ) {
    throw new RangeError(`status must be 400-599, got ${fault.status}`);
  }
  if (fault.kind === "latency") checkMs(fault.ms);
}

/** `ms` if it is a delay (finite, not negative). @throws {RangeError} otherwise. */
export function checkMs(ms: number): number {
  if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`delay must be >= 0 ms, got ${ms}`);
  return ms;
}

/**
 * Waits out what a fault delays: `latency` its `ms`, `hang` until `stopped`
 * aborts (the stand-in stops); nothing for other faults. Returns early when
 * `stopped` aborts.
 */
export function waitOut(fault: Fault | undefined, stopped: AbortSignal): Promise<void> {
  if (fault?.kind === "hang") return delay(Infinity, stopped);
  return delay(fault?.kind === "latency" ? fault.ms : 0, stopped);
}

/** Resolves after `ms` (never for `Infinity`), or at once when `signal` aborts. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** A plain-text answer as Go's `http.Error` writes it: `text` plus a newline. */
export function textAnswer(
  status: number,
  text: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(`${text}\n`, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
      ...headers,
    },
  });
}
