import { FrameAssembler } from './FrameAssembler.js';
import type { VideoPayloadFormat } from './FrameAssembler.js';

/** Length of the VP8 payload descriptor (RFC 7741 §4.2), or null when it is malformed. */
export function vp8DescriptorLength(payload: Buffer): number | null {
  if (payload.length < 1) return null;
  let length = 1;
  if (payload[0]! & 0x80) {
    if (payload.length < 2) return null;
    const extension = payload[1]!;
    length = 2;
    if (extension & 0x80) {
      if (payload.length < length + 1) return null;
      length += payload[length]! & 0x80 ? 2 : 1;
    }
    if (extension & 0x40) length += 1;
    if (extension & 0x30) length += 1;
  }
  return length < payload.length ? length : null;
}

const vp8: VideoPayloadFormat = {
  isFrameStart(payload) {
    // S (start of partition) with partition index 0.
    return payload.length > 0 && (payload[0]! & 0x10) !== 0 && (payload[0]! & 0x0f) === 0;
  },
  assemble(payloads) {
    const parts: Buffer[] = [];
    for (const payload of payloads) {
      const descriptor = vp8DescriptorLength(payload);
      if (descriptor === null) return null;
      parts.push(payload.subarray(descriptor));
    }
    const data = Buffer.concat(parts);
    if (data.length < 3) return null;
    // Frame tag bit 0: 0 is a key frame, whose header carries the size after the start code 9d 01 2a.
    const keyFrame = (data[0]! & 0x01) === 0;
    if (!keyFrame) return { data, keyFrame };
    if (data.length < 10 || data[3] !== 0x9d || data[4] !== 0x01 || data[5] !== 0x2a) return null;
    return { data, keyFrame, width: data.readUInt16LE(6) & 0x3fff, height: data.readUInt16LE(8) & 0x3fff };
  },
};

/** VP8 over RTP (RFC 7741) to VP8 frames. */
export class Vp8Depacketizer extends FrameAssembler {
  constructor() {
    super(vp8);
  }
}
