import { BAND_COUNT } from './BandEnergyAnalyzer.js';

/** Added to energies (FFT units) so digital silence has a finite log, far under any real sound. */
const ENERGY_FLOOR = 1e-10;
/** Each band is floored this far under its recent peak: quiet detail below it is noise, not envelope. */
const FLOOR_BELOW_PEAK_DB = 30;
/** How fast a band's remembered peak decays (dB per frame: 1 dB/s), so the floor follows level changes. */
const PEAK_DECAY_DB = 0.01;
/** The high-pass subtracts the mean of this many frames (150 ms): syllable-rate detail stays, level and coloration go. */
const MEAN_FRAMES = 15;

/**
 * Per-band envelope features of one stream: log energy (dB), floored under the band's recent peak,
 * minus its mean over the last 150 ms. The log makes a gain (the echo path's attenuation and
 * coloration, a fixed dB offset per band) additive, and the high-pass removes it; what is left is
 * the syllable-scale rise and fall that an echo copies and an independent voice does not.
 */
export class EnvelopeFeatures {
  readonly #peakDb = new Float64Array(BAND_COUNT).fill(-Infinity);
  /** The last MEAN_FRAMES floored levels per band (frame-major, circular) and their sums. */
  readonly #recent = new Float64Array(MEAN_FRAMES * BAND_COUNT);
  readonly #sums = new Float64Array(BAND_COUNT);
  #slot = 0;
  #seen = 0;

  /** Features of the frame with band `energies` into `out` (both BAND_COUNT long). */
  compute(energies: Float64Array, out: Float64Array): void {
    const base = this.#slot * BAND_COUNT;
    const count = Math.min(this.#seen + 1, MEAN_FRAMES);
    for (let b = 0; b < BAND_COUNT; b++) {
      const db = 10 * Math.log10(energies[b]! + ENERGY_FLOOR);
      const peak = Math.max(db, this.#peakDb[b]! - PEAK_DECAY_DB);
      this.#peakDb[b] = peak;
      const floored = Math.max(db, peak - FLOOR_BELOW_PEAK_DB);
      // Before MEAN_FRAMES frames the slot is empty (0), so the running sum stays right.
      this.#sums[b] = this.#sums[b]! + floored - this.#recent[base + b]!;
      this.#recent[base + b] = floored;
      out[b] = floored - this.#sums[b]! / count;
    }
    this.#slot = (this.#slot + 1) % MEAN_FRAMES;
    this.#seen++;
  }

  reset(): void {
    this.#peakDb.fill(-Infinity);
    this.#recent.fill(0);
    this.#sums.fill(0);
    this.#slot = 0;
    this.#seen = 0;
  }
}
