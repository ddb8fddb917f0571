/** A budget: `burst` at once, refilled at `perSecond`. */
export interface RateBudget {
  burst: number;
  perSecond: number;
}

/** A token bucket: `burst` messages at once, refilled at `perSecond`. */
export class RateLimiter {
  readonly #burst: number;
  readonly #perSecond: number;
  #tokens: number;
  #last: number;

  constructor(burst: number, perSecond: number, now: number = Date.now()) {
    this.#burst = burst;
    this.#perSecond = perSecond;
    this.#tokens = burst;
    this.#last = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number = Date.now()): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** True when a token is available, without taking it. */
  peek(now: number = Date.now()): boolean {
    this.#refill(now);
    return this.#tokens >= 1;
  }

  /** Whole seconds until a token is available (0 when one is). */
  retryAfterSeconds(now: number = Date.now()): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.#perSecond);
  }

  /** Back to a full bucket: nothing to remember about this key. */
  isFull(now: number = Date.now()): boolean {
    this.#refill(now);
    return this.#tokens >= this.#burst;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.#burst, this.#tokens + (Math.max(0, now - this.#last) / 1000) * this.#perSecond);
    this.#last = now;
  }
}
