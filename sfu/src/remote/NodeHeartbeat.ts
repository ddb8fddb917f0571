import type { RedisClientType } from 'redis';
import { HEARTBEAT_STALE_MS, type NodeInfo } from './NodeInfo.js';

/** Redis keys of the node registry under a prefix. */
export const nodeKeys = (prefix: string) => ({
  /** Ids of every node that ever beat (pruned by readers when their entry expired). */
  members: `${prefix}nodes`,
  entry: (nodeId: string) => `${prefix}node:${nodeId}`,
});

/**
 * An SFU node's heartbeat: every `everyMs` its NodeInfo (region, load, capacity) is written to
 * Redis under a key that expires after HEARTBEAT_STALE_MS, so a node that dies or loses Redis
 * drops out of the registry by itself. close() removes it at once (a clean shutdown).
 */
export class NodeHeartbeat {
  readonly #redis: RedisClientType;
  readonly #info: () => Promise<Omit<NodeInfo, 'heartbeatAtMs'>>;
  readonly #keys: ReturnType<typeof nodeKeys>;
  readonly #timer: NodeJS.Timeout;
  #nodeId: string | null = null;
  #closed = false;

  constructor(redis: RedisClientType, info: () => Promise<Omit<NodeInfo, 'heartbeatAtMs'>>, { everyMs = 1_000, prefix = 'classbridge:' } = {}) {
    this.#redis = redis;
    this.#info = info;
    this.#keys = nodeKeys(prefix);
    this.#timer = setInterval(() => void this.beat(), everyMs);
    this.#timer.unref();
  }

  /** One heartbeat now (also the first one, so the node is listed as soon as it starts). */
  async beat(): Promise<void> {
    if (this.#closed) return;
    try {
      const info: NodeInfo = { ...(await this.#info()), heartbeatAtMs: Date.now() };
      this.#nodeId = info.nodeId;
      await this.#redis.multi().sAdd(this.#keys.members, info.nodeId).set(this.#keys.entry(info.nodeId), JSON.stringify(info), { PX: HEARTBEAT_STALE_MS }).exec();
    } catch {
      // Redis unreachable: the entry expires and the cluster stops sending work here, as it should.
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#nodeId) await this.#redis.del(this.#keys.entry(this.#nodeId)).catch(() => undefined);
  }
}
