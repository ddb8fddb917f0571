import { LeastLoadedSelector } from './LeastLoadedSelector.js';
import type { NodeSelector } from './NodeSelector.js';
import { RandomSelector } from './RandomSelector.js';
import { RegionAffinitySelector } from './RegionAffinitySelector.js';

/** Placement policies an operator can name (NODE_SELECTOR). */
export const selectorNames = ['region-least-loaded', 'least-loaded', 'random'] as const;
export type SelectorName = (typeof selectorNames)[number];

export function createSelector(name: SelectorName): NodeSelector {
  switch (name) {
    case 'region-least-loaded':
      return new RegionAffinitySelector(new LeastLoadedSelector());
    case 'least-loaded':
      return new LeastLoadedSelector();
    case 'random':
      return new RandomSelector();
  }
}
