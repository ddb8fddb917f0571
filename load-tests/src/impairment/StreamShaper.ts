import type { SchedulerClock } from './clock.js';
import type { StreamLink } from './StreamLink.js';

export interface StreamShaperOptions {
  /** The direction's link, read at each chunk so a change of conditions applies at once. */
  link: () => StreamLink;
  clock: SchedulerClock;
  /** Writes a chunk to the far side; false means "wait for drain()" as with a Node stream. */
  write: (chunk: Buffer) => boolean;
  /** Called with true when more than `highWaterBytes` wait, false once under half of it: pause and resume the source. */
  backpressure: (paused: boolean) => void;
  /** Held bytes above which the source is paused (default 256 KiB). */
  highWaterBytes?: number;
}

interface Chunk {
  data: Buffer;
  atMs: number;
}

/**
 * One direction of one TCP connection: holds each chunk until the link says it
 * arrives, never reordering (a byte stream cannot), holding everything through an
 * outage, and pushing back on the source when too much waits.
 */
export class StreamShaper {
  private readonly queue: Chunk[] = [];
  private head = 0;
  private queued = 0;
  private timer: unknown = null;
  private blocked = false;
  private paused = false;
  private ending: (() => void) | null = null;
  private stopped = false;
  private readonly highWater: number;

  constructor(private readonly options: StreamShaperOptions) {
    this.highWater = options.highWaterBytes ?? 256 * 1024;
  }

  /** Bytes held, not yet written. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** A chunk from the source. */
  push(data: Buffer): void {
    if (this.stopped || this.ending) return;
    const now = this.options.clock.now();
    // A FIFO written head first: a chunk due before the one ahead of it waits for it, so jitter never reorders.
    this.queue.push({ data, atMs: this.options.link().arrivalAt(now, data.length) });
    this.queued += data.length;
    if (!this.paused && this.queued > this.highWater) {
      this.paused = true;
      this.options.backpressure(true);
    }
    this.pump();
  }

  /** The source ended: `flushed` runs once everything held has been written. */
  end(flushed: () => void): void {
    if (this.stopped) return;
    this.ending = flushed;
    this.pump();
  }

  /** The far side drained after write() returned false. */
  drained(): void {
    this.blocked = false;
    this.pump();
  }

  /** Discards what is held; writes nothing more. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.head = 0;
    this.queued = 0;
    if (this.timer !== null) this.options.clock.clearTimer(this.timer);
    this.timer = null;
  }

  private pump(): void {
    if (this.stopped || this.blocked || this.timer !== null) return;
    const { clock } = this.options;
    const now = clock.now();
    const link = this.options.link();
    while (this.head < this.queue.length) {
      const next = this.queue[this.head]!;
      // Half a millisecond early beats a whole timer round late (Node timers count whole ms).
      const dueAt = link.outages.isDown(now) ? link.outages.upAgainAt(now) : next.atMs;
      if (dueAt > now + 0.5) {
        this.timer = clock.setTimer(() => {
          this.timer = null;
          this.pump();
        }, Math.max(1, Math.round(dueAt - now)));
        return;
      }
      this.head++;
      this.queued -= next.data.length;
      const more = this.options.write(next.data);
      if (this.paused && this.queued < this.highWater / 2) {
        this.paused = false;
        this.options.backpressure(false);
      }
      if (!more) {
        this.blocked = true;
        break;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.head === this.queue.length && this.ending && !this.blocked) {
      const flushed = this.ending;
      this.ending = null;
      this.stopped = true;
      flushed();
    }
  }
}
