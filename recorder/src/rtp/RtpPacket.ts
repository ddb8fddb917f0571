/** The parts of an RTP packet (RFC 3550) the recorder uses. */
export interface RtpPacket {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  /** The payload without padding (a view into the datagram, not a copy). */
  payload: Buffer;
}

/**
 * Parses one datagram; null for anything that is not a well-formed RTP packet,
 * including RTCP multiplexed on the same port (RFC 5761: second byte 192–223).
 * Never throws: the bytes come from the network.
 */
export function parseRtpPacket(buffer: Buffer): RtpPacket | null {
  if (buffer.length < 12) return null;
  const first = buffer[0]!;
  if (first >> 6 !== 2) return null;
  const second = buffer[1]!;
  if (second >= 192 && second <= 223) return null;
  const csrcCount = first & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (first & 0x10) {
    if (buffer.length < offset + 4) return null;
    const words = buffer.readUInt16BE(offset + 2);
    offset += 4 + words * 4;
  }
  let end = buffer.length;
  if (first & 0x20) {
    const padding = buffer[buffer.length - 1]!;
    if (padding === 0 || end - padding < offset) return null;
    end -= padding;
  }
  if (offset > end) return null;
  return {
    payloadType: second & 0x7f,
    marker: (second & 0x80) !== 0,
    sequenceNumber: buffer.readUInt16BE(2),
    timestamp: buffer.readUInt32BE(4),
    ssrc: buffer.readUInt32BE(8),
    payload: buffer.subarray(offset, end),
  };
}
