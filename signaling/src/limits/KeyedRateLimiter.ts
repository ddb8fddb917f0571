import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import { RateLimiter } from './RateLimiter.js';
import type { RateBudget } from './RateLimiter.js';

/** Keys remembered at most; past that the oldest are forgotten (they are the least likely to be mid-burst). */
const DEFAULT_MAX_KEYS = 100_000;

/**
 * One token bucket per key (a client address, a participant). Buckets that have
 * refilled completely are dropped, so memory follows the keys active in the last
 * burst/perSecond seconds, never the number of addresses ever seen.
 */
export class KeyedRateLimiter {
  readonly #budget: RateBudget;
  readonly #what: string;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, RateLimiter>();
  #lastSweep = 0;

  /** `what` names the budget in the error message ("connection attempts from your address"). */
  constructor(budget: RateBudget, what: string, maxKeys = DEFAULT_MAX_KEYS) {
    this.#budget = budget;
    this.#what = what;
    this.#maxKeys = maxKeys;
  }

  /** Takes one token for `key`; false when its bucket is empty. */
  take(key: string, now: number = Date.now()): boolean {
    return this.#bucket(key, now).take(now);
  }

  /** Takes one token or throws RATE_LIMITED with the time to wait. */
  consume(key: string, now: number = Date.now()): void {
    const bucket = this.#bucket(key, now);
    if (!bucket.take(now)) throw this.#refusal(bucket, now);
  }

  /** Throws RATE_LIMITED if `key` has no token left, without taking one (a budget spent only on failures). */
  assertAvailable(key: string, now: number = Date.now()): void {
    const bucket = this.#buckets.get(key);
    if (bucket && !bucket.peek(now)) throw this.#refusal(bucket, now);
  }

  get size(): number {
    return this.#buckets.size;
  }

  #refusal(bucket: RateLimiter, now: number): ClassBridgeError {
    const retryAfterSeconds = Math.max(1, bucket.retryAfterSeconds(now));
    return new ClassBridgeError(ErrorCode.RateLimited, `too many ${this.#what}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }

  #bucket(key: string, now: number): RateLimiter {
    this.#sweep(now);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.#maxKeys) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
      bucket = new RateLimiter(this.#budget.burst, this.#budget.perSecond, now);
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Forgets full buckets, at most once a second. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < 1000) return;
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
  }
}
