import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { AdmittedConnection, LessonSession } from '../routing/LessonSessions.js';
import type { ParsedRequest } from '../socket/parseRequest.js';
import type { OwnerLink } from './OwnerLink.js';

/** A connection whose lesson another signaling node serves: each request is answered there. */
export class ForwardedSession implements LessonSession {
  readonly ownerId: string;
  readonly connection: AdmittedConnection;
  readonly #link: OwnerLink;
  #closeAfterReply = false;
  #closed = false;

  constructor(ownerId: string, connection: AdmittedConnection, link: OwnerLink) {
    this.ownerId = ownerId;
    this.connection = connection;
    this.#link = link;
  }

  get closeAfterReply(): boolean {
    return this.#closeAfterReply;
  }

  async handle(request: ParsedRequest): Promise<unknown> {
    const { connectionId, claims, expiresAtMs } = this.connection;
    let reply;
    try {
      reply = await this.#link.call(this.ownerId, { kind: 'request', connection: { connectionId, claims, expiresAtMs }, request });
    } catch (error) {
      // The owner is gone or silent: this connection's lesson state went with it. Closed once this
      // answer is out; the client reconnects and joins afresh.
      setTimeout(() => this.connection.disconnect('owner-gone'), 0);
      throw error;
    }
    if (reply.closeAfterReply && !reply.ok) {
      // The owner let the lesson go: the same, to whoever serves it now.
      setTimeout(() => this.connection.disconnect('lease-lost'), 0);
    } else if (reply.closeAfterReply) this.#closeAfterReply = true;
    if (!reply.ok) throw new ClassBridgeError(reply.error.code, reply.error.message, reply.error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: reply.error.retryAfterSeconds });
    return reply.data;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.notifyClosed(this.ownerId, this.connection.connectionId, this.connection.claims.lessonId);
  }
}
