import { FrameAssembler } from './FrameAssembler.js';
import type { VideoPayloadFormat } from './FrameAssembler.js';

const START_CODE = Buffer.from([0, 0, 0, 1]);
const STAP_A = 24;
const FU_A = 28;
const IDR = 5;

const h264: VideoPayloadFormat = {
  isFrameStart(payload) {
    if (payload.length < 2) return false;
    const type = payload[0]! & 0x1f;
    // A fragment continues a NAL unit; anything else (or a fragment's first part) can open an access unit.
    return type !== FU_A || (payload[1]! & 0x80) !== 0;
  },
  assemble(payloads) {
    const units: Buffer[] = [];
    let fragment: Buffer[] | null = null;
    for (const payload of payloads) {
      if (payload.length < 1) return null;
      const type = payload[0]! & 0x1f;
      if (type === STAP_A) {
        for (let offset = 1; offset + 2 <= payload.length; ) {
          const size = payload.readUInt16BE(offset);
          offset += 2;
          if (size === 0 || offset + size > payload.length) return null;
          units.push(payload.subarray(offset, offset + size));
          offset += size;
        }
      } else if (type === FU_A) {
        if (payload.length < 3) return null;
        const header = payload[1]!;
        if (header & 0x80) fragment = [Buffer.from([(payload[0]! & 0xe0) | (header & 0x1f)])];
        if (!fragment) return null;
        fragment.push(payload.subarray(2));
        if (header & 0x40) {
          units.push(Buffer.concat(fragment));
          fragment = null;
        }
      } else if (type >= 1 && type <= 23) {
        units.push(payload);
      } else {
        return null;
      }
    }
    if (units.length === 0 || fragment) return null;
    const keyFrame = units.some((unit) => (unit[0]! & 0x1f) === IDR);
    return { data: Buffer.concat(units.flatMap((unit) => [START_CODE, unit])), keyFrame };
  },
};

/** H.264 over RTP (RFC 6184, packetization-mode 1) to Annex B access units. */
export class H264Depacketizer extends FrameAssembler {
  constructor() {
    super(h264);
  }
}
