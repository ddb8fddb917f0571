/**
 * One sender's wall clock (a browser's, as its RTCP sender reports state it)
 * placed on the recorder's clock.
 *
 * Shared by all tracks of one participant: its camera and microphone are
 * mapped to the same clock by their sender reports, so one offset for both
 * keeps them exactly as in sync as they were captured. The offset is the
 * smallest (arrival − capture) seen on any of them: the fastest path from
 * capture to the recorder.
 */
export class SenderClock {
  #offsetMs = Infinity;

  observe(captureMs: number, arrivalMs: number): void {
    this.#offsetMs = Math.min(this.#offsetMs, arrivalMs - captureMs);
  }

  /** The recorder-clock time of a sender-clock time (NaN until observed). */
  toLocal(captureMs: number): number {
    return Number.isFinite(this.#offsetMs) ? captureMs + this.#offsetMs : Number.NaN;
  }
}
