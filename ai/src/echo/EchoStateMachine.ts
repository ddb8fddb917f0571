import type { EchoConfig } from './echoConfig.js';
import type { EchoState } from './EchoVerdict.js';

/**
 * The hysteresis between `clear`, `suspect` and `leaking`. Fed one evaluation at a time (only those
 * with enough reference activity: while the teacher is silent nothing can be learnt, so the state
 * holds). Every move needs its condition to hold for a while, and the way back needs a lower
 * confidence than the way in, so the state does not flap:
 * - clear → suspect: confidence ≥ suspectAt.
 * - suspect → leaking: confidence ≥ leakingAt for leakingHoldMs, the delay steady within delayToleranceMs.
 * - suspect → clear: confidence < clearAt for clearHoldMs.
 * - leaking → suspect: confidence < releaseAt for releaseHoldMs.
 */
export class EchoStateMachine {
  readonly #c: EchoConfig;
  #state: EchoState = 'clear';
  #since: number | null = null;
  /** Evaluated time (ms) that confidence has been high enough to rise, at a steady delay… */
  #risingMs = 0;
  /** …the delay that rise started at… */
  #anchorDelayMs = 0;
  /** …and the time it has been low enough to fall back. */
  #fallingMs = 0;

  constructor(config: EchoConfig) {
    this.#c = config;
  }

  get state(): EchoState {
    return this.#state;
  }

  /** When the current state was entered (capture ms); null before any audio. */
  get since(): number | null {
    return this.#since;
  }

  /** Marks the first audio's capture time as the start of the initial `clear`. */
  start(atMs: number): void {
    this.#since ??= atMs;
  }

  /** One evaluation at `atMs` (capture ms) with `confidence` at `delayMs`; returns whether the state changed. */
  update(atMs: number, confidence: number, delayMs: number): boolean {
    const c = this.#c;
    const step = c.evaluateEveryMs;
    switch (this.#state) {
      case 'clear':
        if (confidence >= c.suspectAt) return this.#enter('suspect', atMs);
        return false;
      case 'suspect':
        if (confidence < c.leakingAt) {
          this.#risingMs = 0;
        } else if (this.#risingMs > 0 && Math.abs(delayMs - this.#anchorDelayMs) <= c.delayToleranceMs) {
          this.#risingMs += step;
        } else {
          this.#anchorDelayMs = delayMs;
          this.#risingMs = step;
        }
        this.#fallingMs = confidence < c.clearAt ? this.#fallingMs + step : 0;
        if (this.#risingMs >= c.leakingHoldMs) return this.#enter('leaking', atMs);
        if (this.#fallingMs >= c.clearHoldMs) return this.#enter('clear', atMs);
        return false;
      case 'leaking':
        this.#fallingMs = confidence < c.releaseAt ? this.#fallingMs + step : 0;
        if (this.#fallingMs >= c.releaseHoldMs) return this.#enter('suspect', atMs);
        return false;
    }
  }

  reset(): void {
    this.#state = 'clear';
    this.#since = null;
    this.#risingMs = 0;
    this.#fallingMs = 0;
  }

  #enter(state: EchoState, atMs: number): true {
    this.#state = state;
    this.#since = atMs;
    this.#risingMs = 0;
    this.#fallingMs = 0;
    return true;
  }
}
