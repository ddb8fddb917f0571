import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { LessonSession, LessonSessions } from '../routing/LessonSessions.js';
import { parseRequest } from '../socket/parseRequest.js';
import { toErrorBody } from '../socket/SocketGateway.js';
import type { LessonOwnership } from './LessonOwnership.js';
import { parseForwarded, signalingChannels, type ForwardedMessage, type ForwardedReply } from './signalingRpc.js';

export interface LessonOwnerServerOptions {
  nodeId: string;
  publisher: RedisClientType;
  subscriber: RedisClientType;
  /** Answers the lessons this node serves (the same sessions its own connections get). */
  local: LessonSessions;
  ownership: LessonOwnership;
  logger: Logger;
}

interface HostedSession {
  session: LessonSession;
  gatewayId: string;
  lessonId: string;
}

/**
 * The owner's side of forwarding: answers requests that other signaling nodes' connections make
 * to lessons this node serves, with the same sessions a local connection gets. Messages that do
 * not parse are dropped; a request for a lesson this node no longer serves is refused and its
 * connection closed, so the client reconnects to the lesson's new owner. Sessions of a gateway
 * that died are closed (its participants left).
 */
export class LessonOwnerServer {
  readonly #nodeId: string;
  readonly #publisher: RedisClientType;
  readonly #subscriber: RedisClientType;
  readonly #local: LessonSessions;
  readonly #ownership: LessonOwnership;
  readonly #logger: Logger;
  readonly #hosted = new Map<string, HostedSession>();
  #closed = false;

  private constructor(options: LessonOwnerServerOptions) {
    this.#nodeId = options.nodeId;
    this.#publisher = options.publisher;
    this.#subscriber = options.subscriber;
    this.#local = options.local;
    this.#ownership = options.ownership;
    this.#logger = options.logger;
  }

  static async start(options: LessonOwnerServerOptions): Promise<LessonOwnerServer> {
    const server = new LessonOwnerServer(options);
    await options.subscriber.subscribe(signalingChannels(options.nodeId).requests, (text) => void server.#onMessage(text));
    return server;
  }

  /** Connections from other nodes to a lesson. */
  connectionsOf(lessonId: string): number {
    let count = 0;
    for (const hosted of this.#hosted.values()) if (hosted.lessonId === lessonId) count++;
    return count;
  }

  /** Gateways with connections here. */
  gateways(): string[] {
    return [...new Set([...this.#hosted.values()].map((hosted) => hosted.gatewayId))];
  }

  /** A gateway died: its connections leave their lessons. */
  gatewayGone(gatewayId: string): void {
    for (const [connectionId, hosted] of [...this.#hosted]) {
      if (hosted.gatewayId !== gatewayId) continue;
      this.#hosted.delete(connectionId);
      void hosted.session.close().catch(() => undefined);
    }
  }

  /** This node stopped serving a lesson: its forwarded sessions are forgotten (the lesson's state is gone with them). */
  forgetLesson(lessonId: string): void {
    for (const [connectionId, hosted] of [...this.#hosted]) if (hosted.lessonId === lessonId) this.#hosted.delete(connectionId);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#subscriber.unsubscribe(signalingChannels(this.#nodeId).requests).catch(() => undefined);
    const sessions = [...this.#hosted.values()];
    this.#hosted.clear();
    await Promise.all(sessions.map((hosted) => hosted.session.close().catch(() => undefined)));
  }

  async #onMessage(text: string): Promise<void> {
    const message = parseForwarded(text);
    if (!message || this.#closed) return;
    if (message.kind === 'close') {
      const hosted = this.#hosted.get(message.connectionId);
      if (hosted?.gatewayId !== message.gatewayId) return;
      this.#hosted.delete(message.connectionId);
      await hosted.session.close().catch((error: unknown) => this.#logger.warn({ err: String(error) }, 'leave of a forwarded connection failed'));
      return;
    }
    await this.#reply(message.gatewayId, await this.#answer(message));
  }

  async #answer(message: Extract<ForwardedMessage, { kind: 'request' }>): Promise<ForwardedReply> {
    const { connection, gatewayId } = message;
    const lessonId = connection.claims.lessonId;
    let hosted = this.#hosted.get(connection.connectionId);
    try {
      if (!this.#ownership.holds(lessonId) && !this.#ownership.isSuspended(lessonId)) this.#hosted.delete(connection.connectionId);
      this.#ownership.assertServing(lessonId);
      if (!hosted) {
        hosted = { session: this.#local.open({ ...connection, disconnect: () => undefined /* the gateway closes its own socket */ }), gatewayId, lessonId };
        this.#hosted.set(connection.connectionId, hosted);
      } else if (hosted.gatewayId !== gatewayId || hosted.lessonId !== lessonId) {
        throw new ClassBridgeError(ErrorCode.Forbidden, 'this connection belongs to another gateway');
      }
      const data = await hosted.session.handle(parseRequest(message.request));
      const closeAfterReply = hosted.session.closeAfterReply;
      if (closeAfterReply) this.#hosted.delete(connection.connectionId);
      return { id: message.id, ok: true, data, closeAfterReply };
    } catch (error) {
      return { id: message.id, ok: false, error: toErrorBody(error), closeAfterReply: !this.#hosted.has(connection.connectionId) };
    }
  }

  async #reply(gatewayId: string, reply: ForwardedReply): Promise<void> {
    await this.#publisher.publish(signalingChannels(gatewayId).replies, JSON.stringify(reply)).catch((error: unknown) => this.#logger.warn({ err: String(error) }, 'could not answer a forwarded request'));
  }
}
