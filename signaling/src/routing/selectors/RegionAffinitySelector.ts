import type { NodeInfo, PlacementRequest } from '@classbridge/sfu';
import type { NodeSelector } from './NodeSelector.js';

/**
 * A node in the requester's region if there is one (a county school's stream then crosses the
 * metro link once, to its county node, not once per receiver), chosen among those by `within`;
 * otherwise `within` over every candidate.
 */
export class RegionAffinitySelector implements NodeSelector {
  readonly #within: NodeSelector;

  constructor(within: NodeSelector) {
    this.#within = within;
  }

  select(candidates: readonly NodeInfo[], request: PlacementRequest): NodeInfo | null {
    const local = request.region ? candidates.filter((node) => node.region === request.region) : [];
    return this.#within.select(local.length > 0 ? local : candidates, request);
  }
}
