/**
 * Places a track's RTP timestamps on the recording timeline (ms from its zero).
 *
 * Arrival-based, because that is what the SFU offers: mediasoup's sender
 * reports to a consumer are themselves computed from arrival times, not from
 * the browser's capture clock. The offset between the RTP clock and the arrival
 * clock is the smallest one seen (arrival − RTP time): a packet delayed by
 * jitter never pushes the timeline later, and the estimate settles on the
 * fastest path through the network. Times never go backwards.
 */
export class RtpClock {
  readonly #clockRate: number;
  readonly #originMs: number;
  #offsetMs = Infinity;
  #lastMs = -Infinity;

  constructor({ clockRate, originMs }: { clockRate: number; originMs: number }) {
    this.#clockRate = clockRate;
    this.#originMs = originMs;
  }

  /** `extendedTimestamp`: unwrapped RTP timestamp; `arrivalMs`: when its packet arrived, on the origin's clock. */
  toMs(extendedTimestamp: number, arrivalMs: number): number {
    const mediaMs = (extendedTimestamp * 1000) / this.#clockRate;
    this.#offsetMs = Math.min(this.#offsetMs, arrivalMs - mediaMs);
    const ms = Math.max(0, Math.round(mediaMs + this.#offsetMs - this.#originMs));
    this.#lastMs = Math.max(this.#lastMs, ms);
    return this.#lastMs;
  }
}
