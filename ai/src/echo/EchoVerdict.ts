/**
 * What the echo guard says about one classroom:
 * - `clear`: no sign of the reference (the teacher's audio) in the classroom microphone.
 * - `suspect`: the envelopes correlate more than chance would explain, not yet long or strongly enough to be sure.
 * - `leaking`: the microphone carries a delayed copy of the reference: the teacher hears themself.
 */
export type EchoState = 'clear' | 'suspect' | 'leaking';

/** The echo guard's current judgement (see EchoDetector.verdict()). */
export interface EchoVerdict {
  state: EchoState;
  /**
   * How far the microphone lags the reference (ms): the delay of the strongest stable correlation
   * peak. An estimate in every state (meaningful once `state` is not `clear`); null until the
   * reference has been active long enough to look.
   */
  delayMs: number | null;
  /** The time-averaged envelope correlation at `delayMs`, 0…1: how surely the microphone follows the reference. */
  confidence: number;
  /**
   * Echo level in the microphone relative to the reference (dB, ≤ 0 for an attenuating path, e.g.
   * −12): the power gain of the echo path over 250–4000 Hz. Null while `clear`, or when it cannot
   * be estimated (no reference activity at the delay).
   */
  echoReturnLossDb: number | null;
  /** Capture time (ms, the streams' wall clock) at which `state` was entered; null before any audio. */
  since: number | null;
}
