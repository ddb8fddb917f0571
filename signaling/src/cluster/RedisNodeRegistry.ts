import type { RedisClientType } from 'redis';
import type { NodeInfo } from '@classbridge/sfu';
import { nodeKeys } from '@classbridge/sfu';
import type { NodeRegistry } from '../routing/NodeRegistry.js';

/**
 * The cluster's SFU nodes from their heartbeats in Redis (NodeHeartbeat writes them): an entry
 * expires unless its node renews it, so a dead node drops out by itself; its id is then pruned
 * from the member set. Entries that do not parse are skipped, never trusted.
 */
export class RedisNodeRegistry implements NodeRegistry {
  readonly #redis: RedisClientType;
  readonly #keys: ReturnType<typeof nodeKeys>;

  constructor(redis: RedisClientType, { prefix = 'classbridge:' }: { prefix?: string } = {}) {
    this.#redis = redis;
    this.#keys = nodeKeys(prefix);
  }

  async list(): Promise<NodeInfo[]> {
    const ids = (await this.#redis.sMembers(this.#keys.members)).sort();
    if (ids.length === 0) return [];
    const entries = await this.#redis.mGet(ids.map((id) => this.#keys.entry(id)));
    const nodes: NodeInfo[] = [];
    const gone: string[] = [];
    entries.forEach((text, i) => {
      if (text == null) gone.push(ids[i]!);
      else {
        const node = parseNode(text);
        if (node && node.nodeId === ids[i]) nodes.push(node);
      }
    });
    if (gone.length > 0) await this.#redis.sRem(this.#keys.members, gone).catch(() => undefined);
    return nodes;
  }
}

function parseNode(text: string): NodeInfo | null {
  try {
    const value = JSON.parse(text) as NodeInfo;
    const numbers = [value.heartbeatAtMs, value.maxParticipants, value.load?.rooms, value.load?.participants, value.load?.cpu];
    if (typeof value.nodeId !== 'string' || typeof value.region !== 'string' || typeof value.draining !== 'boolean' || !numbers.every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
    return value;
  } catch {
    return null;
  }
}
