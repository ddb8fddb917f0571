import type { Logger } from 'pino';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { AdmittedConnection, LessonSession, LessonSessions } from '../routing/LessonSessions.js';
import { ClusterSession } from './ClusterSession.js';
import { ForwardedSession } from './ForwardedSession.js';
import { orUnavailable } from './orUnavailable.js';
import type { LessonOwnership } from './LessonOwnership.js';
import type { OwnerLink } from './OwnerLink.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Connections in a cluster: each is answered by its lesson's owner — here (a local session) if
 * this node serves the lesson or takes it now, else forwarded to the node that does. The choice is
 * made at the connection's first request and kept: if the owner dies or lets go, the connection
 * is closed and the client reconnects and joins wherever the lesson is served then.
 */
export class ClusterLessonSessions implements LessonSessions {
  readonly #local: LessonSessions;
  readonly #ownership: LessonOwnership;
  readonly #link: OwnerLink;
  readonly #isAlive: (nodeId: string) => boolean;
  readonly #logger: Logger;
  readonly #sessions = new Set<ClusterSession>();

  constructor(options: { local: LessonSessions; ownership: LessonOwnership; link: OwnerLink; isAlive: (nodeId: string) => boolean; logger: Logger }) {
    this.#local = options.local;
    this.#ownership = options.ownership;
    this.#link = options.link;
    this.#isAlive = options.isAlive;
    this.#logger = options.logger;
  }

  open(connection: AdmittedConnection): LessonSession {
    const session = new ClusterSession(
      connection,
      (chosen) => orUnavailable(this.#choose(connection, chosen)),
      () => this.#sessions.delete(session),
      () => this.#ownership.assertServing(connection.claims.lessonId),
    );
    this.#sessions.add(session);
    return session;
  }

  /** Connections of this node answered here for a lesson (they keep its lease). */
  localConnectionsOf(lessonId: string): number {
    let count = 0;
    for (const session of this.#sessions) if (session.servedHere && session.lessonId === lessonId) count++;
    return count;
  }

  /** Connections forwarded to each owner. */
  forwardedOwners(): string[] {
    return [...new Set([...this.#sessions].flatMap((session) => (session.ownerId ? [session.ownerId] : [])))];
  }

  /** An owner died: connections forwarded to it are closed, so their clients reconnect to the lesson's next owner. */
  ownerGone(ownerId: string): void {
    for (const session of this.#sessions) {
      if (session.ownerId !== ownerId) continue;
      this.#logger.info({ ownerId, lessonId: session.lessonId }, 'lesson owner gone; closing its forwarded connection');
      session.connection.disconnect('owner-gone');
    }
  }

  /** This node stopped serving a lesson: its connections here are closed (their clients reconnect). */
  lessonLost(lessonId: string): void {
    for (const session of this.#sessions) if (session.servedHere && session.lessonId === lessonId) session.connection.disconnect('lease-lost');
  }

  async close(): Promise<void> {
    await Promise.all([...this.#sessions].map((session) => session.close().catch(() => undefined)));
  }

  async #choose(connection: AdmittedConnection, chosen: (where: 'here' | string) => void): Promise<LessonSession> {
    const lessonId = connection.claims.lessonId;
    // An owner that died still holds its lease until it runs out: wait that long for the lesson to be free.
    const deadline = Date.now() + this.#ownership.ttlMs + 2_000;
    for (;;) {
      const location = await this.#ownership.locate(lessonId);
      if (location?.here) {
        chosen('here');
        return this.#local.open(connection);
      }
      if (location && this.#isAlive(location.nodeId)) {
        chosen(location.nodeId);
        return new ForwardedSession(location.nodeId, connection, this.#link);
      }
      if (Date.now() > deadline) throw new ClassBridgeError(ErrorCode.Unavailable, 'the server holding this lesson is gone and no other has taken it yet; try again');
      await sleep(200);
    }
  }
}
