import type { SchedulerClock } from './clock.js';
import { MinHeap } from './MinHeap.js';

interface Entry {
  atMs: number;
  seq: number;
  run: () => void;
}

/**
 * Runs callbacks at given times with one timer for all of them, however many are
 * pending: a per-packet setTimeout would cost a timer object per packet and fire
 * in creation order rather than due order.
 *
 * Node's timers count whole milliseconds from a cached loop time, so a timer may
 * fire a little early or late; entries due within {@link earlyToleranceMs} of the
 * clock are run, later ones wait for another timer. Due-time ties run in the
 * order they were added.
 */
export class DeliveryScheduler {
  private readonly heap = new MinHeap<Entry>((a, b) => a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq));
  private seq = 0;
  private timer: unknown = null;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private stopped = false;

  /** @param earlyToleranceMs how early an entry may run rather than wait for another timer (default 0.5 ms). */
  constructor(
    private readonly clock: SchedulerClock,
    private readonly earlyToleranceMs = 0.5,
  ) {}

  /** Entries waiting. */
  get pending(): number {
    return this.heap.size;
  }

  /** Runs `run` at `atMs` (clock time); at once, synchronously, if that is already due. */
  at(atMs: number, run: () => void): void {
    if (this.stopped) return;
    const head = this.heap.peek();
    // Due now and nothing due before it waits: no reason to go through a timer.
    if (atMs <= this.clock.now() && !(head && head.atMs <= atMs)) {
      run();
      return;
    }
    this.heap.push({ atMs, seq: this.seq++, run });
    this.arm();
  }

  /** Drops everything pending and refuses new entries. */
  stop(): void {
    this.stopped = true;
    this.heap.clear();
    this.disarm();
  }

  private arm(): void {
    const next = this.heap.peek();
    if (!next || next.atMs >= this.timerAtMs) return;
    this.disarm();
    this.timerAtMs = next.atMs;
    const waitMs = Math.max(1, Math.round(next.atMs - this.clock.now()));
    this.timer = this.clock.setTimer(() => this.fire(), waitMs);
  }

  private disarm(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.timerAtMs = Number.POSITIVE_INFINITY;
  }

  private fire(): void {
    this.timer = null;
    this.timerAtMs = Number.POSITIVE_INFINITY;
    const limit = this.clock.now() + this.earlyToleranceMs;
    for (let next = this.heap.peek(); next && next.atMs <= limit && !this.stopped; next = this.heap.peek()) {
      this.heap.pop();
      next.run();
    }
    this.arm();
  }
}
