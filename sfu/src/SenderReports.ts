import type { types } from 'mediasoup';

/** A sender report of a producer: the sender's wall clock (Unix ms) at one RTP timestamp of one of its streams. */
export interface TapSenderReport {
  ssrc: number;
  ntpMs: number;
  rtpTimestamp: number;
}

/** NTP seconds from 1900 to 1970. */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

/** The sender report in a producer's trace event (null: another kind of trace). */
export function senderReportOf(trace: types.ProducerTraceEventData): TapSenderReport | null {
  if (trace.type !== 'sr' || trace.direction !== 'in') return null;
  const info = trace.info as { ssrc?: number; ntpSec?: number; ntpFrac?: number; rtpTs?: number };
  if (info.ssrc === undefined || info.ntpSec === undefined || info.ntpFrac === undefined || info.rtpTs === undefined) return null;
  // The flatbuffers fields are signed 32-bit: read them back as unsigned.
  const ntpMs = ((info.ntpSec >>> 0) - NTP_UNIX_OFFSET_S) * 1000 + ((info.ntpFrac >>> 0) * 1000) / 2 ** 32;
  return { ssrc: info.ssrc >>> 0, ntpMs, rtpTimestamp: info.rtpTs >>> 0 };
}
