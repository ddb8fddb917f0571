/** Lesson languages captions are recognised in. */
export type CaptionLanguage = 'zh' | 'en';

/** A hypothesis for the utterance in progress (`final` once the utterance has ended). */
export interface Hypothesis {
  text: string;
  final: boolean;
  /** Audio of the utterance recognised so far (ms): how far the engine has got. */
  audioMs: number;
  /** The text differs from the previous hypothesis of the utterance. */
  changed: boolean;
}

/**
 * One speech-recognition stream: an utterance is `begin()`, audio (16 kHz mono s16le), `end()`.
 * Partial hypotheses arrive through `onHypothesis` while audio is fed; `end()` resolves with the
 * final one. Implementations isolate their engine (another process) and time out rather than hang,
 * so a stuck or crashing engine costs captions, never the lesson.
 */
export interface SpeechEngine {
  readonly name: string;
  readonly language: CaptionLanguage;
  /** Loads the model (and starts the engine's process, if it has one); rejects with an EngineError. */
  start(): Promise<void>;
  begin(): void;
  audio(pcm: Buffer): void;
  end(): Promise<Hypothesis>;
  onHypothesis(listener: (hypothesis: Hypothesis) => void): void;
  close(): Promise<void>;
  readonly closed: boolean;
}

/** Error codes a caption engine reports (stable: they reach logs, metrics and operators). */
export const EngineErrorCode = {
  /** The engine's model is missing or unusable (names the path and the fetch script). */
  ModelUnusable: 'ASR_MODEL_UNUSABLE',
  /** The engine did not answer in time and was restarted. */
  Timeout: 'ASR_TIMEOUT',
  /** The engine's process died; it is restarted. */
  Crashed: 'ASR_CRASHED',
  /** The engine is not installed on this machine. */
  Unavailable: 'ASR_UNAVAILABLE',
} as const;
export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode];

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
