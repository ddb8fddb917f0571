import { deriveSeed, mulberry32 } from '../src/impairment/index.js';

describe('mulberry32', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
  });

  it('draws uniformly from [0, 1)', () => {
    const rng = mulberry32(7);
    const bins = new Array(10).fill(0);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng();
      if (!(x >= 0 && x < 1)) outside++;
      sum += x;
      bins[Math.floor(x * 10)]++;
    }
    expect(outside).toBe(0);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
    for (const count of bins) expect(Math.abs(count - 10_000)).toBeLessThan(400);
  });

  it('derives distinct seeds per label and seed', () => {
    expect(deriveSeed(1, 'loss')).toBe(deriveSeed(1, 'loss'));
    expect(deriveSeed(1, 'loss')).not.toBe(deriveSeed(1, 'jitter'));
    expect(deriveSeed(1, 'loss')).not.toBe(deriveSeed(2, 'loss'));
  });
});
