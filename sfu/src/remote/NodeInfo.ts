/** What the cluster knows about one SFU node (its heartbeat), and what placement looks at. */
export interface NodeInfo {
  nodeId: string;
  /** Where it runs: a county or the city (REGION of the node; a school's region in its record). */
  region: string;
  /** Unix ms of its latest heartbeat. */
  heartbeatAtMs: number;
  /** Draining nodes take no new lessons or participants (being taken out for maintenance). */
  draining: boolean;
  load: {
    /** Lessons whose media it hosts (its rooms). */
    rooms: number;
    /** Peers with transports on it. */
    participants: number;
    /** CPU busy share of its media workers, 0–1. */
    cpu: number;
  };
  /** Peers it takes at most (its configured capacity). */
  maxParticipants: number;
}

/** What a placement is for: the region of whoever joins (or of the lesson's main classroom). */
export interface PlacementRequest {
  region?: string | null;
}

/** A node counts as alive while its heartbeat is this fresh. */
export const HEARTBEAT_STALE_MS = 5_000;

/** The nodes that may take something new now: alive, not draining, with room to spare. */
export function availableNodes(nodes: readonly NodeInfo[], nowMs: number): NodeInfo[] {
  return nodes.filter((node) => nowMs - node.heartbeatAtMs < HEARTBEAT_STALE_MS && !node.draining && node.load.participants < node.maxParticipants);
}
