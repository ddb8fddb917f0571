/** Where utterances start and end, from per-window speech probabilities (pure; no audio, no clock). */
export interface SegmenterOptions {
  /** Probability at which speech starts (Silero's own recommendation: 0.5). */
  startThreshold?: number;
  /** Probability under which a window counts as silence (hysteresis: lower than the start). */
  endThreshold?: number;
  /** Silence that ends an utterance. */
  endSilenceMs?: number;
  /** After this long, a shorter pause already ends the utterance (long monologues are cut at pauses). */
  softMaxMs?: number;
  /** The shorter pause that cuts an utterance longer than softMaxMs. */
  cutPauseMs?: number;
  /** An utterance is cut here even without a pause (a new one follows at once). */
  hardMaxMs?: number;
  /** Audio kept before the first speech window and after the last one (soft onsets and endings). */
  padMs?: number;
}

export type SegmentEvent =
  | { type: 'start'; atMs: number }
  | { type: 'end'; atMs: number; reason: 'silence' | 'pause' | 'max' };

const DEFAULTS: Required<SegmenterOptions> = {
  startThreshold: 0.5,
  endThreshold: 0.35,
  endSilenceMs: 500,
  softMaxMs: 8_000,
  cutPauseMs: 160,
  hardMaxMs: 15_000,
  padMs: 100,
};

/**
 * Turns a stream of (window start, window length, speech probability) into utterance boundaries.
 * Times are whatever clock the caller uses (ms); windows must come in order.
 */
export class SpeechSegmenter {
  readonly #options: Required<SegmenterOptions>;
  #startMs: number | null = null;
  /** End of the last window that was speech, in the current utterance. */
  #lastSpeechEndMs = 0;

  constructor(options: SegmenterOptions = {}) {
    this.#options = { ...DEFAULTS, ...options };
  }

  get speaking(): boolean {
    return this.#startMs !== null;
  }

  /** Start of the utterance in progress, if any. */
  get utteranceStartMs(): number | null {
    return this.#startMs;
  }

  push(windowStartMs: number, windowMs: number, probability: number): SegmentEvent[] {
    const o = this.#options;
    const windowEndMs = windowStartMs + windowMs;
    if (this.#startMs === null) {
      if (probability < o.startThreshold) return [];
      this.#startMs = Math.max(0, windowStartMs - o.padMs);
      this.#lastSpeechEndMs = windowEndMs;
      return [{ type: 'start', atMs: this.#startMs }];
    }
    if (probability >= o.endThreshold) this.#lastSpeechEndMs = windowEndMs;
    const silenceMs = windowEndMs - this.#lastSpeechEndMs;
    const lengthMs = windowEndMs - this.#startMs;
    if (silenceMs >= o.endSilenceMs) return this.#end('silence');
    if (lengthMs >= o.softMaxMs && silenceMs >= o.cutPauseMs) return this.#end('pause');
    if (lengthMs >= o.hardMaxMs) {
      // No pause in sight: cut here and go straight on with a new utterance.
      this.#startMs = windowEndMs;
      this.#lastSpeechEndMs = windowEndMs;
      return [
        { type: 'end', atMs: windowEndMs, reason: 'max' },
        { type: 'start', atMs: windowEndMs },
      ];
    }
    return [];
  }

  /** Ends the utterance in progress now (the speaker stopped being captioned). */
  flush(atMs: number): SegmentEvent[] {
    if (this.#startMs === null) return [];
    this.#startMs = null;
    return [{ type: 'end', atMs: Math.min(atMs, this.#lastSpeechEndMs + this.#options.padMs), reason: 'silence' }];
  }

  #end(reason: 'silence' | 'pause'): SegmentEvent[] {
    this.#startMs = null;
    return [{ type: 'end', atMs: this.#lastSpeechEndMs + this.#options.padMs, reason }];
  }
}
