/**
 * In-memory Secrets Manager and SSM Parameter Store for unit tests of the
 * fetch layer: they implement {@linkcode SecretsManagerApi} and
 * {@linkcode SsmApi}, record every call, count calls in flight and fail on
 * demand with classified {@linkcode AwsFailure}s.
 *
 * @example
 * ```ts
 * const sm = new FakeSecretsManager("us-east-1");
 * sm.put("db", { AWSCURRENT: "v1" }, "secret-1");
 * await sm.getSecretValue({ secretId: "db" }); // { bytes: "secret-1", versionId: "v1", ... }
 * sm.calls; // ["GetSecretValue db"]
 * ```
 *
 * @module
 */

import {
  type AwsFailure,
  AwsFailureError,
  type BatchSecretValues,
  type CallOptions,
  type ParameterValue,
  type SecretsManagerApi,
  type SecretValue,
  type SsmApi,
} from "../../src/aws/mod.ts";

const encoder = new TextEncoder();

/** A failure as the SDK layer would describe it. */
export function awsFailure(
  code: string,
  options: { fatal?: boolean; message?: string; status?: number; operation?: string } = {},
): AwsFailure {
  const message = options.message ?? `${code} injected`;
  const status = options.status ?? (options.fatal ? 400 : 500);
  return {
    code,
    message,
    httpStatus: status,
    fatal: options.fatal ?? false,
    text: `operation error ${
      options.operation ?? "Test"
    }, https response error StatusCode: ${status}, RequestID: req-1, ${code}: ${message}`,
  };
}

/** Counts calls in flight and remembers the most seen at once. */
class InFlight {
  now = 0;
  max = 0;
  async run<T>(
    delayMs: number,
    work: () => T,
    options: { hang?: boolean; signal?: AbortSignal } = {},
  ): Promise<T> {
    this.now++;
    this.max = Math.max(this.max, this.now);
    try {
      if (options.hang) await hangUntilAborted(options.signal);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return work();
    } finally {
      this.now--;
    }
  }
}

/** Waits for `signal` to abort, then throws a non-fatal failure (as the SDK does). */
function hangUntilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    const abort = () =>
      reject(new AwsFailureError(awsFailure("AbortError", { message: "the request was aborted" })));
    if (signal?.aborted) return abort();
    signal?.addEventListener("abort", abort, { once: true });
  });
}

interface StoredSecret {
  name: string;
  arn: string;
  /** Version id → stages and content. */
  versions: { id: string; stages: string[]; bytes: Uint8Array }[];
}

/** An in-memory Secrets Manager of one region. */
export class FakeSecretsManager implements SecretsManagerApi {
  /** Calls made, e.g. `BatchGetSecretValue a,b`, `GetSecretValue a versionId=v1`. */
  readonly calls: string[] = [];
  /** Failures of GetSecretValue by secret id. */
  readonly getFailures = new Map<string, AwsFailure>();
  /** Failures reported inside a BatchGetSecretValue answer, by secret id. */
  readonly batchEntryFailures = new Map<string, AwsFailure>();
  /** Ids the batch answer leaves out silently (neither value nor error). */
  readonly batchOmits = new Set<string>();
  /** Failure of whole BatchGetSecretValue calls. */
  batchFailure: AwsFailure | undefined;
  /** A plain Error GetSecretValue throws (not an AwsFailureError). */
  getThrows: Error | undefined;
  /** Delay of every call in ms. */
  delayMs = 0;
  /** Calls never answer; they fail when their signal aborts. */
  hang = false;
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #inFlight = new InFlight();

  /** Creates an empty store; ARNs use `region`. */
  constructor(readonly region: string, readonly account = "123456789012") {}

  /** Most calls that were in flight at once. */
  get maxInFlight(): number {
    return this.#inFlight.max;
  }

  /**
   * Stores a secret: `stages` maps each stage to its version id, `values` each
   * version id to its content (a string is SecretString, bytes SecretBinary).
   * Returns the full ARN (name plus `-` and 6 characters).
   */
  put(name: string, stages: Record<string, string>, ...values: (string | Uint8Array)[]): string {
    const arn = `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-AbCdEf`;
    const ids = [...new Set(Object.values(stages))];
    const versions = ids.map((id, index) => ({
      id,
      stages: Object.entries(stages).filter(([, v]) => v === id).map(([stage]) => stage),
      bytes: toBytes(values[index] ?? values[0]),
    }));
    this.#secrets.set(name, { name, arn, versions });
    return arn;
  }

  /** GetSecretValue. */
  getSecretValue(
    request: { secretId: string; versionId?: string; versionStage?: string },
    options: CallOptions = {},
  ): Promise<SecretValue> {
    const pins = [
      request.versionId ? ` versionId=${request.versionId}` : "",
      request.versionStage ? ` versionStage=${request.versionStage}` : "",
    ].join("");
    this.calls.push(`GetSecretValue ${request.secretId}${pins}`);
    return this.#inFlight.run(this.delayMs, () => {
      if (this.getThrows !== undefined) throw this.getThrows;
      const failure = this.getFailures.get(request.secretId);
      if (failure !== undefined) throw new AwsFailureError(failure);
      const secret = this.#find(request.secretId);
      const stage = request.versionStage ?? (request.versionId ? undefined : "AWSCURRENT");
      const version = secret?.versions.find((candidate) =>
        (request.versionId === undefined || candidate.id === request.versionId) &&
        (stage === undefined || candidate.stages.includes(stage))
      );
      if (secret === undefined || version === undefined) {
        throw new AwsFailureError(notFound(request.secretId));
      }
      return { bytes: version.bytes, versionId: version.id, name: secret.name, arn: secret.arn };
    }, { hang: this.hang, signal: options.signal });
  }

  /** BatchGetSecretValue (current versions). */
  batchGetSecretValue(secretIds: string[], options: CallOptions = {}): Promise<BatchSecretValues> {
    this.calls.push(`BatchGetSecretValue ${secretIds.join(",")}`);
    return this.#inFlight.run(this.delayMs, () => {
      if (this.batchFailure !== undefined) throw new AwsFailureError(this.batchFailure);
      const answer: BatchSecretValues = { values: [], errors: [] };
      for (const id of secretIds) {
        if (this.batchOmits.has(id)) continue;
        const failure = this.batchEntryFailures.get(id);
        const secret = this.#find(id);
        const current = secret?.versions.find((version) => version.stages.includes("AWSCURRENT"));
        if (failure !== undefined || secret === undefined || current === undefined) {
          answer.errors.push({ secretId: id, failure: failure ?? notFound(id) });
          continue;
        }
        answer.values.push({
          bytes: current.bytes,
          versionId: current.id,
          name: secret.name,
          arn: secret.arn,
        });
      }
      return answer;
    }, { hang: this.hang, signal: options.signal });
  }

  /** By name, full ARN or partial ARN (the ARN without its `-XXXXXX` suffix). */
  #find(id: string): StoredSecret | undefined {
    for (const secret of this.#secrets.values()) {
      if (id === secret.name || id === secret.arn || id === secret.arn.slice(0, -7)) return secret;
    }
    return undefined;
  }
}

function notFound(id: string): AwsFailure {
  return awsFailure("ResourceNotFoundException", {
    fatal: true,
    message: `Secrets Manager can't find the specified secret. (${id})`,
    operation: "Secrets Manager: GetSecretValue",
  });
}

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === "string" ? encoder.encode(value) : value;
}

interface StoredParameter {
  name: string;
  arn: string;
  /** Versions, oldest first; version n is at index n - 1. */
  versions: { value: string; labels: string[] }[];
}

/** An in-memory SSM Parameter Store of one region. */
export class FakeSsm implements SsmApi {
  /** Calls made, e.g. `GetParameters a,b:2`. */
  readonly calls: string[] = [];
  /** Failure of whole GetParameters calls. */
  failure: AwsFailure | undefined;
  /** Names the answer leaves out silently (neither parameter nor invalid). */
  readonly omits = new Set<string>();
  /** Delay of every call in ms. */
  delayMs = 0;
  /** Calls never answer; they fail when their signal aborts. */
  hang = false;
  readonly #parameters = new Map<string, StoredParameter>();
  readonly #inFlight = new InFlight();

  /** Creates an empty store; ARNs use `region`. */
  constructor(readonly region: string, readonly account = "123456789012") {}

  /** Most calls that were in flight at once. */
  get maxInFlight(): number {
    return this.#inFlight.max;
  }

  /** Stores a parameter with versions 1..n; `labels` maps a label to its version. */
  put(name: string, values: string[], labels: Record<string, number> = {}): string {
    const arn = `arn:aws:ssm:${this.region}:${this.account}:parameter/${name.replace(/^\//, "")}`;
    this.#parameters.set(name, {
      name,
      arn,
      versions: values.map((value, index) => ({
        value,
        labels: Object.entries(labels).filter(([, v]) => v === index + 1).map(([label]) => label),
      })),
    });
    return arn;
  }

  /** GetParameters with decryption. */
  getParameters(
    names: string[],
    options: CallOptions = {},
  ): Promise<{ parameters: ParameterValue[]; invalid: string[] }> {
    this.calls.push(`GetParameters ${names.join(",")}`);
    return this.#inFlight.run(this.delayMs, () => {
      if (this.failure !== undefined) throw new AwsFailureError(this.failure);
      const parameters: ParameterValue[] = [];
      const invalid: string[] = [];
      for (const requested of names) {
        if (this.omits.has(requested)) continue;
        const arnLike = requested.startsWith("arn:");
        const cut = arnLike ? requested.lastIndexOf(":") : requested.indexOf(":");
        const hasSelector = cut > (arnLike ? requested.indexOf("parameter/") : -1) && cut !== -1;
        const id = hasSelector ? requested.slice(0, cut) : requested;
        const selector = hasSelector ? requested.slice(cut + 1) : undefined;
        const parameter = [...this.#parameters.values()].find((p) => p.name === id || p.arn === id);
        const number = selector === undefined
          ? parameter?.versions.length
          : /^\d+$/.test(selector)
          ? Number(selector)
          : (parameter?.versions.findIndex((v) => v.labels.includes(selector)) ?? -2) + 1;
        const version = number ? parameter?.versions[number - 1] : undefined;
        if (parameter === undefined || version === undefined) {
          invalid.push(requested);
          continue;
        }
        parameters.push({
          name: parameter.name,
          arn: parameter.arn,
          value: version.value,
          version: number!,
          selector: selector === undefined ? undefined : `:${selector}`,
        });
      }
      return { parameters, invalid };
    }, { hang: this.hang, signal: options.signal });
  }
}

/** A BatchPermission that counts denials. */
export function batchPermission(allowed = true): {
  allowed(): boolean;
  denied(): void;
  denials: number;
} {
  return {
    denials: 0,
    allowed() {
      return allowed;
    },
    denied() {
      allowed = false;
      this.denials++;
    },
  };
}
