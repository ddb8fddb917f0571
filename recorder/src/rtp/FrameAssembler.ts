import type { Depacketizer, Frame } from './Depacketizer.js';
import type { RtpPacket } from './RtpPacket.js';
import { Unwrapper } from './unwrap.js';

/** How many packets may wait for a missing one before it is declared lost. */
const REORDER_WINDOW = 64;

/** What a video codec contributes: where frames start, and how payloads become a frame. */
export interface VideoPayloadFormat {
  /** The payload begins a new frame (its first packet). */
  isFrameStart(payload: Buffer): boolean;
  /** The frame's bitstream from its packets' payloads in order; null when they make no valid frame. */
  assemble(payloads: Buffer[]): { data: Buffer; keyFrame: boolean; width?: number; height?: number } | null;
}

interface Stored {
  timestamp: number;
  marker: boolean;
  payload: Buffer;
}

/**
 * Reassembles video frames from RTP packets: a small reorder buffer keyed by
 * extended sequence number, a frame emitted once every packet from its first to
 * the one with the marker bit is in. A missing packet that does not turn up
 * within the reorder window loses its frame; decoding then needs a key frame,
 * so frames are dropped (and `needsKeyFrame` says so) until one arrives.
 */
export class FrameAssembler implements Depacketizer {
  readonly #format: VideoPayloadFormat;
  readonly #sequence = new Unwrapper(16);
  readonly #timestamps = new Unwrapper(32);
  readonly #buffer = new Map<number, Stored>();
  /** First sequence number of the next frame (null until a frame start has been seen). */
  #next: number | null = null;
  #highest = -Infinity;
  #needsKeyFrame = true;

  constructor(format: VideoPayloadFormat) {
    this.#format = format;
  }

  get needsKeyFrame(): boolean {
    return this.#needsKeyFrame;
  }

  push(packet: RtpPacket): Frame[] {
    const sequence = this.#sequence.unwrap(packet.sequenceNumber);
    const timestamp = this.#timestamps.unwrap(packet.timestamp);
    if ((this.#next !== null && sequence < this.#next) || this.#buffer.has(sequence) || packet.payload.length === 0) return [];
    this.#buffer.set(sequence, { timestamp, marker: packet.marker, payload: Buffer.from(packet.payload) });
    this.#highest = Math.max(this.#highest, sequence);
    if (this.#next === null) {
      if (!this.#format.isFrameStart(packet.payload)) {
        this.#trim();
        return [];
      }
      this.#next = sequence;
    }
    const frames: Frame[] = [];
    for (;;) {
      const frame = this.#takeFrame();
      if (frame === undefined) break;
      if (frame) frames.push(frame);
    }
    return frames;
  }

  /** The next complete frame (null: one was dropped), or undefined when none is complete yet. */
  #takeFrame(): Frame | null | undefined {
    const start = this.#next!;
    const first = this.#buffer.get(start);
    if (first) {
      const payloads: Buffer[] = [];
      for (let sequence = start; ; sequence++) {
        const stored = this.#buffer.get(sequence);
        if (!stored) break;
        if (stored.timestamp !== first.timestamp) {
          // A new frame began before this one's marker: its end was lost.
          return this.#lose(sequence);
        }
        payloads.push(stored.payload);
        if (stored.marker) {
          for (let done = start; done <= sequence; done++) this.#buffer.delete(done);
          this.#next = sequence + 1;
          return this.#emit(first.timestamp, payloads);
        }
      }
    }
    // Something is missing: wait for it, unless it is hopelessly late.
    if (this.#highest - start < REORDER_WINDOW) return undefined;
    return this.#lose(start + 1);
  }

  #emit(timestamp: number, payloads: Buffer[]): Frame | null {
    const assembled = this.#format.assemble(payloads);
    if (!assembled) {
      this.#needsKeyFrame = true;
      return null;
    }
    if (this.#needsKeyFrame && !assembled.keyFrame) return null;
    this.#needsKeyFrame = false;
    return { ...assembled, timestamp };
  }

  /** Drops the broken frame: resumes at the first buffered frame start from `from` on. */
  #lose(from: number): null | undefined {
    this.#needsKeyFrame = true;
    const candidates = [...this.#buffer.keys()].filter((sequence) => sequence >= from).sort((a, b) => a - b);
    const restart = candidates.find((sequence) => this.#format.isFrameStart(this.#buffer.get(sequence)!.payload));
    for (const sequence of [...this.#buffer.keys()]) if (restart === undefined || sequence < restart) this.#buffer.delete(sequence);
    if (restart === undefined) {
      this.#next = null;
      return undefined;
    }
    this.#next = restart;
    return null;
  }

  #trim(): void {
    // Before the first frame start, keep nothing: those packets belong to a frame we never saw begin.
    this.#buffer.clear();
  }
}
