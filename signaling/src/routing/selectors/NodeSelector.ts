import type { NodeInfo, PlacementRequest } from '@classbridge/sfu';

/**
 * Picks the SFU node for a lesson's room or a participant among those that may take it
 * (availableNodes). Small and interchangeable, so a district chooses its policy by configuration;
 * null when none will do.
 */
export interface NodeSelector {
  select(candidates: readonly NodeInfo[], request: PlacementRequest): NodeInfo | null;
}
