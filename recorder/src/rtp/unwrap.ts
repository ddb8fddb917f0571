/**
 * Extends a wrapping counter (16-bit RTP sequence numbers, 32-bit RTP
 * timestamps) to a monotonic-ish number: each value is placed in the cycle
 * that puts it closest to the previous one, so wraps and small reordering
 * both come out right.
 */
export class Unwrapper {
  readonly #modulus: number;
  #last: number | null = null;

  constructor(bits: 16 | 32) {
    this.#modulus = 2 ** bits;
  }

  unwrap(value: number): number {
    if (this.#last === null) {
      this.#last = value;
      return value;
    }
    const half = this.#modulus / 2;
    const cycle = Math.floor(this.#last / this.#modulus) * this.#modulus;
    let candidate = cycle + value;
    if (candidate - this.#last > half) candidate -= this.#modulus;
    else if (this.#last - candidate > half) candidate += this.#modulus;
    // Only moving forward advances the reference (a late packet must not drag it back).
    if (candidate > this.#last) this.#last = candidate;
    return candidate;
  }
}
