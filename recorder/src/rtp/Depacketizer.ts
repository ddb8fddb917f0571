import type { RtpPacket } from './RtpPacket.js';
import { Vp8Depacketizer } from './Vp8Depacketizer.js';
import { H264Depacketizer } from './H264Depacketizer.js';
import { OpusDepacketizer } from './OpusDepacketizer.js';

/** One encoded frame (video) or packet (audio), ready to be written to a container. */
export interface Frame {
  data: Buffer;
  /** Extended (unwrapped) RTP timestamp. */
  timestamp: number;
  keyFrame: boolean;
  width?: number;
  height?: number;
}

/** RTP packets in, whole frames out; frames that lost a packet are dropped until the next key frame. */
export interface Depacketizer {
  push(packet: RtpPacket): Frame[];
  /** True until a key frame came, and again after a loss made frames undecodable. */
  readonly needsKeyFrame: boolean;
}

export function createDepacketizer(mimeType: string): Depacketizer {
  switch (mimeType.toLowerCase()) {
    case 'audio/opus':
      return new OpusDepacketizer();
    case 'video/vp8':
      return new Vp8Depacketizer();
    case 'video/h264':
      return new H264Depacketizer();
    default:
      throw new Error(`cannot depacketize ${mimeType}`);
  }
}
