/** Frames whose powers are summed before fitting (50 ms). */
const SMOOTH_FRAMES = 5;

/**
 * Echo return loss: how loud the echo in the microphone is relative to the reference. Keeps the
 * recent in-band power of both streams (aligned as LagCorrelator's are: reference frame n − minLag
 * with microphone frame n) and fits mic power = gain × reference power (at a lag) + background by
 * least squares over the window. Background noise adds a constant and the classroom's own voices
 * are uncorrelated with the reference, so neither biases the gain.
 */
export class EchoReturnLoss {
  readonly #windowFrames: number;
  readonly #capacity: number;
  readonly #ref: Float64Array;
  readonly #mic: Float64Array;
  #step = 0;

  constructor(lagCount: number, windowFrames: number) {
    this.#windowFrames = windowFrames;
    this.#capacity = windowFrames + lagCount + SMOOTH_FRAMES;
    this.#ref = new Float64Array(this.#capacity);
    this.#mic = new Float64Array(this.#capacity);
  }

  /** Adds microphone frame n's power and reference frame n − minLag's (linear, same units). */
  push(refPower: number, micPower: number): void {
    const slot = this.#step % this.#capacity;
    this.#ref[slot] = refPower;
    this.#mic[slot] = micPower;
    this.#step++;
  }

  /**
   * The echo path's power gain (dB) with the microphone `lagIndex` frames further behind than
   * minLag, over the window; null if the reference did not vary there or the fit is not positive.
   * Powers are summed over SMOOTH_FRAMES first: the echo's true delay falls between frames, and
   * frame-by-frame the misalignment would read as a weaker echo.
   */
  estimateDb(lagIndex: number): number | null {
    const frames = Math.min(this.#windowFrames, this.#step - lagIndex - SMOOTH_FRAMES + 1);
    if (frames < 2) return null;
    const capacity = this.#capacity;
    // Oldest first, keeping running sums of the last SMOOTH_FRAMES powers of each side.
    const first = this.#step - frames - SMOOTH_FRAMES + 1;
    let x = 0;
    let y = 0;
    let refSum = 0;
    let micSum = 0;
    let refSquares = 0;
    let cross = 0;
    for (let t = first; t < this.#step; t++) {
      x += this.#ref[(t - lagIndex) % capacity]!;
      y += this.#mic[t % capacity]!;
      if (t - first >= SMOOTH_FRAMES) {
        x -= this.#ref[(t - lagIndex - SMOOTH_FRAMES) % capacity]!;
        y -= this.#mic[(t - SMOOTH_FRAMES) % capacity]!;
      }
      if (t - first < SMOOTH_FRAMES - 1) continue;
      refSum += x;
      micSum += y;
      refSquares += x * x;
      cross += x * y;
    }
    const covariance = cross - (refSum * micSum) / frames;
    const variance = refSquares - (refSum * refSum) / frames;
    if (!(variance > 0) || !(covariance > 0)) return null;
    return 10 * Math.log10(covariance / variance);
  }

  reset(): void {
    this.#ref.fill(0);
    this.#mic.fill(0);
    this.#step = 0;
  }
}
