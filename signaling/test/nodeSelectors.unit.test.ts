import { availableNodes, HEARTBEAT_STALE_MS, type NodeInfo } from '@classbridge/sfu';
import { LeastLoadedSelector } from '../src/routing/selectors/LeastLoadedSelector.js';
import { RandomSelector } from '../src/routing/selectors/RandomSelector.js';
import { RegionAffinitySelector } from '../src/routing/selectors/RegionAffinitySelector.js';
import { createSelector } from '../src/routing/selectors/createSelector.js';
import { LocalNodeRegistry } from '../src/routing/LocalNodeRegistry.js';
import type { SfuControl } from '@classbridge/sfu';
import { FakeSfu } from './support/FakeSfu.js';

const NOW = 1_800_000_000_000;
const node = (nodeId: string, region: string, participants: number, extra: Partial<NodeInfo> = {}): NodeInfo => ({
  nodeId,
  region,
  heartbeatAtMs: NOW - 1_000,
  draining: false,
  load: { rooms: 1, participants, cpu: 0.1 },
  maxParticipants: 100,
  ...extra,
});

describe('availableNodes', () => {
  it('leaves out nodes that stopped beating, are draining or are full', () => {
    const nodes = [
      node('ok', 'city', 10),
      node('stale', 'city', 0, { heartbeatAtMs: NOW - HEARTBEAT_STALE_MS }),
      node('draining', 'city', 0, { draining: true }),
      node('full', 'city', 100),
    ];
    expect(availableNodes(nodes, NOW).map((n) => n.nodeId)).toEqual(['ok']);
  });
});

describe('node selectors', () => {
  it('least loaded: the larger of participant share and CPU decides, ties go to fewer rooms then the id', () => {
    const selector = new LeastLoadedSelector();
    expect(selector.select([node('a', 'city', 50), node('b', 'city', 20)], {})?.nodeId).toBe('b');
    // b has fewer participants but busy workers.
    expect(selector.select([node('a', 'city', 50), node('b', 'city', 20, { load: { rooms: 1, participants: 20, cpu: 0.9 } })], {})?.nodeId).toBe('a');
    expect(selector.select([node('b', 'city', 10, { load: { rooms: 3, participants: 10, cpu: 0.1 } }), node('c', 'city', 10)], {})?.nodeId).toBe('c');
    expect(selector.select([node('d', 'city', 10), node('c', 'city', 10)], {})?.nodeId).toBe('c');
    expect(selector.select([], {})).toBeNull();
  });

  it('region affinity: a node in the requester\'s county first, any node otherwise', () => {
    const selector = new RegionAffinitySelector(new LeastLoadedSelector());
    const nodes = [node('city-1', 'city', 5), node('county-1', 'qinghe', 60), node('county-2', 'qinghe', 40)];
    expect(selector.select(nodes, { region: 'qinghe' })?.nodeId).toBe('county-2');
    expect(selector.select(nodes, { region: 'elsewhere' })?.nodeId).toBe('city-1');
    expect(selector.select(nodes, {})?.nodeId).toBe('city-1');
  });

  it('random: every candidate, and only candidates', () => {
    let next = 0;
    const draws = [0, 0.5, 0.99];
    const selector = new RandomSelector(() => draws[next++ % draws.length]!);
    const nodes = [node('a', 'city', 1), node('b', 'city', 1), node('c', 'city', 1)];
    expect([0, 1, 2].map(() => selector.select(nodes, {})?.nodeId)).toEqual(['a', 'b', 'c']);
    expect(selector.select([], {})).toBeNull();
  });

  it('is chosen by name', () => {
    const nodes = [node('city-1', 'city', 5), node('county-1', 'qinghe', 60)];
    expect(createSelector('region-least-loaded').select(nodes, { region: 'qinghe' })?.nodeId).toBe('county-1');
    expect(createSelector('least-loaded').select(nodes, { region: 'qinghe' })?.nodeId).toBe('city-1');
    expect(nodes.map((n) => n.nodeId)).toContain(createSelector('random').select(nodes, {})?.nodeId);
  });
});

describe('LocalNodeRegistry', () => {
  it('lists the embedded server as its only node, with the SFU\'s load', async () => {
    const sfu = new FakeSfu();
    const [only, ...rest] = await new LocalNodeRegistry(sfu as unknown as SfuControl, { region: 'city' }).list();
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ nodeId: 'local', region: 'city', draining: false, load: { rooms: 1, participants: 0 } });
    expect(availableNodes([only!], Date.now())).toHaveLength(1);
  });
});
