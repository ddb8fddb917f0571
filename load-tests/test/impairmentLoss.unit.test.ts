import { BernoulliLoss, GilbertElliottLoss, createLossModel, mulberry32 } from '../src/impairment/index.js';
import type { LossModel } from '../src/impairment/index.js';

const PACKETS = 100_000;

/** Loss rate and mean length of runs of consecutive losses over `packets` draws. */
function measure(model: LossModel, packets = PACKETS): { lossRate: number; meanBurst: number; bursts: number } {
  let lost = 0;
  let bursts = 0;
  let previous = false;
  for (let i = 0; i < packets; i++) {
    const drop = model.drop();
    if (drop) lost++;
    if (drop && !previous) bursts++;
    previous = drop;
  }
  return { lossRate: lost / packets, meanBurst: bursts ? lost / bursts : 0, bursts };
}

describe('BernoulliLoss', () => {
  it('loses the configured fraction, in isolated drops', () => {
    const { lossRate, meanBurst } = measure(new BernoulliLoss(0.05, mulberry32(1)));
    expect(lossRate).toBeGreaterThan(0.047);
    expect(lossRate).toBeLessThan(0.053);
    // Independent loss: runs are geometric with mean 1 / (1 − p) ≈ 1.05.
    expect(meanBurst).toBeLessThan(1.1);
  });

  it('loses nothing at 0 and everything at 1, and refuses non-probabilities', () => {
    expect(measure(new BernoulliLoss(0, mulberry32(1)), 1000).lossRate).toBe(0);
    expect(measure(new BernoulliLoss(1, mulberry32(1)), 1000).lossRate).toBe(1);
    expect(() => new BernoulliLoss(1.5, mulberry32(1))).toThrow(RangeError);
    expect(() => new BernoulliLoss(-0.1, mulberry32(1))).toThrow(RangeError);
    expect(() => new BernoulliLoss(Number.NaN, mulberry32(1))).toThrow(RangeError);
  });

  it('reproduces the same drops from the same seed', () => {
    const pattern = (seed: number) => {
      const model = new BernoulliLoss(0.3, mulberry32(seed));
      return Array.from({ length: 200 }, () => model.drop());
    };
    expect(pattern(9)).toEqual(pattern(9));
    expect(pattern(9)).not.toEqual(pattern(10));
  });
});

describe('GilbertElliottLoss', () => {
  it('matches a target mean loss and burst length over 100k packets', () => {
    const model = GilbertElliottLoss.fromMeanLoss(0.05, 3, mulberry32(2024));
    expect(model.meanLossRate).toBeCloseTo(0.05, 10);
    expect(model.meanBadRunLength).toBeCloseTo(3, 10);
    const { lossRate, meanBurst, bursts } = measure(model);
    expect(lossRate).toBeGreaterThan(0.045);
    expect(lossRate).toBeLessThan(0.055);
    expect(meanBurst).toBeGreaterThan(2.8);
    expect(meanBurst).toBeLessThan(3.2);
    expect(bursts).toBeGreaterThan(1000);
  });

  it('keeps long bursts long at a high loss rate', () => {
    const { lossRate, meanBurst } = measure(GilbertElliottLoss.fromMeanLoss(0.2, 10, mulberry32(5)));
    expect(lossRate).toBeGreaterThan(0.18);
    expect(lossRate).toBeLessThan(0.22);
    expect(meanBurst).toBeGreaterThan(9.3);
    expect(meanBurst).toBeLessThan(10.7);
  });

  it('loses the stationary mix of both states with partial loss in each', () => {
    const params = { pGoodToBad: 0.02, pBadToGood: 0.1, lossInGood: 0.01, lossInBad: 0.5 };
    const model = new GilbertElliottLoss(params, mulberry32(77));
    // P(bad) = 0.02 / 0.12 = 1/6, so loss = 5/6 · 0.01 + 1/6 · 0.5.
    const expected = (5 / 6) * 0.01 + (1 / 6) * 0.5;
    expect(model.meanLossRate).toBeCloseTo(expected, 10);
    const { lossRate } = measure(model);
    expect(Math.abs(lossRate - expected)).toBeLessThan(0.01);
  });

  it('is lossless with mean loss 0, and walks the chain deterministically', () => {
    expect(measure(GilbertElliottLoss.fromMeanLoss(0, 4, mulberry32(1)), 10_000).lossRate).toBe(0);
    const run = () => {
      const model = GilbertElliottLoss.fromMeanLoss(0.1, 5, mulberry32(3));
      return Array.from({ length: 500 }, () => model.drop());
    };
    expect(run()).toEqual(run());
  });

  it('refuses impossible or invalid parameters', () => {
    const rng = mulberry32(1);
    expect(() => GilbertElliottLoss.fromMeanLoss(0.9, 1, rng)).toThrow(/cannot come in bursts/);
    expect(() => GilbertElliottLoss.fromMeanLoss(1, 3, rng)).toThrow(RangeError);
    expect(() => GilbertElliottLoss.fromMeanLoss(0.1, 0.5, rng)).toThrow(RangeError);
    expect(() => new GilbertElliottLoss({ pGoodToBad: 0.1, pBadToGood: 0 }, rng)).toThrow(/never recovers/);
    expect(() => new GilbertElliottLoss({ pGoodToBad: 2, pBadToGood: 0.5 }, rng)).toThrow(RangeError);
  });
});

describe('createLossModel', () => {
  it('builds the model the conditions name', () => {
    const rng = mulberry32(1);
    expect(createLossModel({}, rng)).toBeNull();
    expect(createLossModel({ loss: 0.1 }, rng)).toBeInstanceOf(BernoulliLoss);
    expect(createLossModel({ burstLoss: { meanLoss: 0.1, meanBurstLength: 2 } }, rng)).toBeInstanceOf(GilbertElliottLoss);
    expect(createLossModel({ burstLoss: { pGoodToBad: 0.1, pBadToGood: 0.5 } }, rng)?.meanLossRate).toBeCloseTo(1 / 6, 10);
    expect(() => createLossModel({ loss: 0.1, burstLoss: { meanLoss: 0.1, meanBurstLength: 2 } }, rng)).toThrow(/not both/);
  });
});
