import type { NodeInfo } from '@classbridge/sfu';
import { RecentPlacements } from '../src/routing/RecentPlacements.js';
import { createSelector } from '../src/routing/selectors/createSelector.js';

const node = (nodeId: string, heartbeatAtMs: number, rooms = 0, participants = 0): NodeInfo => ({
  nodeId,
  region: 'county',
  heartbeatAtMs,
  draining: false,
  load: { rooms, participants, cpu: 0 },
  maxParticipants: 500,
});

describe('RecentPlacements', () => {
  it('spreads lessons started in the same second over the nodes, though their heartbeats are a second old', () => {
    const recent = new RecentPlacements();
    const selector = createSelector('region-least-loaded');
    const nodes = [node('a', 1_000), node('b', 1_000)];
    const chosen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const pick = selector.select(recent.adjust(nodes, 1_500 + i), { region: 'county' })!;
      recent.record(pick.nodeId, true, 1_500 + i);
      chosen.push(pick.nodeId);
    }
    expect(chosen).toEqual(['a', 'b', 'a', 'b']);
    // Without it, the stale heartbeats send every lesson to the same node.
    expect(new Set([0, 1, 2, 3].map(() => selector.select(nodes, { region: 'county' })!.nodeId)).size).toBe(1);
  });

  it('counts participants apart from rooms, and forgets what a newer heartbeat already shows', () => {
    const recent = new RecentPlacements();
    recent.record('a', false, 2_000);
    recent.record('a', false, 2_100);
    recent.record('a', true, 2_200);
    expect(recent.adjust([node('a', 1_000, 1, 5)], 2_300)[0]!.load).toEqual({ rooms: 2, participants: 7, cpu: 0 });
    // The heartbeat of 2 150 ms includes the first two.
    expect(recent.adjust([node('a', 2_150, 2, 7)], 2_300)[0]!.load).toEqual({ rooms: 3, participants: 7, cpu: 0 });
    // Nothing is remembered for long.
    expect(recent.adjust([node('a', 0, 0, 0)], 60_000)[0]!.load).toEqual({ rooms: 0, participants: 0, cpu: 0 });
  });
});
