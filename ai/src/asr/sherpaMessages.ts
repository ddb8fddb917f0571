import type { SherpaModelFiles } from './sherpaModel.js';

/** How the recognizer process is started (JSON in its argv). */
export interface SherpaProcessConfig {
  files: SherpaModelFiles;
  numThreads: number;
  decodingMethod: 'greedy_search' | 'modified_beam_search';
}

/** SherpaOnnxEngine → recognizer process (IPC, advanced serialization: audio goes as bytes). */
export type SherpaCommand =
  | { type: 'begin'; utterance: number }
  /** 16 kHz mono s16le. */
  | { type: 'audio'; pcm: Uint8Array }
  | { type: 'end'; utterance: number };

/** Recognizer process → SherpaOnnxEngine. */
export type SherpaEvent =
  | { type: 'ready'; loadMs: number }
  /** The recognizer threw while loading (a bad config or model the library reports); the process exits. */
  | { type: 'loadFailed'; message: string }
  /** sherpa-onnx-node's native addon cannot be loaded on this machine. */
  | { type: 'unavailable'; message: string }
  /**
   * One answer per audio chunk (`audioMs`: the utterance's audio decoded so far, the caller's lag
   * measure) and the final one after `end`. `decodeMs`: time spent in the recognizer for the utterance.
   */
  | { type: 'hypothesis'; utterance: number; text: string; final: boolean; changed: boolean; audioMs: number; decodeMs: number };
