import { BAND_COUNT, BandEnergyAnalyzer } from './BandEnergyAnalyzer.js';
import { EnvelopeFeatures } from './EnvelopeFeatures.js';
import { TimedFramer } from './TimedFramer.js';

/** One stream's path from timestamped samples to analysed frames on the shared grid. */
export class StreamAnalysis {
  readonly #framer: TimedFramer;
  readonly #bands = new BandEnergyAnalyzer();
  readonly #envelope = new EnvelopeFeatures();
  readonly #energies = new Float64Array(BAND_COUNT);
  readonly #features = new Float64Array(BAND_COUNT);

  /**
   * @param onFrame called per 10 ms grid frame with its band-envelope features and in-band power (the arrays are reused).
   * @param onRestart called when the stream jumps (see TimedFramer).
   */
  constructor(onFrame: (index: number, features: Float64Array, power: number) => void, onRestart: () => void) {
    this.#framer = new TimedFramer((index, window) => {
      const power = this.#bands.analyze(window, this.#energies);
      this.#envelope.compute(this.#energies, this.#features);
      onFrame(index, this.#features, power);
    }, onRestart);
  }

  /** Adds 16 kHz mono samples whose first sample was captured at `startMs`. */
  push(samples: Float32Array, startMs: number): void {
    this.#framer.push(samples, startMs);
  }

  reset(): void {
    this.#framer.reset();
    this.#envelope.reset();
  }
}
