import type { Logger } from 'pino';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import type { LessonLeases } from '../routing/LessonLeases.js';
import { LessonLeaseKeeper } from '../routing/LessonLeaseKeeper.js';

/** Where a lesson is served: here, or on another signaling node (its id). */
export type LessonLocation = { here: true } | { here: false; nodeId: string };

/**
 * Which signaling node serves each lesson, by lease: the first node asked takes a free lesson and
 * keeps it while it is in use here; everyone else is sent to that node. A node taking a lesson
 * over first clears any media an earlier owner left on the SFU nodes.
 *
 * A lease that runs out unrenewed (Redis unreachable) suspends the lesson here: its media and state
 * are kept but no request is served, until the lease is taken again. If nobody owned the lesson in
 * between (the same fencing token, or its successor) the lesson simply resumes — a
 * Redis restart costs the lesson nothing but a few refused requests. If another node owned it
 * meanwhile, or the lease was refused, or the suspension lasts too long, `onLost` stops this node
 * serving it (its clients reconnect to the owner).
 */
export class LessonOwnership {
  readonly #leases: LessonLeases;
  readonly #keeper: LessonLeaseKeeper;
  readonly #sfu: SfuControl;
  readonly #logger: Logger;
  readonly #isInUse: (lessonId: string) => boolean;
  readonly #takeovers = new Map<string, Promise<void>>();
  /** Lessons whose lease lapsed unrenewed: the lapsed lease's token, and since when. */
  readonly #suspended = new Map<string, { token: number; sinceMs: number }>();
  readonly #onLost: (lessonId: string) => void;
  readonly #maxSuspendedMs: number;
  readonly #timer: NodeJS.Timeout;
  readonly #resumeTimer: NodeJS.Timeout;

  constructor(options: {
    leases: LessonLeases;
    sfu: SfuControl;
    logger: Logger;
    isInUse: (lessonId: string) => boolean;
    onLost: (lessonId: string) => void;
    sweepEveryMs?: number;
    /** A lesson suspended longer than this is given up here, so its clients can find a node that reaches Redis (default 30 s). */
    maxSuspendedMs?: number;
  }) {
    this.#leases = options.leases;
    this.#keeper = new LessonLeaseKeeper(options.leases);
    this.#sfu = options.sfu;
    this.#logger = options.logger;
    this.#isInUse = options.isInUse;
    this.#onLost = options.onLost;
    this.#maxSuspendedMs = options.maxSuspendedMs ?? 30_000;
    this.#keeper.on('lost', ({ lessonId, reason, token }) => {
      if (reason === 'expired') {
        this.#logger.warn({ lessonId }, 'lesson lease ran out unrenewed (Redis unreachable?); the lesson is suspended here until it is renewed');
        this.#suspended.set(lessonId, { token, sinceMs: Date.now() });
        return;
      }
      this.#logger.warn({ lessonId, reason }, 'lesson lease lost; no longer serving the lesson here');
      this.#onLost(lessonId);
    });
    this.#timer = setInterval(() => this.#sweep(), options.sweepEveryMs ?? 2_000);
    this.#timer.unref();
    this.#resumeTimer = setInterval(() => void this.#resume(), 250);
    this.#resumeTimer.unref();
  }

  get nodeId(): string {
    return this.#leases.nodeId;
  }

  get ttlMs(): number {
    return this.#leases.ttlMs;
  }

  /** Lessons this node serves now. */
  held(): string[] {
    return this.#keeper.heldLessonIds().filter((lessonId) => this.holds(lessonId));
  }

  /** Whether this node serves the lesson now (its lease is valid on this node's clock). */
  holds(lessonId: string): boolean {
    return this.#keeper.lease(lessonId) !== null;
  }

  /** Whether the lesson is suspended here (its lease lapsed while Redis was unreachable). */
  isSuspended(lessonId: string): boolean {
    return this.#suspended.has(lessonId);
  }

  /** Throws UNAVAILABLE while the lesson is suspended here (its lease lapsed while Redis was unreachable). */
  assertServing(lessonId: string): void {
    if (this.#suspended.has(lessonId)) throw new ClassBridgeError(ErrorCode.Unavailable, "the cluster's shared state (Redis) is unreachable; the lesson's media goes on, try again shortly");
    if (!this.holds(lessonId)) throw new ClassBridgeError(ErrorCode.Unavailable, 'this lesson moved to another server; reconnect');
  }

  /** Where the lesson is served, taking it for this node if nobody serves it; null: its owner just let go (ask again). */
  async locate(lessonId: string): Promise<LessonLocation | null> {
    if (this.#suspended.has(lessonId)) this.assertServing(lessonId);
    const pending = this.#takeovers.get(lessonId);
    if (pending) await pending;
    if (this.holds(lessonId)) return { here: true };
    const lease = await this.#keeper.hold(lessonId);
    if (lease) {
      await this.#takeOver(lessonId);
      return { here: true };
    }
    const owner = await this.#leases.owner(lessonId);
    return owner === null ? null : owner.nodeId === this.nodeId ? { here: true } : { here: false, nodeId: owner.nodeId };
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#resumeTimer);
    await this.#keeper.close();
  }

  #takeOver(lessonId: string): Promise<void> {
    let pending = this.#takeovers.get(lessonId);
    if (!pending) {
      this.#logger.info({ lessonId }, 'serving the lesson on this node');
      pending = this.#sfu
        .closeRoom(lessonId)
        .catch((error: unknown) => this.#logger.warn({ lessonId, err: String(error) }, 'clearing media left by an earlier owner failed'))
        .finally(() => this.#takeovers.delete(lessonId));
      this.#takeovers.set(lessonId, pending);
    }
    return pending;
  }

  /** Tries to take suspended lessons back: resumed if nobody owned them in between, else given up here. */
  async #resume(): Promise<void> {
    for (const [lessonId, { token, sinceMs }] of [...this.#suspended]) {
      if (Date.now() - sinceMs > this.#maxSuspendedMs) {
        this.#suspended.delete(lessonId);
        this.#logger.warn({ lessonId }, 'lesson suspended too long; giving it up here');
        this.#onLost(lessonId);
        continue;
      }
      let lease;
      try {
        lease = await this.#keeper.hold(lessonId);
      } catch {
        continue; // Redis still unreachable
      }
      if (!this.#suspended.has(lessonId)) continue;
      this.#suspended.delete(lessonId);
      // The same token: the lease never ran out in Redis (only this node's view of it did); the next
      // one: it ran out but nobody took the lesson in between. Either way this node's state is current.
      if (lease && (lease.token === token || lease.token === token + 1)) {
        this.#logger.info({ lessonId }, 'lesson lease renewed after an outage; the lesson resumes here');
        continue;
      }
      // Another node owned the lesson meanwhile: what this node holds is stale.
      if (lease) await this.#keeper.drop(lessonId);
      this.#logger.warn({ lessonId }, 'another node served the lesson while this one was cut off; giving it up here');
      this.#onLost(lessonId);
    }
  }

  /** A lesson nobody uses here any more is let go, so whichever node is asked next may take it. */
  #sweep(): void {
    for (const lessonId of this.#keeper.heldLessonIds()) {
      if (this.#takeovers.has(lessonId) || this.#suspended.has(lessonId) || this.#isInUse(lessonId)) continue;
      void this.#keeper.drop(lessonId);
      this.#logger.info({ lessonId }, 'lesson unused here; lease released');
    }
  }
}
