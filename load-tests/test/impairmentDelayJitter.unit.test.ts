import { DelayJitter, NORMAL_JITTER_TRUNCATION, mulberry32 } from '../src/impairment/index.js';

function samples(model: DelayJitter, count = 50_000): number[] {
  return Array.from({ length: count }, () => model.sampleDelayMs());
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
};

describe('DelayJitter', () => {
  it('adds exactly the base delay without jitter', () => {
    const model = new DelayJitter({ delayMs: 80 }, mulberry32(1));
    expect(model.releaseAt(1000)).toBe(1080);
    expect(model.releaseAt(1000.5)).toBe(1080.5);
    expect(new DelayJitter({}, mulberry32(1)).releaseAt(5)).toBe(5);
  });

  it('spreads uniformly over delay ± jitter', () => {
    const xs = samples(new DelayJitter({ delayMs: 100, jitterMs: 30 }, mulberry32(11)));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(70);
    expect(Math.max(...xs)).toBeLessThanOrEqual(130);
    expect(Math.min(...xs)).toBeLessThan(70.5);
    expect(Math.max(...xs)).toBeGreaterThan(129.5);
    expect(mean(xs)).toBeCloseTo(100, 0);
    // A uniform on ±30 has standard deviation 30 / √3.
    expect(sd(xs)).toBeCloseTo(30 / Math.sqrt(3), 0);
  });

  it('draws a normal spread truncated at ±3 jitter', () => {
    const xs = samples(new DelayJitter({ delayMs: 100, jitterMs: 10, distribution: 'normal' }, mulberry32(12)));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(100 - NORMAL_JITTER_TRUNCATION * 10);
    expect(Math.max(...xs)).toBeLessThanOrEqual(100 + NORMAL_JITTER_TRUNCATION * 10);
    expect(mean(xs)).toBeCloseTo(100, 0);
    expect(sd(xs)).toBeGreaterThan(9.6);
    expect(sd(xs)).toBeLessThan(10.2);
    const withinOneSd = xs.filter((x) => Math.abs(x - 100) <= 10).length / xs.length;
    expect(withinOneSd).toBeGreaterThan(0.66);
    expect(withinOneSd).toBeLessThan(0.70);
  });

  it('never gives a negative delay when jitter exceeds the delay', () => {
    const xs = samples(new DelayJitter({ delayMs: 5, jitterMs: 20 }, mulberry32(13)));
    expect(Math.min(...xs)).toBe(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(25);
  });

  it('keeps packet order by default, holding a packet behind the one before', () => {
    const model = new DelayJitter({ delayMs: 50, jitterMs: 20 }, mulberry32(14));
    const releases = Array.from({ length: 2000 }, (_, t) => model.releaseAt(t));
    expect(releases.filter((at, t) => t > 0 && at < releases[t - 1]!)).toEqual([]);
    const extra = releases.map((at, t) => at - t);
    expect(Math.min(...extra)).toBeGreaterThanOrEqual(30);
    // Held back at most until the latest release so far, itself ≤ 70 ms after its own send.
    expect(Math.max(...extra)).toBeLessThanOrEqual(70);
  });

  it('reorders when asked to, if jitter exceeds the packet spacing', () => {
    const model = new DelayJitter({ delayMs: 50, jitterMs: 20, keepOrder: false }, mulberry32(15));
    let reordered = 0;
    let last = -Infinity;
    for (let t = 0; t < 2000; t++) {
      const at = model.releaseAt(t);
      if (at < last) reordered++;
      last = Math.max(last, at);
    }
    expect(reordered).toBeGreaterThan(200);
  });

  it('carries the order floor over to a replacement', () => {
    const rng = mulberry32(16);
    const before = new DelayJitter({ delayMs: 200 }, rng);
    expect(before.releaseAt(0)).toBe(200);
    const after = new DelayJitter({ delayMs: 10 }, rng);
    after.continueFrom(before);
    expect(after.releaseAt(1)).toBe(200);
    expect(after.releaseAt(500)).toBe(510);
  });

  it('refuses negative or non-finite delays', () => {
    expect(() => new DelayJitter({ delayMs: -1 }, mulberry32(1))).toThrow(RangeError);
    expect(() => new DelayJitter({ jitterMs: -1 }, mulberry32(1))).toThrow(RangeError);
    expect(() => new DelayJitter({ delayMs: Infinity }, mulberry32(1))).toThrow(RangeError);
  });
});
