import type { SenderClock } from './SenderClock.js';

const RTP_WRAP = 2 ** 32;
/** Weight of a new sender report against the mapping so far (reports come about once a second). */
const REPORT_SMOOTHING = 0.05;

/** A difference of 32-bit RTP timestamps, as the shorter way round. */
function wrapTicks(ticks: number): number {
  let result = ticks % RTP_WRAP;
  if (result > RTP_WRAP / 2) result -= RTP_WRAP;
  if (result < -RTP_WRAP / 2) result += RTP_WRAP;
  return result;
}

/**
 * Places a track's RTP timestamps on the recording timeline (ms from its zero).
 *
 * With the sender's RTCP sender reports (relayed by the SFU), a frame's RTP
 * timestamp gives its capture time on the sender's clock, and the sender's
 * clock is shared by its camera and microphone (SenderClock): they stay exactly
 * as in sync as they were captured, as a browser receiving them would play
 * them. Arrival times alone would not do: audio and video reach the SFU after
 * different delays in the sender (tens of ms), and mediasoup's own reports to
 * the tap are arrival-based.
 *
 * A simulcast tap forwards whichever layer is best, with timestamps in one
 * layer's clock; reports come for every layer. Layers start their RTP clocks at
 * random points, so only the right layer's report puts a frame within seconds
 * of now (a wrong one is hours off): the report that does is the one used.
 *
 * Until a report arrives (about a second), arrival times place the frames: the
 * smallest (arrival − RTP time) seen, so jitter never pushes the timeline later.
 * Times never go backwards.
 */
export class RtpClock {
  readonly #clockRate: number;
  readonly #originMs: number;
  readonly #sender: SenderClock | undefined;
  readonly #reports = new Map<number, { ntpMs: number; rtpTimestamp: number }>();
  #offsetMs = Infinity;
  #lastMs = -Infinity;

  constructor({ clockRate, originMs, sender }: { clockRate: number; originMs: number; sender?: SenderClock }) {
    this.#clockRate = clockRate;
    this.#originMs = originMs;
    this.#sender = sender;
  }

  /** A sender report of one of the producer's streams: the sender's wall clock (Unix ms) at an RTP timestamp. */
  observeSenderReport(ssrc: number, ntpMs: number, rtpTimestamp: number): void {
    const previous = this.#reports.get(ssrc);
    if (previous) {
      // Reports jitter by several ms (a sender computes them from its last frame), which would move
      // media by as much from one report to the next. The mapping only drifts slowly (sample clock
      // against wall clock), so it is smoothed; a jump of more than half a second is a new stream.
      const predicted = previous.ntpMs + (wrapTicks(rtpTimestamp - previous.rtpTimestamp) * 1000) / this.#clockRate;
      const error = ntpMs - predicted;
      if (Math.abs(error) < 500) {
        this.#reports.set(ssrc, { ntpMs: predicted + error * REPORT_SMOOTHING, rtpTimestamp });
        return;
      }
    }
    this.#reports.set(ssrc, { ntpMs, rtpTimestamp });
  }

  /** `extendedTimestamp`: unwrapped RTP timestamp; `arrivalMs`: when its packet arrived, in Unix ms on the origin's clock. */
  toMs(extendedTimestamp: number, arrivalMs: number): number {
    const mediaMs = (extendedTimestamp * 1000) / this.#clockRate;
    this.#offsetMs = Math.min(this.#offsetMs, arrivalMs - mediaMs);
    let localMs = mediaMs + this.#offsetMs;
    const captureMs = this.#captureTime(extendedTimestamp, arrivalMs);
    if (captureMs !== null && this.#sender) {
      this.#sender.observe(captureMs, arrivalMs);
      localMs = this.#sender.toLocal(captureMs);
    }
    const ms = Math.max(0, Math.round(localMs - this.#originMs));
    this.#lastMs = Math.max(this.#lastMs, ms);
    return this.#lastMs;
  }

  /** The frame's capture time on the sender's clock, from the report that places it nearest to now. */
  #captureTime(extendedTimestamp: number, arrivalMs: number): number | null {
    let best: number | null = null;
    for (const report of this.#reports.values()) {
      const ticks = wrapTicks((extendedTimestamp % RTP_WRAP) - report.rtpTimestamp);
      const captureMs = report.ntpMs + (ticks * 1000) / this.#clockRate;
      if (best === null || Math.abs(arrivalMs - captureMs) < Math.abs(arrivalMs - best)) best = captureMs;
    }
    return best;
  }
}
