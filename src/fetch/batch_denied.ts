/**
 * The memory of which identities may not call BatchGetSecretValue. A role
 * that is denied the batch action (AccessDenied on the whole call) falls back
 * to GetSecretValue per secret; remembering it for an hour spares every
 * later mount of that role the failed batch call. The memory is keyed by
 * principal, which pods choose (their service account's role), so it is
 * bounded.
 *
 * @module
 */

import { ExpiringCache } from "../cache/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { BatchPermission } from "./secrets_manager_fetch.ts";

/** How long an identity denied the batch action keeps using GetSecretValue. */
export const BATCH_DENIED_TTL_MS = 60 * 60_000;

/** Options of {@linkcode BatchDeniedMemory}. */
export interface BatchDeniedMemoryOptions {
  /** `--batch-get-secret-value`: false turns the batch action off for everyone. */
  enabled: boolean;
  /** Logs the first denial of each identity. */
  logger: Logger;
  /** Most identities remembered (default 1,024). */
  maxEntries?: number;
  /** Clock. */
  now?: () => number;
}

/** Which identities were denied the batch action, for an hour each. */
export class BatchDeniedMemory {
  #denied: ExpiringCache<boolean>;
  #options: BatchDeniedMemoryOptions;

  /** Creates an empty memory. */
  constructor(options: BatchDeniedMemoryOptions) {
    this.#options = options;
    this.#denied = new ExpiringCache<boolean>({
      expiresAt: (_value, now) => now + BATCH_DENIED_TTL_MS,
      maxEntries: options.maxEntries,
      now: options.now,
    });
  }

  /** The batch permission of `principal`. */
  permission(principal: string): BatchPermission {
    return {
      allowed: () => this.#options.enabled && this.#denied.peek(principal) !== true,
      denied: () => {
        if (this.#denied.peek(principal) !== true) {
          this.#options.logger.info(
            "BatchGetSecretValue denied; using GetSecretValue for this identity",
            { principal },
          );
        }
        this.#denied.set(principal, true);
      },
    };
  }
}
