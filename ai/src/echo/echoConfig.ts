import type { EchoVerdict } from './EchoVerdict.js';

/** Both streams are analysed at this rate (what OpusPcmDecoder hands out). */
export const SAMPLE_RATE = 16_000;
/** Feature frames are taken every 10 ms on a grid shared by both streams (frame n starts at n × 10 ms). */
export const FRAME_MS = 10;
export const HOP_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;
/** Analysis window: 16 ms (a power of two for the FFT), overlapping the next frame by 6 ms. */
export const WINDOW_SAMPLES = 256;

/** Tuning of EchoDetector. Every field has a default that the tests were run with. */
export interface EchoDetectorOptions {
  /** Shortest echo delay looked for (ms, mic after reference). Default 20. */
  minDelayMs?: number;
  /** Longest echo delay looked for (ms). Default 600. */
  maxDelayMs?: number;
  /** Length of the sliding correlation window (ms). Default 3000. */
  windowMs?: number;
  /** How often the correlation is evaluated (ms of microphone audio). Default 50. */
  evaluateEveryMs?: number;
  /** Time constant of the averaging of correlation curves over evaluations (ms). Default 1000. */
  smoothingMs?: number;
  /** Share of the window in which the reference must be active for an evaluation to count. Default 0.2. */
  minReferenceActivity?: number;
  /** Confidence at which `clear` becomes `suspect`. Default 0.3. */
  suspectAt?: number;
  /** Confidence that `suspect` must hold, at a steady delay, to become `leaking`. Default 0.45. */
  leakingAt?: number;
  /** How long (ms of evaluated audio) `leakingAt` must hold at a steady delay. Default 500. */
  leakingHoldMs?: number;
  /** Confidence under which `leaking` starts to release. Default 0.3. */
  releaseAt?: number;
  /** How long (ms of evaluated audio) confidence must stay under `releaseAt` to leave `leaking`. Default 2000. */
  releaseHoldMs?: number;
  /** Confidence under which `suspect` falls back to `clear`… Default 0.2. */
  clearAt?: number;
  /** …after this long (ms of evaluated audio). Default 1000. */
  clearHoldMs?: number;
  /** How far (ms) the peak may wander and still count as the same delay. Default 20. */
  delayToleranceMs?: number;
  /** Called whenever the verdict's state changes. */
  onStateChange?: (verdict: EchoVerdict) => void;
}

export type EchoConfig = Required<Omit<EchoDetectorOptions, 'onStateChange'>>;

export const DEFAULT_ECHO_CONFIG: EchoConfig = {
  minDelayMs: 20,
  maxDelayMs: 600,
  windowMs: 3000,
  evaluateEveryMs: 50,
  smoothingMs: 1000,
  minReferenceActivity: 0.2,
  suspectAt: 0.3,
  leakingAt: 0.45,
  leakingHoldMs: 500,
  releaseAt: 0.3,
  releaseHoldMs: 2000,
  clearAt: 0.2,
  clearHoldMs: 1000,
  delayToleranceMs: 20,
};
