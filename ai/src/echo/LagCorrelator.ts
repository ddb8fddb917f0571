/**
 * Normalised cross-correlation between a reference and a microphone feature stream (vectors of
 * `bands` values per frame) over a sliding window of `windowFrames` microphone frames, at every lag
 * from `minLag` to `maxLag` frames (microphone after reference) at once.
 *
 * The correlation is pooled over bands after removing each band's mean over the window, so a gain
 * per band cancels. Sums are kept incrementally: each frame costs O(lags × bands), and reading
 * all correlations costs the same, whatever the window length.
 */
export class LagCorrelator {
  readonly bands: number;
  readonly minLag: number;
  readonly lagCount: number;
  readonly windowFrames: number;
  /** Reference frames as pushed (ref(n − minLag) at step n), circular over #refCapacity steps. */
  readonly #ref: Float64Array;
  readonly #refCapacity: number;
  /** Microphone frames, circular over windowFrames + 1 steps. */
  readonly #mic: Float64Array;
  /** Σ ref·mic per lag and band over the window. */
  readonly #crossSums: Float64Array;
  /** Σ ref and Σ ref² per band over the window at lag minLag, remembered for the last lagCount steps: at lag minLag + j they are the ones from j steps ago. */
  readonly #refSums: Float64Array;
  readonly #refSquares: Float64Array;
  readonly #micSums: Float64Array;
  readonly #micSquares: Float64Array;
  #step = 0;

  constructor(bands: number, minLag: number, maxLag: number, windowFrames: number) {
    if (!(minLag >= 0 && maxLag >= minLag && windowFrames >= 2)) throw new RangeError('LagCorrelator needs 0 ≤ minLag ≤ maxLag and windowFrames ≥ 2');
    this.bands = bands;
    this.minLag = minLag;
    this.lagCount = maxLag - minLag + 1;
    this.windowFrames = windowFrames;
    this.#refCapacity = windowFrames + this.lagCount;
    this.#ref = new Float64Array(this.#refCapacity * bands);
    this.#mic = new Float64Array((windowFrames + 1) * bands);
    this.#crossSums = new Float64Array(this.lagCount * bands);
    this.#refSums = new Float64Array(this.lagCount * bands);
    this.#refSquares = new Float64Array(this.lagCount * bands);
    this.#micSums = new Float64Array(bands);
    this.#micSquares = new Float64Array(bands);
  }

  /** Frames pushed since the start or the last reset (the window is full once this reaches windowFrames). */
  get frames(): number {
    return this.#step;
  }

  /**
   * Adds microphone frame n and reference frame n − minLag (both `bands` long). Frames before the
   * first push count as zeros, which the features' high-pass makes the neutral value. (The rings
   * start zeroed and a slot for a step before the first is one not yet written, so no branches.)
   */
  push(ref: ArrayLike<number>, mic: ArrayLike<number>): void {
    const B = this.bands;
    const W = this.windowFrames;
    const capacity = this.#refCapacity;
    const refs = this.#ref;
    const mics = this.#mic;
    const step = this.#step;
    const refSlot = (step % capacity) * B;
    const micSlot = (step % (W + 1)) * B;
    const leavingMic = ((step + 1) % (W + 1)) * B; // mic frame step − W
    for (let b = 0; b < B; b++) {
      refs[refSlot + b] = ref[b]!;
      mics[micSlot + b] = mic[b]!;
    }

    // Reference sums at lag minLag for this step, from the previous step's.
    const sumsSlot = (step % this.lagCount) * B;
    const previousSlot = ((step + this.lagCount - 1) % this.lagCount) * B;
    const leavingRef = ((step - W + capacity) % capacity) * B; // ref frame step − W
    for (let b = 0; b < B; b++) {
      const x = refs[refSlot + b]!;
      const old = refs[leavingRef + b]!;
      this.#refSums[sumsSlot + b] = (step === 0 ? 0 : this.#refSums[previousSlot + b]!) + x - old;
      this.#refSquares[sumsSlot + b] = (step === 0 ? 0 : this.#refSquares[previousSlot + b]!) + x * x - old * old;
      const y = mics[micSlot + b]!;
      const yOld = mics[leavingMic + b]!;
      this.#micSums[b] = this.#micSums[b]! + y - yOld;
      this.#micSquares[b] = this.#micSquares[b]! + y * y - yOld * yOld;
    }

    // Σ ref(t − lag)·mic(t): the new pair in, the pair W frames old out.
    const sums = this.#crossSums;
    for (let j = 0; j < this.lagCount; j++) {
      const inSlot = ((step - j + capacity) % capacity) * B;
      const outSlot = ((step - W - j + 2 * capacity) % capacity) * B;
      const at = j * B;
      for (let b = 0; b < B; b++) {
        sums[at + b] = sums[at + b]! + refs[inSlot + b]! * mics[micSlot + b]! - refs[outSlot + b]! * mics[leavingMic + b]!;
      }
    }
    this.#step = step + 1;
  }

  /**
   * Writes the correlation at lag minLag + j into out[j] (lagCount long), each in −1…1; 0 where
   * either side is flat over the window (nothing to compare).
   */
  correlations(out: Float64Array): void {
    const B = this.bands;
    const W = this.windowFrames;
    const last = this.#step - 1;
    let micVariance = 0;
    for (let b = 0; b < B; b++) micVariance += this.#micSquares[b]! - (this.#micSums[b]! * this.#micSums[b]!) / W;
    for (let j = 0; j < this.lagCount; j++) {
      if (last < 0 || micVariance <= FLAT * W * B) {
        out[j] = 0;
        continue;
      }
      // The reference sums at lag minLag + j are those of j steps ago (zero before the start).
      const slot = last - j >= 0 ? ((last - j) % this.lagCount) * B : -1;
      let covariance = 0;
      let refVariance = 0;
      for (let b = 0; b < B; b++) {
        const refSum = slot >= 0 ? this.#refSums[slot + b]! : 0;
        const refSquares = slot >= 0 ? this.#refSquares[slot + b]! : 0;
        covariance += this.#crossSums[j * B + b]! - (refSum * this.#micSums[b]!) / W;
        refVariance += refSquares - (refSum * refSum) / W;
      }
      out[j] = refVariance <= FLAT * W * B ? 0 : covariance / Math.sqrt(refVariance * micVariance);
    }
  }

  reset(): void {
    this.#ref.fill(0);
    this.#mic.fill(0);
    this.#crossSums.fill(0);
    this.#refSums.fill(0);
    this.#refSquares.fill(0);
    this.#micSums.fill(0);
    this.#micSquares.fill(0);
    this.#step = 0;
  }
}

/** Mean variance per value (dB²) under which a side counts as flat: far below any envelope's. */
const FLAT = 1e-6;
