import { SAMPLE_RATE, WINDOW_SAMPLES } from './echoConfig.js';
import { PowerSpectrum } from './PowerSpectrum.js';

/** Lowest and highest frequency analysed (Hz): where speech lives and loudspeakers reproduce it. */
export const BAND_LOW_HZ = 250;
export const BAND_HIGH_HZ = 4000;
/** Third-octave bands over 250–4000 Hz: fine enough that two voices' formants differ, few enough to be cheap. */
export const BAND_COUNT = 12;

/**
 * One analysis window (Hann, WINDOW_SAMPLES long) to the energy in each of BAND_COUNT
 * log-spaced bands. Energies are in FFT units (|X|² summed over the band's bins), comparable
 * between streams analysed the same way.
 */
export class BandEnergyAnalyzer {
  readonly #spectrum = new PowerSpectrum(WINDOW_SAMPLES);
  readonly #window = new Float64Array(WINDOW_SAMPLES);
  readonly #windowed = new Float64Array(WINDOW_SAMPLES);
  readonly #power = new Float64Array(WINDOW_SAMPLES / 2 + 1);
  /** First bin of band b is #edges[b]; its last is #edges[b + 1] − 1. */
  readonly #edges: Int32Array;

  constructor() {
    for (let i = 0; i < WINDOW_SAMPLES; i++) this.#window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / WINDOW_SAMPLES);
    this.#edges = bandEdges();
  }

  /** Band energies of `samples` (WINDOW_SAMPLES, oldest first) into `out` (BAND_COUNT long); returns their sum. */
  analyze(samples: ArrayLike<number>, out: Float64Array): number {
    for (let i = 0; i < WINDOW_SAMPLES; i++) this.#windowed[i] = samples[i]! * this.#window[i]!;
    this.#spectrum.compute(this.#windowed, this.#power);
    let total = 0;
    for (let b = 0; b < BAND_COUNT; b++) {
      let energy = 0;
      for (let k = this.#edges[b]!; k < this.#edges[b + 1]!; k++) energy += this.#power[k]!;
      out[b] = energy;
      total += energy;
    }
    return total;
  }
}

/** Bin edges of the bands, each band at least one bin wide. */
function bandEdges(): Int32Array {
  const binHz = SAMPLE_RATE / WINDOW_SAMPLES;
  const edges = new Int32Array(BAND_COUNT + 1);
  for (let b = 0; b <= BAND_COUNT; b++) {
    const hz = BAND_LOW_HZ * Math.pow(BAND_HIGH_HZ / BAND_LOW_HZ, b / BAND_COUNT);
    edges[b] = Math.max(Math.round(hz / binHz), b === 0 ? 0 : edges[b - 1]! + 1);
  }
  return edges;
}
