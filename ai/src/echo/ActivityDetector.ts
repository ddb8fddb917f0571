/** Frames quieter than this (dB of FFT-unit energy: speech at about −70 dBFS) are never activity. */
const ABSOLUTE_MIN_DB = -30;
/** Active: this far over the noise floor… */
const ABOVE_NOISE_DB = 10;
/** …and within this of the recent peak (quiet breaths and tails are not speech to echo). */
const BELOW_PEAK_DB = 35;
/** The noise floor follows dips at once and rises slowly (dB per 10 ms frame: 0.5 dB/s). */
const NOISE_RISE_DB = 0.005;
/** The peak decays slowly (dB per frame: 2 dB/s), so a loud moment does not mute the rest for long. */
const PEAK_DECAY_DB = 0.02;

/**
 * Energy-based activity of the reference: is the teacher making sound worth echoing in this frame?
 * Only frames with activity give the correlation something to find, so the detector evaluates only
 * windows with enough of them and cannot fire while the teacher is silent.
 */
export class ActivityDetector {
  #noiseDb = Infinity;
  #peakDb = -Infinity;

  /** Whether a frame of total band energy `energy` (FFT units) is active. */
  update(energy: number): boolean {
    const db = 10 * Math.log10(energy + 1e-10);
    // Digital silence (a muted or DTX stream) is no noise floor: it would make any noise look like sound.
    if (db <= ABSOLUTE_MIN_DB) return false;
    this.#noiseDb = db < this.#noiseDb ? db : this.#noiseDb + NOISE_RISE_DB;
    this.#peakDb = Math.max(db, this.#peakDb - PEAK_DECAY_DB);
    return db > this.#noiseDb + ABOVE_NOISE_DB && db > this.#peakDb - BELOW_PEAK_DB;
  }

  reset(): void {
    this.#noiseDb = Infinity;
    this.#peakDb = -Infinity;
  }
}
