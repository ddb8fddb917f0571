import type { Logger } from 'pino';
import type { SfuControl } from '@classbridge/sfu';
import type { LessonLeases } from '../routing/LessonLeases.js';
import { LessonLeaseKeeper } from '../routing/LessonLeaseKeeper.js';

/** Where a lesson is served: here, or on another signaling node (its id). */
export type LessonLocation = { here: true } | { here: false; nodeId: string };

/**
 * Which signaling node serves each lesson, by lease: the first node asked takes a free lesson and
 * keeps it while it is in use here; everyone else is sent to that node. A node taking a lesson
 * over first clears any media an earlier owner left on the SFU nodes. When a lease is lost
 * (refused, or run out while Redis was unreachable) `onLost` stops this node serving the lesson.
 */
export class LessonOwnership {
  readonly #leases: LessonLeases;
  readonly #keeper: LessonLeaseKeeper;
  readonly #sfu: SfuControl;
  readonly #logger: Logger;
  readonly #isInUse: (lessonId: string) => boolean;
  readonly #takeovers = new Map<string, Promise<void>>();
  readonly #timer: NodeJS.Timeout;

  constructor(options: { leases: LessonLeases; sfu: SfuControl; logger: Logger; isInUse: (lessonId: string) => boolean; onLost: (lessonId: string) => void; sweepEveryMs?: number }) {
    this.#leases = options.leases;
    this.#keeper = new LessonLeaseKeeper(options.leases);
    this.#sfu = options.sfu;
    this.#logger = options.logger;
    this.#isInUse = options.isInUse;
    this.#keeper.on('lost', ({ lessonId, reason }) => {
      this.#logger.warn({ lessonId, reason }, 'lesson lease lost; no longer serving the lesson here');
      options.onLost(lessonId);
    });
    this.#timer = setInterval(() => this.#sweep(), options.sweepEveryMs ?? 2_000);
    this.#timer.unref();
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

  /** Where the lesson is served, taking it for this node if nobody serves it; null: its owner just let go (ask again). */
  async locate(lessonId: string): Promise<LessonLocation | null> {
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

  /** A lesson nobody uses here any more is let go, so whichever node is asked next may take it. */
  #sweep(): void {
    for (const lessonId of this.#keeper.heldLessonIds()) {
      if (this.#takeovers.has(lessonId) || this.#isInUse(lessonId)) continue;
      void this.#keeper.drop(lessonId);
      this.#logger.info({ lessonId }, 'lesson unused here; lease released');
    }
  }
}
