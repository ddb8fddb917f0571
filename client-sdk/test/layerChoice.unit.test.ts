import { chooseSpatialLayer, topHeightFrom } from '../src/layerChoice.js';

describe('chooseSpatialLayer', () => {
  const base = { layers: 3, topHeight: 720, lossPct: 0 };

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
    expect(chooseSpatialLayer({ ...base, renderHeight: 1080, lossPct: 10 })).toBe(1);
    expect(chooseSpatialLayer({ ...base, renderHeight: 120, lossPct: 10 })).toBe(0);
    expect(chooseSpatialLayer({ ...base, renderHeight: 1080, lossPct: 5 })).toBe(2);
  });

  it('assumes a 720p sender until a frame says otherwise', () => {
    expect(topHeightFrom(180, 0, 3)).toBe(720);
    expect(topHeightFrom(360, 2, 3)).toBe(360);
    expect(chooseSpatialLayer({ ...base, topHeight: null, renderHeight: 300 })).toBe(1);
  });
});
