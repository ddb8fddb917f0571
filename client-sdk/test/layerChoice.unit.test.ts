import { CLEAR_LINK, chooseSpatialLayer, nextLossState, topHeightFrom } from '../src/layerChoice.js';
import type { LossState } from '../src/layerChoice.js';

describe('chooseSpatialLayer', () => {
  const base = { layers: 3, topHeight: 720, lossy: false };

  it('gives a thumbnail the smallest layer and a full-screen tile the top one', () => {
    expect(chooseSpatialLayer({ ...base, renderHeight: 120 })).toBe(0); // 180p is enough
    expect(chooseSpatialLayer({ ...base, renderHeight: 225 })).toBe(0);
    expect(chooseSpatialLayer({ ...base, renderHeight: 300 })).toBe(1); // 360p
    expect(chooseSpatialLayer({ ...base, renderHeight: 450 })).toBe(1);
    expect(chooseSpatialLayer({ ...base, renderHeight: 600 })).toBe(2);
    expect(chooseSpatialLayer({ ...base, renderHeight: 1080 })).toBe(2);
  });

  it('never asks for a layer the sender does not send; no render size means no cap', () => {
    expect(chooseSpatialLayer({ ...base, layers: 2, topHeight: 360, renderHeight: 1080 })).toBe(1);
    expect(chooseSpatialLayer({ ...base, layers: 1, topHeight: 240, renderHeight: 1080 })).toBe(0);
    expect(chooseSpatialLayer({ ...base, renderHeight: null })).toBe(2);
  });

  it('steps down one layer on a lossy link, never below the smallest', () => {
    expect(chooseSpatialLayer({ ...base, renderHeight: 1080, lossy: true })).toBe(1);
    expect(chooseSpatialLayer({ ...base, renderHeight: 120, lossy: true })).toBe(0);
    expect(chooseSpatialLayer({ ...base, renderHeight: 1080, lossy: false })).toBe(2);
  });

  it('assumes a 720p sender until a frame says otherwise', () => {
    expect(topHeightFrom(180, 0, 3)).toBe(720);
    expect(topHeightFrom(360, 2, 3)).toBe(360);
    expect(chooseSpatialLayer({ ...base, topHeight: null, renderHeight: 300 })).toBe(1);
  });
});

describe('nextLossState (when the link counts as lossy)', () => {
  const run = (samples: number[], from: LossState = CLEAR_LINK) => samples.map((loss) => (from = nextLossState(from, loss)).lossy);

  it('turns lossy after two samples in a row at 8 % or more, or one at 15 %', () => {
    expect(run([9, 9])).toEqual([false, true]);
    expect(run([16])).toEqual([true]);
  });

  it('does not flap on random loss of 5–6 % that crosses 8 % in a single sample now and then', () => {
    expect(run([5, 9, 6, 5, 8.5, 4, 6, 9, 5])).toEqual([false, false, false, false, false, false, false, false, false]);
  });

  it('comes back only after five samples in a row under 3 %', () => {
    const lossy = nextLossState(CLEAR_LINK, 20);
    expect(run([1, 1, 1, 1, 1], lossy)).toEqual([true, true, true, true, false]);
    // A sample at 5 % restarts the count: still lossy after four more clean ones.
    expect(run([1, 1, 5, 1, 1, 1, 1], lossy)).toEqual([true, true, true, true, true, true, true]);
  });
});
