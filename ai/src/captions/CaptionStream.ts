import { randomUUID } from 'node:crypto';
import type { Caption, CaptionLanguage } from '@classbridge/protocol';
import type { Hypothesis, SpeechEngine } from '../asr/SpeechEngine.js';
import { PCM_RATE } from '../audio/OpusPcmDecoder.js';
import { SpeechSegmenter, type SegmenterOptions } from '../vad/SpeechSegmenter.js';
import { VAD_WINDOW, type SileroVad } from '../vad/SileroVad.js';

const WINDOW_MS = (VAD_WINDOW / PCM_RATE) * 1000;

export interface CaptionStreamOptions {
  participantId: string;
  speaker: string;
  language: CaptionLanguage;
  vad: SileroVad;
  engine: SpeechEngine;
  segmenter?: SegmenterOptions;
  /** Partials are dropped while recognition lags the audio by more than this (finals never are). */
  maxPartialLagMs?: number;
  /** Beyond this lag the utterance is cut and the audio backlog skipped, so captions catch up. */
  maxLagMs?: number;
  /**
   * Audio before the utterance's (padded) start the engine also gets, as it would around a whole
   * file: pocketsphinx's live cepstral mean and its first frames need context. Captions still
   * start at the VAD's start. Default 300 ms.
   */
  enginePreRollMs?: number;
  onCaption: (caption: Caption) => void;
  /** Recognition lag after each engine answer (ms): for the metric. */
  onLag?: (lagMs: number) => void;
  /** An engine failure (the stream goes on with the next utterance). */
  onError?: (error: Error) => void;
}

interface Utterance {
  captionId: string;
  startMs: number;
  /** Capture time of the first audio the engine got (the pre-roll's start): the engine's time zero. */
  engineStartMs: number | null;
  /** Audio given to the engine so far (ms). */
  fedMs: number;
  /** Recognition fell too far behind: the rest of this utterance is not fed (captions catch up). */
  skipped: boolean;
}

/**
 * One speaker's captions: 16 kHz PCM with its capture time in, captions out. Silero VAD finds the
 * utterances (SpeechSegmenter), the engine recognises them while they are spoken (partials), and
 * the final text comes when the utterance ends. Times in captions are capture times (ms since the
 * epoch) of the speech itself, not of when it was recognised.
 */
export class CaptionStream {
  readonly #o: Required<Omit<CaptionStreamOptions, 'segmenter' | 'onLag' | 'onError'>> & Pick<CaptionStreamOptions, 'onLag' | 'onError'>;
  readonly #segmenter: SpeechSegmenter;
  /** Bytes (s16le) not yet a full VAD window, and the capture time of the first of them. */
  #pending: Buffer = Buffer.alloc(0);
  #pendingStartMs = 0;
  /** Recent windows (s16le) kept for the pre-roll a start event reaches back to. */
  #recent: Array<{ startMs: number; pcm: Buffer }> = [];
  /** Where the last utterance ended: the next one's pre-roll never reaches back into it. */
  #lastEndMs = -Infinity;
  #utterance: Utterance | null = null;
  /** The engine's answers are for the utterance fed last; remembered here per captionId. */
  #engineUtterance: Utterance | null = null;
  #work: Promise<void> = Promise.resolve();
  /** end() answers not yet in: flush and close wait for them, so a last final is not lost. */
  readonly #awaitingFinals = new Set<Promise<void>>();
  #closed = false;

  constructor(options: CaptionStreamOptions) {
    this.#o = { maxPartialLagMs: 700, maxLagMs: 4_000, enginePreRollMs: 300, ...options };
    this.#segmenter = new SpeechSegmenter(options.segmenter);
    options.engine.onHypothesis((h) => this.#onPartial(h));
  }

  /** Adds audio (16 kHz mono s16le) captured at `startMs`. Calls are processed in order. */
  push(pcm: Buffer, startMs: number): Promise<void> {
    this.#work = this.#work.then(() => this.#process(pcm, startMs)).catch((error: unknown) => this.#o.onError?.(error as Error));
    return this.#work;
  }

  /** Ends the utterance in progress (the speaker lost the floor, or the lesson ended); resolves once its final caption was emitted. */
  flush(atMs: number): Promise<void> {
    this.#work = this.#work
      .then(async () => {
        this.#handle(this.#segmenter.flush(atMs));
        await Promise.allSettled([...this.#awaitingFinals]);
      })
      .catch((error: unknown) => this.#o.onError?.(error as Error));
    return this.#work;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#work;
    await Promise.allSettled([...this.#awaitingFinals]);
  }

  async #process(pcm: Buffer, startMs: number): Promise<void> {
    if (this.#closed) return;
    if (this.#pending.length === 0) this.#pendingStartMs = startMs;
    const joined = Buffer.concat([this.#pending, pcm]);
    const windowBytes = VAD_WINDOW * 2;
    let offset = 0;
    for (; joined.length - offset >= windowBytes; offset += windowBytes) {
      // The engine gets the bytes as they came; only the VAD needs floats.
      const windowPcm = Buffer.from(joined.subarray(offset, offset + windowBytes));
      const windowStartMs = this.#pendingStartMs + (offset / 2 / PCM_RATE) * 1000;
      this.#recent.push({ startMs: windowStartMs, pcm: windowPcm });
      // About a second: the VAD's start event reaches back its pad and the engine's pre-roll.
      if (this.#recent.length > 32) this.#recent.shift();
      const probability = await this.#o.vad.process(toFloat(windowPcm));
      const events = this.#segmenter.push(windowStartMs, WINDOW_MS, probability);
      if (this.#utterance && events.length === 0) this.#feed(windowPcm, windowStartMs);
      this.#handle(events);
    }
    this.#pending = joined.subarray(offset);
    this.#pendingStartMs += (offset / 2 / PCM_RATE) * 1000;
  }

  #handle(events: ReturnType<SpeechSegmenter['push']>): void {
    for (const event of events) {
      if (event.type === 'start') {
        const utterance: Utterance = { captionId: randomUUID(), startMs: event.atMs, engineStartMs: null, fedMs: 0, skipped: false };
        this.#utterance = utterance;
        this.#engineUtterance = utterance;
        this.#o.engine.begin();
        // The pre-roll: windows from before the (padded) start up to and including the current one.
        const from = Math.max(event.atMs - this.#o.enginePreRollMs, this.#lastEndMs);
        for (const recent of this.#recent) if (recent.startMs + WINDOW_MS > from) this.#feed(recent.pcm, recent.startMs);
      } else {
        const utterance = this.#utterance;
        this.#utterance = null;
        if (!utterance) continue;
        const endMs = event.atMs;
        this.#lastEndMs = endMs;
        // The final is awaited off the audio path: the next utterance's audio keeps flowing.
        const final = this.#o.engine.end().then(
          (hypothesis) => {
            if (hypothesis.text.trim()) this.#emit(utterance, hypothesis.text, true, endMs);
          },
          (error: unknown) => this.#o.onError?.(error as Error),
        );
        this.#awaitingFinals.add(final);
        void final.finally(() => this.#awaitingFinals.delete(final));
      }
    }
  }

  #feed(pcm: Buffer, startMs: number): void {
    const utterance = this.#utterance;
    if (!utterance || utterance.skipped) return;
    utterance.engineStartMs ??= startMs;
    this.#o.engine.audio(pcm);
    utterance.fedMs += (pcm.length / 2 / PCM_RATE) * 1000;
  }

  #onPartial(hypothesis: Hypothesis): void {
    if (hypothesis.final) return;
    const utterance = this.#engineUtterance;
    if (!utterance) return;
    const lagMs = Math.max(0, utterance.fedMs - hypothesis.audioMs);
    this.#o.onLag?.(lagMs);
    if (lagMs > this.#o.maxLagMs && this.#utterance === utterance) {
      // Far behind: stop feeding this utterance; its final covers what was recognised, and the
      // next utterance starts fresh instead of queueing behind the backlog.
      utterance.skipped = true;
      return;
    }
    if (!hypothesis.changed || !hypothesis.text.trim() || lagMs > this.#o.maxPartialLagMs) return;
    if (this.#utterance !== utterance) return;
    // The engine counts from its first audio, the pre-roll's start.
    this.#emit(utterance, hypothesis.text, false, (utterance.engineStartMs ?? utterance.startMs) + hypothesis.audioMs);
  }

  #emit(utterance: Utterance, text: string, final: boolean, endMs: number): void {
    try {
      this.#o.onCaption({
        captionId: utterance.captionId,
        participantId: this.#o.participantId,
        speaker: this.#o.speaker,
        language: this.#o.language,
        text,
        final,
        startMs: Math.round(utterance.startMs),
        endMs: Math.round(endMs),
      });
    } catch {
      // The listener's error is its own.
    }
  }
}

function toFloat(pcm: Buffer): Float32Array {
  const samples = new Float32Array(pcm.length / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2) / 32768;
  return samples;
}
