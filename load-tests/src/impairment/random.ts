/**
 * A source of uniform numbers in [0, 1). The impairment models take one instead of
 * calling Math.random, so a seed reproduces a run packet for packet.
 */
export type Rng = () => number;

/**
 * mulberry32: a tiny 32-bit seeded PRNG. Not cryptographic; fast, with a period of
 * 2^32 and good enough statistics for loss and jitter draws.
 */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed for an independent stream derived from a base seed and a label, so that
 * e.g. the loss draws of a link do not shift when its jitter is switched on.
 */
export function deriveSeed(seed: number, label: string): number {
  // FNV-1a over the label, mixed with the seed.
  let hash = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
