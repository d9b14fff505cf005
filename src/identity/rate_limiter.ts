/**
 * Client-side rate limiting of Kubernetes calls, like client-go's token bucket
 * (`--qps`, `--burst`).
 *
 * @module
 */

/** A call could not get a token before its deadline. */
export class RateLimitError extends Error {
  /** Creates the error with client-go's wording. */
  constructor() {
    super(
      "client rate limiter Wait returned an error: rate: Wait(n=1) would exceed context deadline",
    );
    this.name = "RateLimitError";
  }
}

/** Options of {@linkcode TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens per second; 0 means client-go's default 5, negative means unlimited. */
  qps: number;
  /** Bucket size; 0 means client-go's default 10. */
  burst: number;
  /** Clock. */
  now?: () => number;
}

/** A token bucket: `burst` tokens, refilled at `qps` per second. */
export class TokenBucket {
  #qps: number;
  #burst: number;
  #tokens: number;
  #last: number;
  #now: () => number;

  /** Creates a full bucket. */
  constructor(options: TokenBucketOptions) {
    this.#qps = options.qps === 0 ? 5 : options.qps;
    this.#burst = Math.max(1, options.burst === 0 ? 10 : options.burst);
    this.#tokens = this.#burst;
    this.#now = options.now ?? Date.now;
    this.#last = this.#now();
  }

  /**
   * Takes one token, waiting for it if needed.
   *
   * @throws {RateLimitError} at once when the token would come after `deadline`
   *   (epoch ms), or when `signal` aborts the wait.
   */
  async wait(options: { deadline?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.#qps < 0) return;
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return;
    }
    const delay = ((1 - this.#tokens) / this.#qps) * 1000;
    if (options.deadline !== undefined && now + delay > options.deadline) {
      throw new RateLimitError();
    }
    this.#tokens -= 1; // reserve the token, as golang.org/x/time/rate does
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        options.signal?.removeEventListener("abort", onAbort);
        resolve();
      }, delay);
      const onAbort = () => {
        clearTimeout(timer);
        this.#tokens += 1;
        reject(new RateLimitError());
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
