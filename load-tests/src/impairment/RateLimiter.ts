export interface RateLimiterOptions {
  /** Bottleneck rate in kilobits per second (1 kbit = 1000 bits). */
  rateKbps: number;
  /**
   * Capacity of the drop-tail queue in front of the bottleneck, in bytes, counting
   * the packet being serialised (default: what the rate sends in 250 ms, at least 3000 bytes).
   */
  queueBytes?: number;
  /** Bytes added to every packet for the link layer, e.g. 28 for IPv4 + UDP headers (default 0). */
  overheadBytes?: number;
}

/** What the bottleneck does with one packet. */
export type RateVerdict = { dropped: true } | { dropped: false; departAtMs: number; queueDelayMs: number };

/** Default queue: 250 ms worth of the rate, a typical buffer of a consumer uplink. */
export function defaultQueueBytes(rateKbps: number): number {
  return Math.max(3000, Math.round((rateKbps * 1000 * 0.25) / 8));
}

/**
 * A bandwidth cap as a real bottleneck enforces it: packets are serialised one after
 * another at the link rate from a FIFO queue, so the queueing delay grows with the
 * backlog, and a packet that would overflow the byte-limited queue is dropped (drop-tail).
 * Kept as one number, the time the link finishes what it holds; no timers, so it is exact
 * under a fake clock.
 */
export class RateLimiter {
  readonly rateKbps: number;
  readonly queueBytes: number;
  readonly overheadBytes: number;
  /** When the link finishes serialising everything accepted so far. */
  private busyUntilMs = Number.NEGATIVE_INFINITY;
  private readonly bytesPerMs: number;

  constructor(options: RateLimiterOptions) {
    if (!(options.rateKbps > 0) || !Number.isFinite(options.rateKbps)) throw new RangeError(`rateKbps must be above 0, got ${options.rateKbps}`);
    this.rateKbps = options.rateKbps;
    this.queueBytes = options.queueBytes ?? defaultQueueBytes(options.rateKbps);
    this.overheadBytes = options.overheadBytes ?? 0;
    if (!(this.queueBytes > 0)) throw new RangeError(`queueBytes must be above 0, got ${this.queueBytes}`);
    this.bytesPerMs = (this.rateKbps * 1000) / 8 / 1000;
  }

  /** Bytes waiting or being serialised at `nowMs`. */
  backlogBytes(nowMs: number): number {
    return Math.max(0, this.busyUntilMs - nowMs) * this.bytesPerMs;
  }

  /** Offers a packet of `bytes` at `nowMs`: dropped if the queue has no room, else when its last bit leaves. */
  offer(nowMs: number, bytes: number): RateVerdict {
    const size = bytes + this.overheadBytes;
    // A small epsilon so a queue filled to exactly its size by float arithmetic still takes the packet it fits.
    if (this.backlogBytes(nowMs) + size > this.queueBytes + 1e-6) return { dropped: true };
    const start = Math.max(nowMs, this.busyUntilMs);
    this.busyUntilMs = start + size / this.bytesPerMs;
    return { dropped: false, departAtMs: this.busyUntilMs, queueDelayMs: this.busyUntilMs - nowMs };
  }

  /** Carries the backlog over from the limiter this one replaces: the bytes already queued still have to drain. */
  continueFrom(previous: RateLimiter, nowMs: number): void {
    const backlogMs = previous.backlogBytes(nowMs) / this.bytesPerMs;
    if (backlogMs > 0) this.busyUntilMs = Math.max(this.busyUntilMs, nowMs + backlogMs);
  }
}
