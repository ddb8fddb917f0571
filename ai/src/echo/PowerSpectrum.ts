/**
 * Power spectrum |X[k]|², k = 0…N/2, of real frames of one power-of-two size N. Uses the usual
 * trick of one N/2-point complex FFT on the even/odd samples packed as re/im, which halves the work.
 */
export class PowerSpectrum {
  readonly size: number;
  readonly #half: number;
  readonly #re: Float64Array;
  readonly #im: Float64Array;
  readonly #bitReversed: Uint32Array;
  /** Twiddles of the N/2-point FFT: cos/sin(2πk/(N/2)), k < N/4. */
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;
  /** Twiddles that split the packed result into the real spectrum: cos/sin(2πk/N), k ≤ N/2. */
  readonly #splitCos: Float64Array;
  readonly #splitSin: Float64Array;

  constructor(size: number) {
    if (size < 4 || (size & (size - 1)) !== 0) throw new RangeError(`PowerSpectrum size must be a power of two ≥ 4, not ${size}`);
    this.size = size;
    const half = size / 2;
    this.#half = half;
    this.#re = new Float64Array(half);
    this.#im = new Float64Array(half);
    this.#bitReversed = new Uint32Array(half);
    const bits = Math.log2(half);
    for (let i = 0; i < half; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.#bitReversed[i] = r;
    }
    this.#cos = new Float64Array(half / 2);
    this.#sin = new Float64Array(half / 2);
    for (let k = 0; k < half / 2; k++) {
      this.#cos[k] = Math.cos((2 * Math.PI * k) / half);
      this.#sin[k] = Math.sin((2 * Math.PI * k) / half);
    }
    this.#splitCos = new Float64Array(half + 1);
    this.#splitSin = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) {
      this.#splitCos[k] = Math.cos((2 * Math.PI * k) / size);
      this.#splitSin[k] = Math.sin((2 * Math.PI * k) / size);
    }
  }

  /** Writes |X[k]|² for k = 0…N/2 of `frame` (length N) into `out` (length ≥ N/2 + 1). */
  compute(frame: ArrayLike<number>, out: Float64Array): void {
    const half = this.#half;
    const re = this.#re;
    const im = this.#im;
    for (let i = 0; i < half; i++) {
      const j = this.#bitReversed[i]!;
      re[j] = frame[2 * i]!;
      im[j] = frame[2 * i + 1]!;
    }
    // Iterative radix-2 decimation in time.
    const cos = this.#cos;
    const sin = this.#sin;
    for (let span = 1; span < half; span *= 2) {
      const step = half / (2 * span);
      for (let k = 0; k < span; k++) {
        const wr = cos[k * step]!;
        const wi = -sin[k * step]!;
        for (let a = k; a < half; a += 2 * span) {
          const b = a + span;
          const br = re[b]!;
          const bi = im[b]!;
          const tr = br * wr - bi * wi;
          const ti = br * wi + bi * wr;
          const ar = re[a]!;
          const ai = im[a]!;
          re[b] = ar - tr;
          im[b] = ai - ti;
          re[a] = ar + tr;
          im[a] = ai + ti;
        }
      }
    }
    // Z[k] = E[k] + i·O[k] where E, O are the spectra of the even and odd samples; X[k] = E[k] + W^k·O[k].
    for (let k = 0; k <= half; k++) {
      const zr = re[k % half]!;
      const zi = im[k % half]!;
      const cr = re[(half - k) % half]!;
      const ci = -im[(half - k) % half]!; // conj(Z[N/2 − k])
      const er = (zr + cr) / 2;
      const ei = (zi + ci) / 2;
      // O[k] = (Z[k] − conj(Z[N/2 − k])) / 2i
      const or = (zi - ci) / 2;
      const oi = -(zr - cr) / 2;
      const wr = this.#splitCos[k]!;
      const wi = -this.#splitSin[k]!;
      const xr = er + or * wr - oi * wi;
      const xi = ei + or * wi + oi * wr;
      out[k] = xr * xr + xi * xi;
    }
  }
}
