import type { NodeInfo, PlacementRequest } from '@classbridge/sfu';
import type { NodeSelector } from './NodeSelector.js';

/**
 * The node with the most room left: the larger of its participant share and its CPU share decides
 * (a node full of quiet observers and a node whose workers are busy are both loaded); ties go to
 * fewer rooms, then to the node id, so every signaling node picks the same one.
 */
export class LeastLoadedSelector implements NodeSelector {
  select(candidates: readonly NodeInfo[], _request: PlacementRequest): NodeInfo | null {
    let best: NodeInfo | null = null;
    for (const node of candidates) if (!best || compare(node, best) < 0) best = node;
    return best;
  }
}

export function loadOf(node: NodeInfo): number {
  return Math.max(node.load.participants / Math.max(1, node.maxParticipants), node.load.cpu);
}

function compare(a: NodeInfo, b: NodeInfo): number {
  return loadOf(a) - loadOf(b) || a.load.rooms - b.load.rooms || a.nodeId.localeCompare(b.nodeId);
}
