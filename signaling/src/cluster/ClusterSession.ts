import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { AdmittedConnection, LessonSession } from '../routing/LessonSessions.js';
import type { ParsedRequest } from '../socket/parseRequest.js';

/** One connection: its target (here or an owner) is chosen by its first request and kept. */
export class ClusterSession implements LessonSession {
  readonly connection: AdmittedConnection;
  readonly #choose: (chosen: (where: string) => void) => Promise<LessonSession>;
  readonly #onClose: () => void;
  readonly #assertServedHere: () => void;
  #target: Promise<LessonSession> | null = null;
  #where: string | null = null;
  #current: LessonSession | null = null;
  #closed = false;

  constructor(connection: AdmittedConnection, choose: (chosen: (where: string) => void) => Promise<LessonSession>, onClose: () => void, assertServedHere: () => void) {
    this.connection = connection;
    this.#assertServedHere = assertServedHere;
    this.#choose = choose;
    this.#onClose = onClose;
  }

  get lessonId(): string {
    return this.connection.claims.lessonId;
  }

  /** Answered on this node (it serves the lesson). */
  get servedHere(): boolean {
    return this.#where === 'here';
  }

  /** The owner this connection is forwarded to, if any. */
  get ownerId(): string | null {
    return this.#where === null || this.#where === 'here' ? null : this.#where;
  }

  get closeAfterReply(): boolean {
    return this.#current?.closeAfterReply ?? false;
  }

  async handle(request: ParsedRequest): Promise<unknown> {
    if (!this.#target) {
      const target = this.#choose((where) => (this.#where = where));
      this.#target = target;
      // Not chosen (no owner reachable yet): the next request asks again.
      target.catch(() => {
        if (this.#target === target) this.#target = null;
      });
    }
    const target = await this.#target;
    this.#current = target;
    if (this.#closed) {
      // The connection went away while its target was being chosen: nothing to answer, nothing to leave behind.
      await target.close();
      throw new ClassBridgeError(ErrorCode.NotJoined, 'this connection has closed');
    }
    // Served here: only while this node holds the lesson (not while suspended, nor after losing it).
    if (this.#where === 'here') this.#assertServedHere();
    return target.handle(request);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    const target = await this.#target?.catch(() => null);
    await target?.close();
  }
}
