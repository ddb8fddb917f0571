import { ActivityDetector } from './ActivityDetector.js';
import { BAND_COUNT } from './BandEnergyAnalyzer.js';
import { DEFAULT_ECHO_CONFIG, FRAME_MS, type EchoConfig, type EchoDetectorOptions } from './echoConfig.js';
import { EchoReturnLoss } from './EchoReturnLoss.js';
import { EchoStateMachine } from './EchoStateMachine.js';
import type { EchoVerdict } from './EchoVerdict.js';
import { LagCorrelator } from './LagCorrelator.js';
import { LagTracker, type LagPeak } from './LagTracker.js';
import { StreamAligner, type AnalysedFrame } from './StreamAligner.js';
import { StreamAnalysis } from './StreamAnalysis.js';

/** How long a microphone frame waits for its reference before that counts as silence (frames: 1 s). */
const MAX_WAIT_FRAMES = 100;
/** Reference frames kept for pairing (frames: 3 s, so the teacher's stream may run that far ahead). */
const KEEP_REFERENCE_FRAMES = 300;
/** Evaluations start once the window is this full: earlier, too little audio to judge. */
const MIN_WINDOW_FILL = 0.5;

/**
 * Server-side echo guard for one classroom. Fed what the classroom was sent (the reference: the
 * teacher's audio) and what its microphone picked up, both 16 kHz mono with capture times on one
 * wall clock, it decides whether the microphone carries a delayed, attenuated, coloured copy of the
 * reference — the room's loudspeakers leaking into its microphone past a failed echo canceller.
 *
 * How: each stream becomes 12 band envelopes (log energy every 10 ms, 250–4000 Hz, high-passed so
 * that gain and coloration cancel); a sliding 3 s normalised cross-correlation compares them at
 * every delay from 20 to 600 ms; the curves are averaged over time so that a peak that stays at
 * one delay builds up while chance peaks do not; and a state machine with hysteresis turns the
 * averaged peak into `clear`/`suspect`/`leaking`. Only windows where the teacher was actually
 * speaking count, so silence on the teacher's side never raises an alarm.
 *
 * Pure computation, no I/O or timers: push audio as it comes (chunks of any size, slightly out of
 * step between the streams) and read verdict() whenever needed.
 */
export class EchoDetector {
  readonly #c: EchoConfig;
  readonly #onStateChange: ((verdict: EchoVerdict) => void) | undefined;
  readonly #minLag: number;
  readonly #evaluateEvery: number;
  readonly #smoothing: number;
  readonly #reference: StreamAnalysis;
  readonly #microphone: StreamAnalysis;
  readonly #activity = new ActivityDetector();
  readonly #aligner: StreamAligner;
  readonly #correlator: LagCorrelator;
  readonly #tracker: LagTracker;
  readonly #returnLoss: EchoReturnLoss;
  readonly #states: EchoStateMachine;
  readonly #correlations: Float64Array;
  /** Whether each of the window's reference frames was active (circular), and how many were. */
  readonly #activeInWindow: Uint8Array;
  #activeCount = 0;
  #pairs = 0;
  #peak: LagPeak | null = null;
  #returnLossDb: number | null = null;

  constructor(options: EchoDetectorOptions = {}) {
    const { onStateChange, ...tuning } = options;
    const c: EchoConfig = { ...DEFAULT_ECHO_CONFIG, ...definedOnly(tuning) };
    validate(c);
    this.#evaluateEvery = Math.round(c.evaluateEveryMs / FRAME_MS);
    c.evaluateEveryMs = this.#evaluateEvery * FRAME_MS; // what the state machine's hold times count in
    this.#c = c;
    this.#onStateChange = onStateChange;
    this.#minLag = Math.round(c.minDelayMs / FRAME_MS);
    const maxLag = Math.round(c.maxDelayMs / FRAME_MS);
    const windowFrames = Math.round(c.windowMs / FRAME_MS);
    this.#smoothing = 1 - Math.exp(-(this.#evaluateEvery * FRAME_MS) / c.smoothingMs);
    this.#correlator = new LagCorrelator(BAND_COUNT, this.#minLag, maxLag, windowFrames);
    this.#correlations = new Float64Array(this.#correlator.lagCount);
    this.#tracker = new LagTracker(this.#correlator.lagCount, this.#smoothing);
    this.#returnLoss = new EchoReturnLoss(this.#correlator.lagCount, windowFrames);
    this.#states = new EchoStateMachine(c);
    this.#activeInWindow = new Uint8Array(windowFrames);
    this.#aligner = new StreamAligner({
      bands: BAND_COUNT,
      minLag: this.#minLag,
      maxWaitFrames: MAX_WAIT_FRAMES,
      keepFrames: KEEP_REFERENCE_FRAMES,
      onPair: (index, reference, microphone) => this.#onPair(index, reference, microphone),
    });
    this.#reference = new StreamAnalysis(
      (index, features, power) => this.#aligner.addReference(index, features, power, this.#activity.update(power)),
      () => this.#aligner.restartReference(),
    );
    this.#microphone = new StreamAnalysis(
      (index, features, power) => this.#aligner.addMicrophone(index, features, power),
      () => this.#restartMicrophone(),
    );
  }

  /** Adds audio the classroom was sent (16 kHz mono, −1…1) whose first sample was captured at `startMs`. */
  pushReference(samples: Float32Array, startMs: number): void {
    this.#reference.push(samples, startMs);
  }

  /** Adds audio from the classroom's microphone (16 kHz mono, −1…1) whose first sample was captured at `startMs`. */
  pushMicrophone(samples: Float32Array, startMs: number): void {
    this.#microphone.push(samples, startMs);
  }

  /** The current judgement (a fresh object). */
  verdict(): EchoVerdict {
    const state = this.#states.state;
    const peak = this.#peak;
    return {
      state,
      delayMs: peak === null ? null : Math.round((this.#minLag + peak.index) * FRAME_MS),
      confidence: peak === null ? 0 : Math.max(0, Math.min(1, peak.value)),
      echoReturnLossDb: state === 'clear' || this.#returnLossDb === null ? null : Math.round(this.#returnLossDb * 10) / 10,
      since: this.#states.since,
    };
  }

  /** Forgets everything: both streams, the correlation history and the verdict (back to `clear`). */
  reset(): void {
    this.#reference.reset();
    this.#microphone.reset();
    this.#activity.reset();
    this.#aligner.reset();
    this.#correlator.reset();
    this.#tracker.reset();
    this.#returnLoss.reset();
    this.#states.reset();
    this.#activeInWindow.fill(0);
    this.#activeCount = 0;
    this.#pairs = 0;
    this.#peak = null;
    this.#returnLossDb = null;
  }

  #onPair(index: number, reference: AnalysedFrame, microphone: AnalysedFrame): void {
    this.#states.start(index * FRAME_MS);
    this.#correlator.push(reference.features, microphone.features);
    this.#returnLoss.push(reference.power, microphone.power);
    const slot = this.#pairs % this.#activeInWindow.length;
    this.#activeCount += (reference.active ? 1 : 0) - this.#activeInWindow[slot]!;
    this.#activeInWindow[slot] = reference.active ? 1 : 0;
    this.#pairs++;
    if (this.#pairs % this.#evaluateEvery === 0) this.#evaluate((index + 1) * FRAME_MS);
  }

  /** One look at the window ending at `atMs`: only when the teacher spoke enough in it. */
  #evaluate(atMs: number): void {
    const windowFrames = this.#correlator.windowFrames;
    if (this.#correlator.frames < windowFrames * MIN_WINDOW_FILL) return;
    if (this.#activeCount < this.#c.minReferenceActivity * windowFrames) return;
    this.#correlator.correlations(this.#correlations);
    this.#tracker.update(this.#correlations);
    const peak = this.#tracker.peak();
    this.#peak = peak;
    const changed = this.#states.update(atMs, peak.value, (this.#minLag + peak.index) * FRAME_MS);
    if (this.#states.state === 'clear') {
      this.#returnLossDb = null;
    } else {
      const estimate = this.#returnLoss.estimateDb(Math.round(peak.index));
      if (estimate !== null) this.#returnLossDb = this.#returnLossDb === null ? estimate : this.#returnLossDb + this.#smoothing * (estimate - this.#returnLossDb);
    }
    if (changed) this.#onStateChange?.(this.verdict());
  }

  /** The microphone jumped (a long gap): what is waiting is paired, and the window starts afresh. */
  #restartMicrophone(): void {
    this.#aligner.flush();
    this.#correlator.reset();
    this.#returnLoss.reset();
    this.#activeInWindow.fill(0);
    this.#activeCount = 0;
    this.#pairs = 0;
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function validate(c: EchoConfig): void {
  const problems: string[] = [];
  if (!(c.minDelayMs >= 0 && c.maxDelayMs >= c.minDelayMs + FRAME_MS)) problems.push('need 0 ≤ minDelayMs < maxDelayMs');
  if (!(c.windowMs >= 500)) problems.push('windowMs must be ≥ 500');
  if (!(c.evaluateEveryMs >= FRAME_MS && c.smoothingMs > 0)) problems.push(`evaluateEveryMs must be ≥ ${FRAME_MS} and smoothingMs > 0`);
  if (!(c.minReferenceActivity >= 0 && c.minReferenceActivity <= 1)) problems.push('minReferenceActivity must be in 0…1');
  if (!(c.clearAt <= c.suspectAt && c.suspectAt <= c.leakingAt && c.releaseAt <= c.leakingAt)) problems.push('need clearAt ≤ suspectAt ≤ leakingAt and releaseAt ≤ leakingAt');
  if (problems.length > 0) throw new RangeError(`EchoDetector options: ${problems.join('; ')}`);
}
