import { createLossModel } from './conditions.js';
import type { LinkConditions } from './conditions.js';
import { DelayJitter } from './DelayJitter.js';
import type { LossModel } from './lossModel.js';
import { OutageSchedule } from './OutageSchedule.js';
import { deriveSeed, mulberry32 } from './random.js';
import type { Rng } from './random.js';
import { RateLimiter } from './RateLimiter.js';

/** Why a link dropped a packet. */
export type DropReason = 'loss' | 'queue' | 'outage';

/** The fate of one packet offered to a link. */
export type LinkVerdict =
  | { drop: DropReason }
  | {
      drop: null;
      /** When the packet reaches the far end, in the link's clock. */
      deliverAtMs: number;
      /** Of the delay, the part spent queued behind the rate cap. */
      queueDelayMs: number;
    };

/**
 * One direction of an impaired link as a pure function of time: given when a packet
 * enters and its size, says whether it is dropped and why, or when it comes out.
 * The relay owns the sockets and timers; this owns every decision, so it can be
 * tested with a fake clock and reproduced from a seed.
 */
export class ImpairedLink {
  /** Outages of this direction; add to it at any time. */
  readonly outages = new OutageSchedule();
  private current: LinkConditions = {};
  private loss: LossModel | null = null;
  private delay: DelayJitter;
  private rate: RateLimiter | null = null;
  // Separate streams so turning one impairment on does not change the draws of another.
  private readonly lossRng: Rng;
  private readonly jitterRng: Rng;

  constructor(conditions: LinkConditions = {}, seed = 1) {
    this.lossRng = mulberry32(deriveSeed(seed, 'loss'));
    this.jitterRng = mulberry32(deriveSeed(seed, 'jitter'));
    this.delay = new DelayJitter({}, this.jitterRng);
    this.configure(conditions, Number.NEGATIVE_INFINITY);
  }

  /** The conditions in force. */
  get conditions(): Readonly<LinkConditions> {
    return this.current;
  }

  /**
   * Replaces the conditions from `nowMs` on (fields left out mean "none"). Packets
   * already accepted keep their times; a queue backlog still drains and order is still kept.
   * Throws, changing nothing, if the conditions are invalid.
   */
  configure(conditions: LinkConditions, nowMs: number): void {
    const loss = createLossModel(conditions, this.lossRng);
    const delay = new DelayJitter(
      { delayMs: conditions.delayMs, jitterMs: conditions.jitterMs, distribution: conditions.jitterDistribution, keepOrder: conditions.keepOrder },
      this.jitterRng,
    );
    const rate =
      conditions.rateKbps === undefined
        ? null
        : new RateLimiter({ rateKbps: conditions.rateKbps, queueBytes: conditions.queueBytes, overheadBytes: conditions.overheadBytes });
    delay.continueFrom(this.delay);
    if (rate && this.rate) rate.continueFrom(this.rate, nowMs);
    this.current = { ...conditions };
    this.loss = loss;
    this.delay = delay;
    this.rate = rate;
  }

  /** Whether the link is down at `nowMs`; a packet due then is lost too. */
  isDown(nowMs: number): boolean {
    return this.outages.isDown(nowMs);
  }

  /** Offers a packet of `bytes` that enters the link at `nowMs`. */
  admit(nowMs: number, bytes: number): LinkVerdict {
    if (this.outages.isDown(nowMs)) return { drop: 'outage' };
    let departAtMs = nowMs;
    if (this.rate) {
      const verdict = this.rate.offer(nowMs, bytes);
      if (verdict.dropped) return { drop: 'queue' };
      departAtMs = verdict.departAtMs;
    }
    // Lost on the wire after the bottleneck: a lost packet has used its share of the rate.
    if (this.loss?.drop()) return { drop: 'loss' };
    return { drop: null, deliverAtMs: this.delay.releaseAt(departAtMs), queueDelayMs: departAtMs - nowMs };
  }
}
