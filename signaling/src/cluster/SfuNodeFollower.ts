import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import { RemoteSfu, sfuChannels } from '@classbridge/sfu';
import type { ClusterSfu, SfuControl } from '@classbridge/sfu';
import type { NodeRegistry } from '../routing/NodeRegistry.js';

/**
 * Keeps ClusterSfu's nodes in step with the cluster: a node that beats in the registry and listens
 * on its request channel is added; one whose heartbeat ran out, or that stopped listening, is
 * removed (its lessons reset onto the nodes left). A killed process stops listening the moment
 * its Redis connection drops, so it is noticed within one check, long before its heartbeat
 * expires; a node cut off from Redis is noticed when its heartbeat does.
 */
export class SfuNodeFollower {
  readonly #sfu: ClusterSfu;
  readonly #registry: NodeRegistry;
  readonly #publisher: RedisClientType;
  readonly #subscriber: RedisClientType;
  readonly #logger: Logger;
  readonly #remotes = new Map<string, RemoteSfu>();
  readonly #settled: () => boolean;
  readonly #timer: NodeJS.Timeout;
  #running: Promise<void> | null = null;
  #failing = false;
  #closed = false;

  constructor(options: { sfu: ClusterSfu; registry: NodeRegistry; publisher: RedisClientType; subscriber: RedisClientType; logger: Logger; checkEveryMs?: number; /** False just after Redis came back: removals wait (nodes are still beating and resubscribing). */ settled?: () => boolean }) {
    this.#settled = options.settled ?? (() => true);
    this.#sfu = options.sfu;
    this.#registry = options.registry;
    this.#publisher = options.publisher;
    this.#subscriber = options.subscriber;
    this.#logger = options.logger;
    this.#timer = setInterval(() => void this.refresh(), options.checkEveryMs ?? 500);
    this.#timer.unref();
  }

  /** One check now (also the first, so nodes that already run are known before the server listens). */
  refresh(): Promise<void> {
    this.#running ??= this.#check()
      .then(
        () => {
          if (this.#failing) this.#logger.info('SFU node registry readable again');
          this.#failing = false;
        },
        (error: Error) => {
          // Once per outage, not every half second.
          if (!this.#failing) this.#logger.warn({ err: error.message }, 'could not read the SFU node registry');
          this.#failing = true;
        },
      )
      .finally(() => (this.#running = null));
    return this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running;
    await Promise.all([...this.#remotes.values()].map((remote) => remote.close().catch(() => undefined)));
    this.#remotes.clear();
  }

  async #check(): Promise<void> {
    if (this.#closed) return;
    const listed = await this.#registry.list();
    const ids = [...new Set([...listed.map((node) => node.nodeId), ...this.#sfu.nodeIds])];
    const channels = ids.map((nodeId) => sfuChannels('classbridge:', nodeId).requests);
    const listening = channels.length === 0 ? {} : ((await this.#publisher.pubSubNumSub(channels)) as Record<string, number>);
    const alive = new Set(ids.filter((nodeId, i) => listed.some((node) => node.nodeId === nodeId) && (listening[channels[i]!] ?? 0) > 0));
    for (const nodeId of this.#sfu.nodeIds) {
      if (alive.has(nodeId) || this.#closed || !this.#settled()) continue;
      this.#logger.warn({ nodeId }, 'SFU node lost; its lessons are reset onto the nodes left');
      await this.#sfu.removeNode(nodeId);
      await this.#remotes.get(nodeId)?.close().catch(() => undefined);
      this.#remotes.delete(nodeId);
    }
    for (const node of listed) {
      if (!alive.has(node.nodeId) || this.#sfu.nodeIds.includes(node.nodeId) || this.#closed) continue;
      const remote = await RemoteSfu.connect({ nodeId: node.nodeId, publisher: this.#publisher, subscriber: this.#subscriber });
      this.#remotes.set(node.nodeId, remote);
      this.#sfu.addNode(node.nodeId, remote as SfuControl);
      this.#logger.info({ nodeId: node.nodeId, region: node.region }, 'SFU node joined');
    }
  }
}
