import type { MediaSource } from '@classbridge/protocol';

/*
 * Turns the browser's RTCStatsReport into the figures a classroom dashboard
 * needs. Pure functions over plain report entries, so they are unit-tested
 * without a browser.
 */

/** Receive-side quality of one remote track. */
export interface InboundStats {
  consumerId: string;
  participantId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  /** Negotiated codec, e.g. video/VP8; null before the first packet. */
  codec: string | null;
  /** The codec's negotiated parameters (SDP fmtp line, e.g. "minptime=10;stereo=1;useinbandfec=1"). */
  codecFmtp: string | null;
  packetsReceived: number;
  packetsLost: number;
  bytesReceived: number;
  /** Seconds. */
  jitter: number;
  /** Average time a sample or frame waited in the jitter buffer, ms (null before any). */
  jitterBufferDelayMs: number | null;
  /** The jitter buffer this client asked the browser to keep at least (its jitter profile), ms; null: the browser's own. */
  jitterBufferTargetMs?: number | null;
  /** Round-trip time of the transport's active candidate pair, ms (null if unknown). */
  roundTripTimeMs: number | null;
  /** How this side reaches the SFU: 'host', 'srflx', 'prflx' or 'relay' (through TURN); null if unknown. */
  candidateType: string | null;
  // Video (0 / null for audio).
  framesDecoded: number;
  framesDropped: number;
  /** Freezes the browser counted (a frame late by far more than usual). */
  freezeCount: number;
  /** Seconds spent frozen. */
  totalFreezesDuration: number;
  frameWidth: number | null;
  frameHeight: number | null;
  framesPerSecond: number | null;
  /** Simulcast layer the SFU forwards now (0 = smallest); null if not simulcast or nothing forwarded. */
  spatialLayer: number | null;
  /** Temporal layer (frame-rate step) within it, 0 = lowest; null as for spatialLayer. */
  temporalLayer: number | null;
  // Audio (0 for video).
  /** Share of audio samples the browser had to invent (packet loss concealment), 0..1, since the track started. */
  concealmentRatio: number;
  /** Samples played out, samples invented, and of those the ones in silence (cumulative): concealment per interval. */
  totalSamplesReceived: number;
  concealedSamples: number;
  silentConcealedSamples: number;
}

/** Send-side figures of one encoding (one simulcast layer) of a published source. */
export interface OutboundStats {
  source: MediaSource;
  kind: 'audio' | 'video';
  /** The simulcast layer's rid (r0 = smallest), null without simulcast. */
  rid: string | null;
  /** The codec's negotiated parameters as sent (SDP fmtp line, e.g. "minptime=10;usedtx=1;useinbandfec=1"). */
  codecFmtp: string | null;
  packetsSent: number;
  bytesSent: number;
  framesEncoded: number;
  frameWidth: number | null;
  frameHeight: number | null;
  framesPerSecond: number | null;
  /** Why the browser sends less than asked: 'bandwidth', 'cpu', 'none' or 'other'. */
  qualityLimitationReason: string | null;
  /** Bits per second the encoder aims at. */
  targetBitrate: number | null;
  /** From the SFU's receiver reports: ms and 0..1. */
  roundTripTimeMs: number | null;
  fractionLost: number | null;
}

type Entry = Record<string, unknown> & { type?: string; id?: string };

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const numOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function entries(report: Iterable<[string, unknown]> | Map<string, unknown>): Entry[] {
  return [...(report as Iterable<[string, unknown]>)].map(([, entry]) => entry as Entry);
}

/** The transport's active candidate pair, if the report carries it. */
function activePair(list: Entry[]): Entry | undefined {
  const transport = list.find((entry) => entry.type === 'transport');
  const selected = transport ? list.find((entry) => entry.id === transport['selectedCandidatePairId']) : undefined;
  return selected ?? list.find((entry) => entry.type === 'candidate-pair' && entry['nominated'] === true && entry['state'] === 'succeeded');
}

/** Bytes received on the transport's active candidate pair (null before there is one). */
export function activePairBytesReceived(report: Iterable<[string, unknown]>): number | null {
  return numOrNull(activePair(entries(report))?.['bytesReceived']);
}

/** The send side's estimate of what the path carries now (bit/s), from the active candidate pair. */
export function activePairOutgoingBitrate(report: Iterable<[string, unknown]>): number | null {
  const bitrate = numOrNull(activePair(entries(report))?.['availableOutgoingBitrate']);
  return bitrate === null ? null : Math.round(bitrate);
}

/** The active candidate pair's RTT in ms, if the report carries it. */
function roundTripMs(list: Entry[]): number | null {
  const rtt = numOrNull(activePair(list)?.['currentRoundTripTime']);
  return rtt === null ? null : Math.round(rtt * 1000);
}

/** The active pair's local candidate type ('relay': media goes through TURN). */
function localCandidateType(list: Entry[]): string | null {
  const pair = activePair(list);
  const local = pair ? list.find((entry) => entry.id === pair['localCandidateId']) : undefined;
  return typeof local?.['candidateType'] === 'string' ? local['candidateType'] : null;
}

/**
 * Inbound figures of one consumer from its receiver's report. Only the entry of
 * this track counts: mediasoup's bandwidth-probe stream ("probator") and other
 * receivers on the same transport never show up as a receiver of their own.
 */
export function inboundStats(
  report: Iterable<[string, unknown]>,
  track: { trackId: string; consumerId: string; participantId: string; source: MediaSource; kind: 'audio' | 'video'; spatialLayer: number | null; temporalLayer: number | null },
): InboundStats {
  const list = entries(report);
  const stats: InboundStats = {
    consumerId: track.consumerId,
    participantId: track.participantId,
    source: track.source,
    kind: track.kind,
    codec: null,
    codecFmtp: null,
    packetsReceived: 0,
    packetsLost: 0,
    bytesReceived: 0,
    jitter: 0,
    jitterBufferDelayMs: null,
    roundTripTimeMs: roundTripMs(list),
    candidateType: localCandidateType(list),
    framesDecoded: 0,
    framesDropped: 0,
    freezeCount: 0,
    totalFreezesDuration: 0,
    frameWidth: null,
    frameHeight: null,
    framesPerSecond: null,
    spatialLayer: track.kind === 'video' ? track.spatialLayer : null,
    temporalLayer: track.kind === 'video' ? track.temporalLayer : null,
    concealmentRatio: 0,
    totalSamplesReceived: 0,
    concealedSamples: 0,
    silentConcealedSamples: 0,
  };
  let delay = 0;
  let emitted = 0;
  let concealed = 0;
  let samples = 0;
  for (const entry of list) {
    if (entry.type !== 'inbound-rtp' || entry['kind'] !== track.kind) continue;
    if (entry['mid'] === 'probator') continue;
    if (typeof entry['trackIdentifier'] === 'string' && entry['trackIdentifier'] !== track.trackId) continue;
    const codec = list.find((candidate) => candidate.id === entry['codecId']);
    stats.codec = typeof codec?.['mimeType'] === 'string' ? codec['mimeType'] : stats.codec;
    stats.codecFmtp = typeof codec?.['sdpFmtpLine'] === 'string' ? codec['sdpFmtpLine'] : stats.codecFmtp;
    stats.packetsReceived += num(entry['packetsReceived']);
    stats.packetsLost += num(entry['packetsLost']);
    stats.bytesReceived += num(entry['bytesReceived']);
    stats.jitter = Math.max(stats.jitter, num(entry['jitter']));
    delay += num(entry['jitterBufferDelay']);
    emitted += num(entry['jitterBufferEmittedCount']);
    stats.framesDecoded += num(entry['framesDecoded']);
    stats.framesDropped += num(entry['framesDropped']);
    stats.freezeCount += num(entry['freezeCount']);
    stats.totalFreezesDuration += num(entry['totalFreezesDuration']);
    stats.frameWidth = numOrNull(entry['frameWidth']) ?? stats.frameWidth;
    stats.frameHeight = numOrNull(entry['frameHeight']) ?? stats.frameHeight;
    stats.framesPerSecond = numOrNull(entry['framesPerSecond']) ?? stats.framesPerSecond;
    concealed += num(entry['concealedSamples']);
    samples += num(entry['totalSamplesReceived']);
    stats.silentConcealedSamples += num(entry['silentConcealedSamples']);
  }
  stats.totalSamplesReceived = samples;
  stats.concealedSamples = concealed;
  if (emitted > 0) stats.jitterBufferDelayMs = Math.round((delay / emitted) * 1000);
  if (samples > 0) stats.concealmentRatio = concealed / samples;
  return stats;
}

/** Outbound figures per encoding of one producer, from its sender's report. */
export function outboundStats(report: Iterable<[string, unknown]>, source: MediaSource, kind: 'audio' | 'video'): OutboundStats[] {
  const list = entries(report);
  return list
    .filter((entry) => entry.type === 'outbound-rtp' && entry['kind'] === kind)
    .map((entry) => {
      const remote = list.find((candidate) => candidate.type === 'remote-inbound-rtp' && candidate['localId'] === entry.id);
      const rtt = numOrNull(remote?.['roundTripTime']);
      const codec = list.find((candidate) => candidate.id === entry['codecId']);
      return {
        source,
        kind,
        rid: typeof entry['rid'] === 'string' ? entry['rid'] : null,
        codecFmtp: typeof codec?.['sdpFmtpLine'] === 'string' ? codec['sdpFmtpLine'] : null,
        packetsSent: num(entry['packetsSent']),
        bytesSent: num(entry['bytesSent']),
        framesEncoded: num(entry['framesEncoded']),
        frameWidth: numOrNull(entry['frameWidth']),
        frameHeight: numOrNull(entry['frameHeight']),
        framesPerSecond: numOrNull(entry['framesPerSecond']),
        qualityLimitationReason: typeof entry['qualityLimitationReason'] === 'string' ? entry['qualityLimitationReason'] : null,
        targetBitrate: numOrNull(entry['targetBitrate']),
        roundTripTimeMs: rtt === null ? null : Math.round(rtt * 1000),
        fractionLost: numOrNull(remote?.['fractionLost']),
      };
    })
    .sort((a, b) => (a.rid ?? '').localeCompare(b.rid ?? ''));
}
