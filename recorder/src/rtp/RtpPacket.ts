/** The parts of an RTP packet (RFC 3550) the recorder uses. */
export interface RtpPacket {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  /** The payload without padding (a view into the datagram, not a copy). */
  payload: Buffer;
  /** Header extension elements (RFC 8285) by id; empty when the packet has none. */
  extensions: Map<number, Buffer>;
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
  let extensions = NO_EXTENSIONS;
  if (first & 0x10) {
    if (buffer.length < offset + 4) return null;
    const profile = buffer.readUInt16BE(offset);
    const words = buffer.readUInt16BE(offset + 2);
    const end = offset + 4 + words * 4;
    if (end > buffer.length) return null;
    extensions = parseExtensions(profile, buffer.subarray(offset + 4, end));
    offset = end;
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
    extensions,
  };
}

const NO_EXTENSIONS: Map<number, Buffer> = new Map();

/** One-byte (0xBEDE) and two-byte (0x100x) header extension elements; malformed tails are ignored. */
function parseExtensions(profile: number, data: Buffer): Map<number, Buffer> {
  const elements = new Map<number, Buffer>();
  const oneByte = profile === 0xbede;
  if (!oneByte && (profile & 0xfff0) !== 0x1000) return elements;
  for (let offset = 0; offset < data.length; ) {
    const head = data[offset]!;
    if (head === 0) {
      offset++; // padding
      continue;
    }
    let id: number;
    let length: number;
    if (oneByte) {
      id = head >> 4;
      length = (head & 0x0f) + 1;
      if (id === 15) break;
      offset += 1;
    } else {
      if (offset + 1 >= data.length) break;
      id = head;
      length = data[offset + 1]!;
      offset += 2;
    }
    if (offset + length > data.length) break;
    elements.set(id, data.subarray(offset, offset + length));
    offset += length;
  }
  return elements;
}
