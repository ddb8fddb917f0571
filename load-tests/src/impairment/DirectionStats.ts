import { percentile } from '../stats.js';
import type { DropReason } from './ImpairedLink.js';

/** Why the relay dropped a packet: the link's reasons, or `clients` for a client beyond the relay's limit. */
export type RelayDropReason = DropReason | 'clients';

/** Added delay of the forwarded packets, in ms, measured from arrival at the relay to the send call. */
export interface DelaySummary {
  count: number;
  mean: number;
  min: number;
  max: number;
  /** Over the last {@link DELAY_SAMPLE_WINDOW} packets. */
  p50: number;
  /** Over the last {@link DELAY_SAMPLE_WINDOW} packets. */
  p95: number;
  /** Mean part of the delay spent queued behind the rate cap. */
  meanQueueDelay: number;
}

/** What one direction of the relay has done since it started (or since stats were reset). */
export interface DirectionStats {
  packetsIn: number;
  bytesIn: number;
  packetsForwarded: number;
  bytesForwarded: number;
  dropped: Record<RelayDropReason, number>;
  /** Sends the socket refused (counted as forwarded too: they made it through the impairment). */
  sendErrors: number;
  /** Packets accepted but not yet delivered. */
  inFlight: number;
  delayMs: DelaySummary;
}

/** Delay percentiles are taken over this many most recent packets, to bound memory. */
export const DELAY_SAMPLE_WINDOW = 8192;

function freshState() {
  return {
    packetsIn: 0,
    bytesIn: 0,
    packetsForwarded: 0,
    bytesForwarded: 0,
    sendErrors: 0,
    inFlight: 0,
    dropped: { loss: 0, queue: 0, outage: 0, clients: 0 } as Record<RelayDropReason, number>,
    delaySum: 0,
    queueDelaySum: 0,
    delayMin: Number.POSITIVE_INFINITY,
    delayMax: Number.NEGATIVE_INFINITY,
    recent: new Float64Array(DELAY_SAMPLE_WINDOW),
    recentCount: 0,
  };
}

/** Running counters of one direction of the relay. */
export class DirectionCounters {
  private s = freshState();

  received(bytes: number): void {
    this.s.packetsIn++;
    this.s.bytesIn += bytes;
  }

  droppedFor(reason: RelayDropReason): void {
    this.s.dropped[reason]++;
  }

  /** A packet passed the link's admission and waits for its delivery time. */
  accepted(): void {
    this.s.inFlight++;
  }

  /** A packet accepted earlier is gone without being sent: `reason` if the link dropped it late (outage), null if the relay closed. */
  abandoned(reason: DropReason | null): void {
    this.s.inFlight--;
    if (reason) this.s.dropped[reason]++;
  }

  /** An accepted packet was handed to the socket `delayMs` after it reached the relay. */
  forwarded(bytes: number, delayMs: number, queueDelayMs: number): void {
    const s = this.s;
    s.inFlight--;
    s.packetsForwarded++;
    s.bytesForwarded += bytes;
    s.delaySum += delayMs;
    s.queueDelaySum += queueDelayMs;
    if (delayMs < s.delayMin) s.delayMin = delayMs;
    if (delayMs > s.delayMax) s.delayMax = delayMs;
    s.recent[s.recentCount++ % DELAY_SAMPLE_WINDOW] = delayMs;
  }

  sendFailed(): void {
    this.s.sendErrors++;
  }

  snapshot(): DirectionStats {
    const s = this.s;
    const count = s.packetsForwarded;
    const samples = Array.from(s.recent.subarray(0, Math.min(s.recentCount, DELAY_SAMPLE_WINDOW)));
    const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : 0);
    return {
      packetsIn: s.packetsIn,
      bytesIn: s.bytesIn,
      packetsForwarded: s.packetsForwarded,
      bytesForwarded: s.bytesForwarded,
      dropped: { ...s.dropped },
      sendErrors: s.sendErrors,
      inFlight: s.inFlight,
      delayMs: {
        count,
        mean: round(count ? s.delaySum / count : 0),
        min: round(s.delayMin),
        max: round(s.delayMax),
        p50: round(samples.length ? percentile(samples, 50) : 0),
        p95: round(samples.length ? percentile(samples, 95) : 0),
        meanQueueDelay: round(count ? s.queueDelaySum / count : 0),
      },
    };
  }

  /** Zeroes the counters; packets in flight stay counted as in flight. */
  reset(): void {
    const inFlight = this.s.inFlight;
    this.s = freshState();
    this.s.inFlight = inFlight;
  }
}
