import type { Rng } from './random.js';

/** How a link's delay varies around its base. */
export type JitterDistribution = 'uniform' | 'normal';

export interface DelayJitterOptions {
  /** Base one-way delay in ms (default 0). */
  delayMs?: number;
  /**
   * Spread of the delay in ms (default 0): the half-width for 'uniform' (delay ± jitter),
   * the standard deviation for 'normal' (truncated at ± 3 jitter). The delay never goes below 0.
   */
  jitterMs?: number;
  /** Shape of the spread (default 'uniform', as netem's). */
  distribution?: JitterDistribution;
  /**
   * Hold a packet back until the one before it has left, so jitter never reorders
   * (default true), as netem does with a pfifo child qdisc. Most real paths keep order
   * even when their delay varies. The price: when packets come closer together than the
   * jitter, they bunch up behind the slowest recent one, so delays lean towards
   * delay + jitter and arrive in clumps. Set false to let each packet keep its own delay
   * and overtake, as plain netem does.
   */
  keepOrder?: boolean;
}

/** The largest deviation a 'normal' draw may take, in standard deviations. */
export const NORMAL_JITTER_TRUNCATION = 3;

/** Propagation delay plus jitter: when each packet that entered at some time reaches the far end. */
export class DelayJitter {
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly distribution: JitterDistribution;
  readonly keepOrder: boolean;
  private readonly rng: Rng;
  /** Release time of the latest packet, the floor for the next one when order is kept. */
  private lastReleaseMs = Number.NEGATIVE_INFINITY;

  constructor(options: DelayJitterOptions, rng: Rng) {
    this.delayMs = options.delayMs ?? 0;
    this.jitterMs = options.jitterMs ?? 0;
    this.distribution = options.distribution ?? 'uniform';
    this.keepOrder = options.keepOrder ?? true;
    if (!(this.delayMs >= 0) || !Number.isFinite(this.delayMs)) throw new RangeError(`delayMs must be 0 or more, got ${this.delayMs}`);
    if (!(this.jitterMs >= 0) || !Number.isFinite(this.jitterMs)) throw new RangeError(`jitterMs must be 0 or more, got ${this.jitterMs}`);
    this.rng = rng;
  }

  /** The delay the next packet would get, ignoring order (advances the RNG). */
  sampleDelayMs(): number {
    if (this.jitterMs === 0) return this.delayMs;
    return Math.max(0, this.delayMs + this.jitterMs * this.deviation());
  }

  /** When a packet that enters at `nowMs` leaves, in the same clock. */
  releaseAt(nowMs: number): number {
    let at = nowMs + this.sampleDelayMs();
    if (this.keepOrder) at = Math.max(at, this.lastReleaseMs);
    this.lastReleaseMs = Math.max(this.lastReleaseMs, at);
    return at;
  }

  /** Carries the order floor over from the model this one replaces, so a change of conditions does not reorder. */
  continueFrom(previous: DelayJitter): void {
    this.lastReleaseMs = Math.max(this.lastReleaseMs, previous.lastReleaseMs);
  }

  /** A deviation in units of jitterMs. */
  private deviation(): number {
    if (this.distribution === 'uniform') return 2 * this.rng() - 1;
    // Box–Muller, redrawn beyond the truncation so the bounds hold without piling up at the edge.
    for (;;) {
      const u = 1 - this.rng();
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rng());
      if (Math.abs(z) <= NORMAL_JITTER_TRUNCATION) return z;
    }
  }
}
