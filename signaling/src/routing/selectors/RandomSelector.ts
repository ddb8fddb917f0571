import type { NodeInfo, PlacementRequest } from '@classbridge/sfu';
import type { NodeSelector } from './NodeSelector.js';

/** Any candidate, uniformly (spreads load without load reports; tests and small clusters). */
export class RandomSelector implements NodeSelector {
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  select(candidates: readonly NodeInfo[], _request: PlacementRequest): NodeInfo | null {
    if (candidates.length === 0) return null;
    return candidates[Math.min(candidates.length - 1, Math.floor(this.#random() * candidates.length))]!;
  }
}
