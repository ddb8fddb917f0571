/**
 * Link quality, 0–5, from the SDK's receive stats (getReceiveStats()). Pure functions: the client
 * samples every 2 s for its own `networkQuality` event, and the demo pages use the same ones per
 * classroom.
 *
 *   5  nothing wrong          2  poor: a second figure is bad too, or one is very bad
 *   4  one figure is mediocre 1  very poor
 *   3  one figure is bad      0  media should arrive and nothing did in the last interval
 *   null  nothing to measure (no track received, or all of them paused)
 *
 * Each figure gets a penalty; the score is 5 minus the largest one, minus 1 more when two or more
 * figures are bad at once, never below 1 while packets arrive.
 */
import type { InboundStats } from './stats.js';

/** Penalty thresholds, worst last: a value at or above threshold[i] costs i + 1 points. */
export const LINK_THRESHOLDS = {
  /** Packet loss in the interval, %. */
  lossPct: [1, 3, 8, 15],
  /** Round-trip time, ms. */
  rttMs: [250, 500, 1000],
  /** Video freezes counted by the browser in the interval. */
  freezes: [1, 3],
  /** Jitter, ms. */
  jitterMs: [30, 80],
  /** Share of concealed (invented) audio samples in the interval, %. */
  concealmentPct: [3, 10],
} as const;

interface AudioCounters {
  consumerId: string;
  ratio: number;
  age: number | null;
  samples?: number;
  concealed?: number;
  silent?: number;
}

/** Counters of one participant's (or all) received tracks at one moment. */
export interface LinkSample {
  at: number;
  tracks: number;
  packetsReceived: number;
  packetsLost: number;
  freezeCount: number;
  rttMs: number | null;
  jitterMs: number;
  audio: AudioCounters[];
}

/** A score and the figures behind it, for one interval. */
export interface LinkQuality {
  score: number | null;
  lossPct: number;
  rttMs: number | null;
  freezes: number;
  jitterMs: number;
  concealmentPct: number;
}

type StatsLike = Pick<InboundStats, 'consumerId' | 'kind' | 'packetsReceived' | 'packetsLost' | 'freezeCount' | 'roundTripTimeMs' | 'jitter' | 'concealmentRatio'> & {
  totalSamplesReceived?: number;
  concealedSamples?: number;
  silentConcealedSamples?: number;
};

/**
 * Sums received tracks into a sample. `paused(consumerId)` says which ones their sender (or the
 * server) paused, so that a classroom without the floor is not "down" for sending no audio;
 * `ageOf(consumerId)` is how long the track has played, in seconds (for concealment per interval).
 */
export function sampleOf(stats: readonly StatsLike[], paused: (consumerId: string) => boolean = () => false, at = Date.now(), ageOf: (consumerId: string) => number | null = () => null): LinkSample {
  const sample: LinkSample = { at, tracks: 0, packetsReceived: 0, packetsLost: 0, freezeCount: 0, rttMs: null, jitterMs: 0, audio: [] };
  for (const track of stats) {
    if (paused(track.consumerId)) continue;
    sample.tracks++;
    sample.packetsReceived += track.packetsReceived ?? 0;
    sample.packetsLost += Math.max(0, track.packetsLost ?? 0);
    sample.freezeCount += track.freezeCount ?? 0;
    if (typeof track.roundTripTimeMs === 'number') sample.rttMs = Math.max(sample.rttMs ?? 0, track.roundTripTimeMs);
    sample.jitterMs = Math.max(sample.jitterMs, Math.round((track.jitter ?? 0) * 1000));
    if (track.kind === 'audio') {
      sample.audio.push({
        consumerId: track.consumerId,
        ratio: track.concealmentRatio ?? 0,
        age: ageOf(track.consumerId),
        // Raw counters, when reported: audible concealment exactly.
        ...(typeof track.totalSamplesReceived === 'number' ? { samples: track.totalSamplesReceived, concealed: track.concealedSamples ?? 0, silent: track.silentConcealedSamples ?? 0 } : {}),
      });
    }
  }
  return sample;
}

/**
 * Share of audio concealed in the interval, %, the worst track. concealmentRatio counts since the
 * track started (silence concealed while the sender was paused included), so it stays high long
 * after a mute; the interval's share is what says something about the link. With raw counters it
 * is exact (silent concealment left out); with ratios only, playout runs at a constant rate, so
 * samples grow with the track's age: (r2·a2 − r1·a1) / (a2 − a1).
 */
export function intervalConcealmentPct(previous: LinkSample | null, current: LinkSample): number {
  let worst = 0;
  for (const now of current.audio) {
    const before = previous?.audio.find((track) => track.consumerId === now.consumerId);
    if (!before) continue;
    let share: number | null = null;
    if (typeof now.samples === 'number' && typeof before.samples === 'number' && now.samples > before.samples) {
      share = (now.concealed! - now.silent! - (before.concealed! - before.silent!)) / (now.samples - before.samples);
    } else if (typeof now.age === 'number' && typeof before.age === 'number' && now.age > before.age) {
      share = (now.ratio * now.age - before.ratio * before.age) / (now.age - before.age);
    }
    if (share !== null) worst = Math.max(worst, Math.min(1, Math.max(0, share)));
  }
  return worst * 100;
}

/** Groups stats by participant id. */
export function byParticipant<T extends { participantId: string }>(stats: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const track of stats) groups.set(track.participantId, [...(groups.get(track.participantId) ?? []), track]);
  return groups;
}

function penalty(value: number, thresholds: readonly number[]): number {
  let points = 0;
  thresholds.forEach((threshold, index) => {
    if (value >= threshold) points = index + 1;
  });
  return points;
}

/**
 * The score and the figures behind it for the interval from `previous` (null: since the tracks
 * started) to `current`. Counters that went backwards (tracks re-created after a reconnect) count
 * from zero.
 */
export function linkQuality(previous: LinkSample | null, current: LinkSample): LinkQuality {
  const figures: LinkQuality = { score: null, lossPct: 0, rttMs: current.rttMs, freezes: 0, jitterMs: current.jitterMs, concealmentPct: intervalConcealmentPct(previous, current) };
  if (current.tracks === 0) return figures;
  const fresh = !previous || previous.tracks === 0 || current.packetsReceived < previous.packetsReceived || current.packetsLost < previous.packetsLost;
  const received = current.packetsReceived - (fresh ? 0 : previous.packetsReceived);
  const lost = current.packetsLost - (fresh ? 0 : previous.packetsLost);
  figures.freezes = Math.max(0, current.freezeCount - (fresh || current.freezeCount < previous.freezeCount ? 0 : previous.freezeCount));
  figures.lossPct = received + lost > 0 ? (lost / (received + lost)) * 100 : 0;
  if (received <= 0) {
    // Media should flow (a track is not paused) and nothing came: the link is down, or the first packets are still on their way.
    figures.score = fresh ? null : 0;
    return figures;
  }
  const penalties = [
    penalty(figures.lossPct, LINK_THRESHOLDS.lossPct),
    penalty(figures.rttMs ?? 0, LINK_THRESHOLDS.rttMs),
    penalty(figures.freezes, LINK_THRESHOLDS.freezes),
    penalty(figures.jitterMs, LINK_THRESHOLDS.jitterMs),
    penalty(figures.concealmentPct, LINK_THRESHOLDS.concealmentPct),
  ];
  const worst = Math.max(...penalties);
  const bad = penalties.filter((points) => points >= 2).length;
  figures.score = Math.max(1, 5 - worst - (bad >= 2 ? 1 : 0));
  return figures;
}

/** 'good' (4–5), 'fair' (2–3), 'poor' (0–1) or 'none' (null): an indicator's colour. */
export function qualityClass(score: number | null | undefined): 'good' | 'fair' | 'poor' | 'none' {
  if (score === null || score === undefined) return 'none';
  if (score >= 4) return 'good';
  if (score >= 2) return 'fair';
  return 'poor';
}
