import type { LinkConditions } from './conditions.js';
import { DelayJitter } from './DelayJitter.js';
import { OutageSchedule } from './OutageSchedule.js';
import { deriveSeed, mulberry32 } from './random.js';
import type { Rng } from './random.js';
import { RateLimiter } from './RateLimiter.js';

/**
 * What one direction of a byte stream (TCP) suffers. No loss: TCP turns loss into
 * retransmission delay, which delay, jitter and outages stand in for. The rate cap
 * has no drop-tail queue either; the proxy pushes back on the sender instead.
 */
export type StreamConditions = Pick<LinkConditions, 'delayMs' | 'jitterMs' | 'jitterDistribution' | 'rateKbps' | 'overheadBytes'>;

/**
 * One direction of an impaired byte stream, shared by every connection through a
 * proxy (one access link): when a chunk written now reaches the far end. Order
 * within a stream is the caller's to keep (see StreamShaper).
 */
export class StreamLink {
  /** Outages of this direction: data is held, not lost, and flows again after. */
  readonly outages = new OutageSchedule();
  private current: StreamConditions = {};
  private delay: DelayJitter;
  private rate: RateLimiter | null = null;
  private readonly jitterRng: Rng;

  constructor(conditions: StreamConditions = {}, seed = 1) {
    this.jitterRng = mulberry32(deriveSeed(seed, 'stream-jitter'));
    this.delay = new DelayJitter({}, this.jitterRng);
    this.configure(conditions, Number.NEGATIVE_INFINITY);
  }

  get conditions(): Readonly<StreamConditions> {
    return this.current;
  }

  /** Replaces the conditions from `nowMs` on; a backlog behind the rate cap still drains. Throws, changing nothing, if invalid. */
  configure(conditions: StreamConditions, nowMs: number): void {
    for (const key of ['loss', 'burstLoss', 'queueBytes', 'keepOrder']) {
      if (key in conditions) throw new RangeError(`${key} does not apply to a TCP stream`);
    }
    const delay = new DelayJitter({ delayMs: conditions.delayMs, jitterMs: conditions.jitterMs, distribution: conditions.jitterDistribution }, this.jitterRng);
    const rate =
      conditions.rateKbps === undefined
        ? null
        : new RateLimiter({ rateKbps: conditions.rateKbps, queueBytes: Number.POSITIVE_INFINITY, overheadBytes: conditions.overheadBytes });
    if (rate && this.rate) rate.continueFrom(this.rate, nowMs);
    this.current = { ...conditions };
    this.delay = delay;
    this.rate = rate;
  }

  /** When `bytes` written at `nowMs` arrive, ignoring order: after any outage in force, serialised at the rate, then delayed. */
  arrivalAt(nowMs: number, bytes: number): number {
    const sendFrom = this.outages.upAgainAt(nowMs);
    // The queue is unbounded here, so the limiter never drops.
    const verdict = this.rate?.offer(sendFrom, bytes);
    const departed = verdict && !verdict.dropped ? verdict.departAtMs : sendFrom;
    return departed + this.delay.sampleDelayMs();
  }
}
