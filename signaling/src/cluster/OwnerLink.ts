import { randomUUID } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import { parseReply, signalingChannels, type ForwardedMessage, type ForwardedReply } from './signalingRpc.js';

/** A lesson's owner that does not answer within this long is taken for gone. */
const FORWARD_TIMEOUT_MS = 10_000;

type Request = Extract<ForwardedMessage, { kind: 'request' }>;

/**
 * This gateway's line to lessons' owners over Redis pub/sub: a forwarded request is published on
 * the owner's request channel and its answer comes back on this node's reply channel. Nobody
 * listening on the owner's channel means the owner is gone (MEDIA_UNAVAILABLE at once, no wait).
 */
export class OwnerLink {
  readonly #nodeId: string;
  readonly #publisher: RedisClientType;
  readonly #subscriber: RedisClientType;
  readonly #pending = new Map<string, { resolve: (reply: ForwardedReply) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  #closed = false;

  private constructor(nodeId: string, publisher: RedisClientType, subscriber: RedisClientType) {
    this.#nodeId = nodeId;
    this.#publisher = publisher;
    this.#subscriber = subscriber;
  }

  static async open(nodeId: string, publisher: RedisClientType, subscriber: RedisClientType): Promise<OwnerLink> {
    const link = new OwnerLink(nodeId, publisher, subscriber);
    await subscriber.subscribe(signalingChannels(nodeId).replies, (text) => link.#onReply(text));
    return link;
  }

  /** Sends a request to the owner and waits for its answer. */
  async call(ownerId: string, message: Omit<Request, 'id' | 'gatewayId'>): Promise<ForwardedReply> {
    if (this.#closed) throw new ClassBridgeError(ErrorCode.InvalidState, 'the server is shutting down');
    const id = randomUUID();
    const answer = new Promise<ForwardedReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ClassBridgeError(ErrorCode.Timeout, 'the server holding this lesson did not answer in time'));
      }, FORWARD_TIMEOUT_MS);
      this.#pending.set(id, { resolve, reject, timer });
    });
    const receivers = await this.#publisher.publish(signalingChannels(ownerId).requests, JSON.stringify({ ...message, id, gatewayId: this.#nodeId } satisfies Request)).catch(() => 0);
    if (receivers === 0) {
      this.#settle(id)?.reject(new ClassBridgeError(ErrorCode.Unavailable, 'the server holding this lesson is gone; reconnect'));
    }
    return answer;
  }

  /** Tells the owner a connection closed (best effort: an owner that is gone forgets it anyway). */
  notifyClosed(ownerId: string, connectionId: string, lessonId: string): void {
    const message: ForwardedMessage = { kind: 'close', gatewayId: this.#nodeId, connectionId, lessonId };
    void this.#publisher.publish(signalingChannels(ownerId).requests, JSON.stringify(message)).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(new ClassBridgeError(ErrorCode.InvalidState, 'the server is shutting down'));
    await this.#subscriber.unsubscribe(signalingChannels(this.#nodeId).replies).catch(() => undefined);
  }

  #onReply(text: string): void {
    const reply = parseReply(text);
    if (reply) this.#settle(reply.id)?.resolve(reply);
  }

  #settle(id: string) {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    return pending;
  }
}
