/**
 * The bytes one mount may bring in from one region. Secret values are
 * written by whoever owns the secrets, and a class may list a thousand of
 * them, so what a mount holds in memory is bounded as the values arrive: each
 * value by `valueBytes`, all of a region's values (jmesPath results included)
 * by `mountBytes`. The first value over a limit stops the whole mount.
 *
 * @module
 */

import type { SecretsManagerApi, SsmApi } from "../aws/mod.ts";
import { checkLimit, type Limit, LimitError, utf8Length } from "../limits/mod.ts";

/** The limits a {@linkcode ByteBudget} enforces. */
export interface ByteLimits {
  /** One value. */
  valueBytes: Limit;
  /** All values of one region for one mount. */
  mountBytes: Limit;
}

/** Bytes taken so far by one region of one mount. */
export class ByteBudget {
  #used = 0;
  #limits: ByteLimits;
  #region: string;
  #onExceeded: () => void;
  /** The first limit that was passed, if any. */
  exceeded: LimitError | undefined;

  /**
   * Creates an empty budget.
   *
   * @param onExceeded called once, when a limit is first passed (to cancel the mount's calls).
   */
  constructor(limits: ByteLimits, options: { region: string; onExceeded: () => void }) {
    this.#limits = limits;
    this.#region = options.region;
    this.#onExceeded = options.onExceeded;
  }

  /**
   * Records `error`, a limit a store found passed (a selector's matches or
   * pages), as the first limit passed, and stops the mount's other calls.
   */
  exceed(error: LimitError): void {
    if (this.exceeded !== undefined) return;
    this.exceeded = error;
    this.#onExceeded();
  }

  /**
   * Takes `bytes` for the value named by `subject`.
   *
   * @throws {LimitError} when the value, or the region's total, goes over its limit.
   */
  take(bytes: number, subject: string): void {
    try {
      checkLimit(this.#limits.valueBytes, bytes, subject);
      this.#used += bytes;
      if (this.#used > this.#limits.mountBytes.max) {
        throw new LimitError(
          this.#limits.mountBytes,
          `the values this mount fetched from ${this.#region} come to more than ${this.#limits.mountBytes.max} bytes`,
        );
      }
    } catch (error) {
      if (this.exceeded === undefined && error instanceof LimitError) {
        this.exceeded = error;
        this.#onExceeded();
      }
      throw error;
    }
  }
}

/** Secrets Manager and SSM of one region, every value taken from `budget` as it arrives. */
export function budgetedStores(
  stores: { secretsManager: SecretsManagerApi; ssm: SsmApi },
  budget: ByteBudget,
): { secretsManager: SecretsManagerApi; ssm: SsmApi } {
  const { secretsManager, ssm } = stores;
  return {
    secretsManager: {
      async getSecretValue(request, options) {
        const value = await secretsManager.getSecretValue(request, options);
        budget.take(value.bytes.length, `the value of ${request.secretId}`);
        return value;
      },
      async batchGetSecretValue(secretIds, options) {
        const answer = await secretsManager.batchGetSecretValue(secretIds, options);
        for (const value of answer.values) {
          budget.take(value.bytes.length, `the value of ${value.name ?? value.arn ?? "a secret"}`);
        }
        return answer;
      },
      ...(secretsManager.batchGetSecretValueByFilters === undefined ? {} : {
        async batchGetSecretValueByFilters(request, options) {
          const page = await secretsManager.batchGetSecretValueByFilters!(request, options);
          for (const value of page.values) {
            budget.take(
              value.bytes.length,
              `the value of ${value.name ?? value.arn ?? "a secret"}`,
            );
          }
          return page;
        },
      }),
    },
    ssm: {
      async getParameters(names, options) {
        const answer = await ssm.getParameters(names, options);
        for (const parameter of answer.parameters) {
          budget.take(utf8Length(parameter.value), `the value of ${parameter.name}`);
        }
        return answer;
      },
      ...(ssm.getParametersByPath === undefined ? {} : {
        async getParametersByPath(request, options) {
          const page = await ssm.getParametersByPath!(request, options);
          for (const parameter of page.parameters) {
            budget.take(utf8Length(parameter.value), `the value of ${parameter.name}`);
          }
          return page;
        },
      }),
    },
  };
}
