/** Opus RTP timestamps run at 48 kHz; Chromium sends 20 ms frames. */
const TICKS_PER_MS = 48;
const FRAME_MS = 20;
/** The decoded PCM's rate (16 kHz). */
const SAMPLES_PER_MS = 16;

export interface DtxGapFillerOptions {
  /** How late (past when the next frame was due) silence starts to be assumed. Default 60 ms. */
  allowanceMs?: number;
  /** How far past the last frame silence may be assumed (a longer pause is a paused producer). Default 1000 ms. */
  maxFillMs?: number;
  /** RMS (s16) below which a frame counts as quiet. Default 180 (about −45 dBFS). */
  quietRms?: number;
}

/**
 * Decides when silence may be assumed before the next packet arrives. With Opus DTX a sender
 * stops sending after ~200 ms of quiet and sends one comfort-noise frame per 400 ms, so without
 * this the VAD sees the end of a sentence only when the next packet comes, up to 400 ms later,
 * and every final caption waits for it. Only a quiet stream is filled, so a late packet in the
 * middle of speech is never overtaken (a packet later than the allowance after quiet is dropped as
 * late; it would be silence anyway). Pure: the caller brings the clock.
 */
export class DtxGapFiller {
  readonly #allowanceMs: number;
  readonly #maxFillTicks: number;
  readonly #quietRms: number;
  /** The end (RTP) of the last frame that arrived and when the frame after it was due (wall ms). */
  #anchor: { rtp: number; dueMs: number } | null = null;
  #lastRealEnd = 0;
  #quiet = false;

  constructor(options: DtxGapFillerOptions = {}) {
    this.#allowanceMs = options.allowanceMs ?? 60;
    this.#maxFillTicks = (options.maxFillMs ?? 1000) * TICKS_PER_MS;
    this.#quietRms = options.quietRms ?? 180;
  }

  /** When a frame starting at `rtp` (at or after the last one) would have arrived on time. */
  onTimeArrival(rtp: number): number | null {
    const anchor = this.#anchor;
    return anchor ? anchor.dueMs + (rtp - anchor.rtp) / TICKS_PER_MS : null;
  }

  /** A decoded frame: its PCM (s16le), where it ends on the RTP clock, and when it arrived. */
  decoded(pcm: Buffer, rtpEnd: number, arrivalMs: number): void {
    // Frames are sent as they fill, so the next one is due one frame length after this arrived.
    this.#anchor = { rtp: rtpEnd, dueMs: arrivalMs + pcm.length / 2 / SAMPLES_PER_MS };
    this.#lastRealEnd = rtpEnd;
    this.#quiet = rms(pcm) < this.#quietRms;
  }

  /**
   * The RTP time silence may be assumed up to at `nowMs` (whole frames), or null. The caller
   * fills from where its decoder stands to there.
   */
  silenceUntil(nowMs: number): number | null {
    const anchor = this.#anchor;
    if (!anchor || !this.#quiet) return null;
    // The frame due at dueMs is taken for silence once it is allowanceMs late, the next 20 ms later.
    const lateMs = nowMs - this.#allowanceMs - anchor.dueMs;
    if (lateMs < 0) return null;
    const frames = Math.floor(lateMs / FRAME_MS) + 1;
    return Math.min(anchor.rtp + frames * FRAME_MS * TICKS_PER_MS, this.#lastRealEnd + this.#maxFillTicks);
  }
}

function rms(pcm: Buffer): number {
  const samples = pcm.length / 2;
  if (samples === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples; i++) {
    const v = pcm.readInt16LE(i * 2);
    sum += v * v;
  }
  return Math.sqrt(sum / samples);
}
