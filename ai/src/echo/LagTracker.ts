/** The strongest lag of the averaged correlation curve. */
export interface LagPeak {
  /** Lag index into the curve, refined between neighbours by a parabola (fractional). */
  index: number;
  /** Averaged correlation at the peak (the parabola's top, at most 1). */
  value: number;
}

/**
 * Averages correlation-vs-lag curves over time (exponentially, weight `smoothing` for each new
 * curve). An echo's peak stays at one lag and builds up; chance peaks between independent voices
 * land on a different lag each time and average away. The first 1/smoothing curves are averaged
 * plainly (weight 1/n): an average that started from zero would take seconds to show an echo
 * that is there from the microphone's first moment.
 */
export class LagTracker {
  readonly #curve: Float64Array;
  readonly #smoothing: number;
  #updates = 0;

  constructor(lagCount: number, smoothing: number) {
    if (!(smoothing > 0 && smoothing <= 1)) throw new RangeError('smoothing must be in (0, 1]');
    this.#curve = new Float64Array(lagCount);
    this.#smoothing = smoothing;
  }

  /** Folds in one evaluation's correlations (one per lag). */
  update(correlations: Float64Array): void {
    this.#updates++;
    const weight = Math.max(this.#smoothing, 1 / this.#updates);
    for (let j = 0; j < this.#curve.length; j++) this.#curve[j] = this.#curve[j]! + weight * (correlations[j]! - this.#curve[j]!);
  }

  peak(): LagPeak {
    const curve = this.#curve;
    let best = 0;
    for (let j = 1; j < curve.length; j++) if (curve[j]! > curve[best]!) best = j;
    const value = curve[best]!;
    if (best === 0 || best === curve.length - 1) return { index: best, value };
    // Vertex of the parabola through the peak and its neighbours.
    const left = curve[best - 1]!;
    const right = curve[best + 1]!;
    const bend = left - 2 * value + right;
    if (bend >= 0) return { index: best, value };
    const offset = (0.5 * (left - right)) / bend;
    return { index: best + offset, value: Math.min(1, value - 0.25 * (left - right) * offset) };
  }

  reset(): void {
    this.#curve.fill(0);
    this.#updates = 0;
  }
}
