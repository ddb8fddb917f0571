import { RateLimiter } from '../src/limits/RateLimiter.js';

describe('RateLimiter', () => {
  it('allows a burst, then refuses until tokens refill', () => {
    const limiter = new RateLimiter(3, 2, 0);
    expect([limiter.take(0), limiter.take(0), limiter.take(0), limiter.take(0)]).toEqual([true, true, true, false]);
    expect(limiter.take(400)).toBe(false); // 0.8 tokens
    expect(limiter.take(500)).toBe(true); // 1 token after 500 ms at 2/s
  });

  it('never stores more than the burst', () => {
    const limiter = new RateLimiter(2, 100, 0);
    const results = [0, 0, 0].map(() => limiter.take(60_000));
    expect(results).toEqual([true, true, false]);
  });
});
