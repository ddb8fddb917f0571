import type { RedisClientType } from 'redis';
import { TypedEmitter } from '@classbridge/sfu';
import type { NodeRegistry } from '../routing/NodeRegistry.js';
import { signalingChannels } from './signalingRpc.js';

interface SignalingNodeWatchEvents extends Record<string, unknown> {
  /** A signaling node seen alive before is gone (its process died, or its heartbeat stopped). */
  gone: { nodeId: string };
}

/**
 * Which signaling nodes are alive: heartbeat fresh and listening on their request channel. A killed
 * process stops listening the moment its Redis connection drops (noticed within one check); one
 * cut off from Redis is noticed when its heartbeat runs out. Listener errors are contained.
 */
export class SignalingNodeWatch extends TypedEmitter<SignalingNodeWatchEvents> {
  readonly #registry: NodeRegistry;
  readonly #publisher: RedisClientType;
  readonly #selfId: string;
  readonly #settled: () => boolean;
  readonly #timer: NodeJS.Timeout;
  #alive = new Set<string>();
  #running: Promise<void> | null = null;

  constructor(options: { registry: NodeRegistry; publisher: RedisClientType; selfId: string; checkEveryMs?: number; /** False just after Redis came back: nobody is declared gone yet. */ settled?: () => boolean }) {
    super();
    this.#settled = options.settled ?? (() => true);
    this.#registry = options.registry;
    this.#publisher = options.publisher;
    this.#selfId = options.selfId;
    this.#timer = setInterval(() => void this.refresh(), options.checkEveryMs ?? 500);
    this.#timer.unref();
  }

  isAlive(nodeId: string): boolean {
    return nodeId === this.#selfId || this.#alive.has(nodeId);
  }

  aliveCount(): number {
    return new Set([...this.#alive, this.#selfId]).size;
  }

  refresh(): Promise<void> {
    this.#running ??= this.#check()
      .catch(() => undefined) // Redis unreachable: the view stays as it was until it answers again.
      .finally(() => (this.#running = null));
    return this.#running;
  }

  close(): void {
    clearInterval(this.#timer);
    this.removeAllListeners();
  }

  async #check(): Promise<void> {
    const listed = (await this.#registry.list()).map((node) => node.nodeId);
    const channels = listed.map((id) => signalingChannels(id).requests);
    const listening = channels.length === 0 ? {} : ((await this.#publisher.pubSubNumSub(channels)) as Record<string, number>);
    const alive = new Set(listed.filter((id, i) => (listening[channels[i]!] ?? 0) > 0));
    if (!this.#settled()) {
      // Only additions count until the cluster settled after Redis came back.
      for (const id of alive) this.#alive.add(id);
      return;
    }
    const gone = [...this.#alive].filter((id) => !alive.has(id));
    this.#alive = alive;
    for (const nodeId of gone) {
      try {
        this.emit('gone', { nodeId });
      } catch {
        // A listener's error is its own.
      }
    }
  }
}
