import { randomUUID } from 'node:crypto';
import { subscribeRoom, type RoomEvent } from '../roomEvents.js';
import type { RedisClientType } from 'redis';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';

import { TypedEmitter } from '../TypedEmitter.js';
import type { SfuControl, SfuEvents } from '../SfuControl.js';
import { SFU_RPC_METHODS, sfuChannels, type SfuRpcMethod, type SfuRpcReply } from './sfuRpc.js';

/** How long a call waits for the node before it fails with MEDIA_UNAVAILABLE. */
const CALL_TIMEOUT_MS = 10_000;

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

/**
 * An SFU node in another process, controlled over Redis: every SfuControl call is published on the
 * node's request channel and answered on this handle's own reply channel; the node's events arrive
 * on its event channel and are emitted here as SfuEvents. A node that does not answer in time makes
 * the call fail with MEDIA_UNAVAILABLE; its errors come back with their codes. close() detaches
 * this handle; the node runs on.
 */
export class RemoteSfu extends TypedEmitter<SfuEvents> {
  readonly nodeId: string;
  readonly #publisher: RedisClientType;
  readonly #subscriber: RedisClientType;
  readonly #channels: ReturnType<typeof sfuChannels>;
  readonly #replyTo: string;
  readonly #pending = new Map<string, Pending>();
  #closed = false;

  private constructor(nodeId: string, publisher: RedisClientType, subscriber: RedisClientType, prefix: string) {
    super();
    this.nodeId = nodeId;
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channels = sfuChannels(prefix, nodeId);
    this.#replyTo = `${prefix}sfu-replies:${randomUUID()}`;
  }

  /** `subscriber` is put in subscriber mode: give it a connection of its own. */
  static async connect(options: { nodeId: string; publisher: RedisClientType; subscriber: RedisClientType; prefix?: string }): Promise<RemoteSfu & SfuControl> {
    const remote = new RemoteSfu(options.nodeId, options.publisher, options.subscriber, options.prefix ?? 'classbridge:');
    await remote.#listen();
    return remote as RemoteSfu & SfuControl;
  }

  onRoom(roomId: string, listener: (event: RoomEvent) => void): () => void {
    return subscribeRoom(this, roomId, listener);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new ClassBridgeError(ErrorCode.MediaUnavailable, 'the SFU handle was closed'));
    }
    this.#pending.clear();
    await this.#subscriber.unsubscribe([this.#replyTo, this.#channels.events]).catch(() => undefined);
  }

  async #listen(): Promise<void> {
    await this.#subscriber.subscribe(this.#replyTo, (message) => this.#onReply(message));
    await this.#subscriber.subscribe(this.#channels.events, (message) => this.#onEvent(message));
  }

  #call(method: SfuRpcMethod, args: unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ClassBridgeError(ErrorCode.MediaUnavailable, 'the SFU handle is closed'));
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ClassBridgeError(ErrorCode.MediaUnavailable, `SFU node ${this.nodeId} did not answer ${method} within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.#pending.set(id, { resolve, reject, timer });
      this.#publisher.publish(this.#channels.requests, JSON.stringify({ id, method, args, replyTo: this.#replyTo })).then(
        (receivers) => {
          // Nobody listens on the node's channel: it is down, no need to wait for the timeout.
          if (receivers === 0) this.#settle(id, { id, ok: false, error: { code: ErrorCode.MediaUnavailable, message: `SFU node ${this.nodeId} is not running` } });
        },
        (error: Error) => this.#settle(id, { id, ok: false, error: { code: ErrorCode.MediaUnavailable, message: `Redis: ${error.message}` } }),
      );
    });
  }

  #onReply(message: string): void {
    let reply: SfuRpcReply;
    try {
      reply = JSON.parse(message) as SfuRpcReply;
    } catch {
      return;
    }
    if (typeof reply?.id === 'string') this.#settle(reply.id, reply);
  }

  #settle(id: string, reply: SfuRpcReply): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply.result === null ? undefined : reply.result);
    else pending.reject(new ClassBridgeError((reply.error?.code ?? ErrorCode.MediaUnavailable) as ErrorCode, reply.error?.message ?? 'SFU node error'));
  }

  #onEvent(message: string): void {
    let parsed: { event?: unknown; payload?: unknown };
    try {
      parsed = JSON.parse(message) as { event?: unknown; payload?: unknown };
    } catch {
      return;
    }
    if (typeof parsed.event !== 'string') return;
    try {
      this.emit(parsed.event as keyof SfuEvents & string, parsed.payload as never);
    } catch {
      // A listener's error is its own.
    }
  }

  static {
    // One forwarding method per SfuControl call, so the handle has the SFU's whole surface.
    for (const method of SFU_RPC_METHODS) {
      Object.defineProperty(RemoteSfu.prototype, method, {
        value(this: RemoteSfu, ...args: unknown[]) {
          return this.#call(method, args);
        },
        writable: true,
        configurable: true,
      });
    }
  }
}
