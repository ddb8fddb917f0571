import type { NodeInfo } from '@classbridge/sfu';

/** How long a placement is remembered at most (a node that stopped beating is dropped before then anyway). */
const FORGET_AFTER_MS = 10_000;

/**
 * Placements this signaling node made that the chosen SFU node's heartbeat does not show yet.
 * Heartbeats come once a second: without this, every lesson a district starts at 8:00 and every
 * classroom joining in the same second would go to the node that looked emptiest a moment ago.
 * Pure bookkeeping: `adjust` adds them to the nodes' load before a selector looks.
 */
export class RecentPlacements {
  readonly #placed = new Map<string, Array<{ atMs: number; room: boolean }>>();

  /** A lesson's room (room) or a participant was placed on `nodeId` at `atMs`. */
  record(nodeId: string, room: boolean, atMs: number): void {
    const list = this.#placed.get(nodeId) ?? [];
    list.push({ atMs, room });
    this.#placed.set(nodeId, list);
  }

  /** The nodes with the placements newer than their heartbeat added to their rooms and participants. */
  adjust(nodes: readonly NodeInfo[], nowMs: number): NodeInfo[] {
    return nodes.map((node) => {
      const list = (this.#placed.get(node.nodeId) ?? []).filter((placement) => placement.atMs >= node.heartbeatAtMs && nowMs - placement.atMs < FORGET_AFTER_MS);
      if (list.length === 0) {
        this.#placed.delete(node.nodeId);
        return node;
      }
      this.#placed.set(node.nodeId, list);
      const rooms = list.filter((placement) => placement.room).length;
      return { ...node, load: { ...node.load, rooms: node.load.rooms + rooms, participants: node.load.participants + list.length - rooms } };
    });
  }
}
