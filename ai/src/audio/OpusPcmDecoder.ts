import OpusScript from 'opusscript';

/** The rate captions work at: what Silero VAD and the speech engines take. */
export const PCM_RATE = 16_000;
/** Opus RTP timestamps always run at 48 kHz (RFC 7587), whatever the encoder's rate. */
const RTP_RATE = 48_000;
/** A gap longer than this (a paused producer, DTX silence) is not filled sample by sample. */
const MAX_FILL_S = 1;

/** PCM with the RTP time (48 kHz units, unwrapped) of its first sample. */
export interface PcmChunk {
  /** 16 kHz mono s16le. */
  pcm: Buffer;
  rtpTimestamp: number;
}

/**
 * Opus frames (in RTP order, with unwrapped timestamps) to 16 kHz mono PCM. Opus decodes straight
 * to 16 kHz and folds stereo to mono itself, so no resampler is needed. Lost packets and DTX gaps
 * up to a second become silence, so sample positions keep matching the RTP clock; a longer gap
 * starts a new run (the chunk's rtpTimestamp says where).
 */
export class OpusPcmDecoder {
  readonly #decoder = new OpusScript(PCM_RATE, 1, OpusScript.Application.VOIP);
  #nextTimestamp: number | null = null;
  #closed = false;

  decode(frame: Buffer, rtpTimestamp: number): PcmChunk[] {
    if (this.#closed) return [];
    const chunks: PcmChunk[] = [];
    const expected = this.#nextTimestamp;
    if (expected !== null && rtpTimestamp < expected) return []; // late or duplicate
    if (expected !== null && rtpTimestamp > expected && rtpTimestamp - expected <= MAX_FILL_S * RTP_RATE) {
      const samples = Math.round(((rtpTimestamp - expected) * PCM_RATE) / RTP_RATE);
      chunks.push({ pcm: Buffer.alloc(samples * 2), rtpTimestamp: expected });
    }
    let pcm: Buffer;
    try {
      pcm = Buffer.from(this.#decoder.decode(frame));
    } catch {
      // A corrupt frame is skipped; the next one's timestamp fills the hole with silence.
      return chunks;
    }
    chunks.push({ pcm, rtpTimestamp });
    this.#nextTimestamp = rtpTimestamp + ((pcm.length / 2) * RTP_RATE) / PCM_RATE;
    return chunks;
  }

  /** Where the next frame is expected on the RTP clock (null before the first). */
  get nextTimestamp(): number | null {
    return this.#nextTimestamp;
  }

  /**
   * Silence from where the decoder stands up to `untilRtp` (a DTX pause known to be quiet, see
   * DtxGapFiller); a frame that then arrives for that span is dropped as late.
   */
  fillSilence(untilRtp: number): PcmChunk | null {
    const from = this.#nextTimestamp;
    if (this.#closed || from === null || untilRtp <= from) return null;
    const samples = Math.round(((untilRtp - from) * PCM_RATE) / RTP_RATE);
    if (samples === 0) return null;
    this.#nextTimestamp = from + (samples * RTP_RATE) / PCM_RATE;
    return { pcm: Buffer.alloc(samples * 2), rtpTimestamp: from };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder.delete();
  }
}
