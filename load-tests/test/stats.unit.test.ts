import { percentile, summarize } from '../src/stats.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(100);
    expect(percentile(values, 10)).toBe(10);
    expect(percentile([5], 95)).toBe(5);
  });

  it('does not depend on input order and summarizes', () => {
    expect(summarize([3, 1, 2])).toEqual({ p50: 2, p95: 3, min: 1, max: 3, mean: 2 });
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });
});
