import { TypedEmitter } from '@classbridge/sfu';
import type { LessonLease, LessonLeases } from './LessonLeases.js';

interface LessonLeaseKeeperEvents extends Record<string, unknown> {
  /** This node no longer owns the lesson (a renewal was refused, or its lease ran out unrenewed): stop serving it now. */
  lost: { lessonId: string; reason: 'refused' | 'expired'; /** The lost lease's fencing token. */ token: number };
}

/**
 * Keeps this node's lesson leases alive: renews each a third of the way through its life, and
 * says `lost` the moment one is refused or nearly runs out on this node's clock (a safety margin
 * covers clock drift and a late timer) — a node cut off from Redis stops serving its lessons
 * before any other node can take them. Listener errors are contained.
 */
export class LessonLeaseKeeper extends TypedEmitter<LessonLeaseKeeperEvents> {
  readonly #leases: LessonLeases;
  readonly #held = new Map<string, LessonLease>();
  readonly #renewing = new Set<string>();
  readonly #timer: NodeJS.Timeout;
  /** A lease counts as over this long before it runs out: this clock's drift and a late timer must not make two owners. */
  readonly #safetyMs: number;
  #closed = false;

  constructor(leases: LessonLeases, { checkEveryMs = 100 } = {}) {
    super();
    this.#leases = leases;
    this.#safetyMs = Math.max(2 * checkEveryMs, leases.ttlMs * 0.05);
    this.#timer = setInterval(() => this.#tick(), checkEveryMs);
    this.#timer.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Takes the lesson for this node and keeps it; null: another node owns it. */
  async hold(lessonId: string): Promise<LessonLease | null> {
    if (this.#closed) throw new Error('LessonLeaseKeeper is closed');
    const lease = await this.#leases.acquire(lessonId);
    if (lease && !this.#closed) this.#held.set(lessonId, lease);
    return lease;
  }

  /** The lease held for a lesson, while it is valid on this node's clock. */
  lease(lessonId: string): LessonLease | null {
    const lease = this.#held.get(lessonId);
    return lease && Date.now() < lease.expiresAtMs - this.#safetyMs ? lease : null;
  }

  /** Lessons this node holds now. */
  heldLessonIds(): string[] {
    return [...this.#held.keys()];
  }

  /** Lets a lesson go (it ended here). */
  async drop(lessonId: string): Promise<void> {
    const lease = this.#held.get(lessonId);
    this.#held.delete(lessonId);
    if (lease) await this.#leases.release(lease).catch(() => undefined);
  }

  /** Stops renewing and releases every lease (a clean shutdown hands the lessons over at once). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const held = [...this.#held.values()];
    this.#held.clear();
    await Promise.all(held.map((lease) => this.#leases.release(lease).catch(() => undefined)));
    this.removeAllListeners();
  }

  #tick(): void {
    const now = Date.now();
    for (const lease of [...this.#held.values()]) {
      if (now >= lease.expiresAtMs - this.#safetyMs) {
        this.#lose(lease, 'expired');
        continue;
      }
      const renewAt = lease.expiresAtMs - (2 * this.#leases.ttlMs) / 3;
      if (now >= renewAt && !this.#renewing.has(lease.lessonId)) void this.#renew(lease);
    }
  }

  async #renew(lease: LessonLease): Promise<void> {
    this.#renewing.add(lease.lessonId);
    try {
      const renewed = await this.#leases.renew(lease);
      if (this.#held.get(lease.lessonId) !== lease) return; // dropped or lost meanwhile
      if (renewed) this.#held.set(lease.lessonId, renewed);
      else this.#lose(lease, 'refused');
    } catch {
      // Redis unreachable: try again on the next tick; the lease runs out if this goes on.
    } finally {
      this.#renewing.delete(lease.lessonId);
    }
  }

  #lose(lease: LessonLease, reason: 'refused' | 'expired'): void {
    if (!this.#held.delete(lease.lessonId)) return;
    try {
      this.emit('lost', { lessonId: lease.lessonId, reason, token: lease.token });
    } catch {
      // A listener's error is its own; the other leases are kept.
    }
  }
}
