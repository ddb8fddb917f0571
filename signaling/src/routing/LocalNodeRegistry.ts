import type { NodeInfo, SfuControl } from '@classbridge/sfu';
import type { NodeRegistry } from './NodeRegistry.js';

/** The embedded server: the SFU in this process is the only node. */
export class LocalNodeRegistry implements NodeRegistry {
  readonly #sfu: SfuControl;
  readonly #node: { nodeId: string; region: string; maxParticipants: number };

  constructor(sfu: SfuControl, node: { nodeId?: string; region?: string; maxParticipants?: number } = {}) {
    this.#sfu = sfu;
    this.#node = { nodeId: node.nodeId ?? 'local', region: node.region ?? 'local', maxParticipants: node.maxParticipants ?? Number.MAX_SAFE_INTEGER };
  }

  async list(): Promise<NodeInfo[]> {
    const stats = await this.#sfu.stats();
    return [{ ...this.#node, heartbeatAtMs: Date.now(), draining: this.#sfu.closed, load: { rooms: stats.rooms, participants: stats.peers, cpu: 0 } }];
  }
}
