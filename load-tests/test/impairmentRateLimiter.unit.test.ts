import { RateLimiter, defaultQueueBytes } from '../src/impairment/index.js';

describe('RateLimiter', () => {
  it('delivers exactly the cap under a 2× overload, dropping the excess at the tail', () => {
    // 800 kbit/s = 100 bytes/ms; offer 1000-byte packets every 5 ms = 200 bytes/ms for 10 s.
    const limiter = new RateLimiter({ rateKbps: 800, queueBytes: 20_000 });
    let delivered = 0;
    let dropped = 0;
    let lastDeparture = 0;
    for (let t = 0; t < 10_000; t += 5) {
      const verdict = limiter.offer(t, 1000);
      if (verdict.dropped) dropped++;
      else {
        delivered += 1000;
        lastDeparture = verdict.departAtMs;
      }
    }
    const throughputBytesPerMs = delivered / lastDeparture;
    expect(throughputBytesPerMs).toBeGreaterThan(99);
    expect(throughputBytesPerMs).toBeLessThanOrEqual(100.0001);
    expect(dropped / 2000).toBeGreaterThan(0.48);
    expect(dropped / 2000).toBeLessThan(0.5);
  });

  it('grows the queueing delay with the backlog, up to queue size / rate', () => {
    const limiter = new RateLimiter({ rateKbps: 800, queueBytes: 20_000 });
    const delays: number[] = [];
    for (let t = 0; t < 2000; t += 5) {
      const verdict = limiter.offer(t, 1000);
      if (!verdict.dropped) delays.push(verdict.queueDelayMs);
    }
    expect(delays[0]).toBeCloseTo(10, 9); // its own serialisation: 1000 bytes at 100 bytes/ms
    expect(delays[10]!).toBeGreaterThan(delays[1]!);
    for (let i = 1; i < 20; i++) expect(delays[i]!).toBeGreaterThan(delays[i - 1]!);
    // Full queue: 20 000 bytes at 100 bytes/ms.
    expect(Math.max(...delays)).toBeLessThanOrEqual(200 + 1e-6);
    expect(delays.at(-1)!).toBeGreaterThan(190);
  });

  it('drops the packets of a burst that do not fit the queue', () => {
    const limiter = new RateLimiter({ rateKbps: 800, queueBytes: 5000 });
    const verdicts = Array.from({ length: 8 }, () => limiter.offer(0, 1000));
    expect(verdicts.map((v) => v.dropped)).toEqual([false, false, false, false, false, true, true, true]);
    expect(limiter.backlogBytes(0)).toBeCloseTo(5000, 6);
    // Two packets' worth drained after 20 ms: room for two more.
    expect(limiter.offer(20, 1000).dropped).toBe(false);
    expect(limiter.offer(20, 1000).dropped).toBe(false);
    expect(limiter.offer(20, 1000).dropped).toBe(true);
  });

  it('adds only serialisation time below the cap, and spaces departures by it', () => {
    const limiter = new RateLimiter({ rateKbps: 1000 }); // 125 bytes/ms
    const departures: number[] = [];
    for (let t = 0; t < 1000; t += 20) {
      const verdict = limiter.offer(t, 500);
      expect(verdict.dropped).toBe(false);
      if (!verdict.dropped) {
        expect(verdict.queueDelayMs).toBeCloseTo(4, 9);
        departures.push(verdict.departAtMs);
      }
    }
    expect(departures[1]! - departures[0]!).toBeCloseTo(20, 9);
    expect(limiter.backlogBytes(2000)).toBe(0);
  });

  it('counts link-layer overhead against the cap', () => {
    const limiter = new RateLimiter({ rateKbps: 800, overheadBytes: 28 });
    const verdict = limiter.offer(0, 72);
    expect(verdict.dropped ? NaN : verdict.queueDelayMs).toBeCloseTo(1, 9);
  });

  it('takes over the backlog of the limiter it replaces', () => {
    const old = new RateLimiter({ rateKbps: 800, queueBytes: 10_000 });
    for (let i = 0; i < 5; i++) old.offer(0, 1000); // 50 ms of backlog
    const replacement = new RateLimiter({ rateKbps: 1600, queueBytes: 10_000 });
    replacement.continueFrom(old, 10); // 4000 bytes left, at the new rate 20 ms
    const verdict = replacement.offer(10, 200);
    expect(verdict.dropped ? NaN : verdict.departAtMs).toBeCloseTo(10 + 20 + 1, 9);
  });

  it('defaults the queue to 250 ms of the rate, and refuses a zero rate', () => {
    expect(defaultQueueBytes(800)).toBe(25_000);
    expect(defaultQueueBytes(8)).toBe(3000);
    expect(new RateLimiter({ rateKbps: 800 }).queueBytes).toBe(25_000);
    expect(() => new RateLimiter({ rateKbps: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ rateKbps: 100, queueBytes: 0 })).toThrow(RangeError);
  });
});
