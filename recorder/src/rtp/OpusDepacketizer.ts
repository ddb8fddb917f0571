import type { Depacketizer, Frame } from './Depacketizer.js';
import type { RtpPacket } from './RtpPacket.js';
import { Unwrapper } from './unwrap.js';

/** Opus (RFC 7587): every packet is one frame; late and duplicate packets are dropped. */
export class OpusDepacketizer implements Depacketizer {
  readonly needsKeyFrame = false;
  readonly #sequence = new Unwrapper(16);
  readonly #timestamps = new Unwrapper(32);
  #lastSequence = -Infinity;

  push(packet: RtpPacket): Frame[] {
    const sequence = this.#sequence.unwrap(packet.sequenceNumber);
    const timestamp = this.#timestamps.unwrap(packet.timestamp);
    if (sequence <= this.#lastSequence || packet.payload.length === 0) return [];
    this.#lastSequence = sequence;
    return [{ data: Buffer.from(packet.payload), timestamp, keyFrame: true }];
  }
}
