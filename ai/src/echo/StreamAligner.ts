/** A frame of analysed audio: envelope features, in-band power, and (reference only) activity. */
export interface AnalysedFrame {
  features: Float64Array;
  power: number;
  active: boolean;
}

/** Stands in for a reference frame that never came (lost, late, or the teacher not sending). */
function silentFrame(bands: number): AnalysedFrame {
  return { features: new Float64Array(bands), power: 0, active: false };
}

/**
 * Pairs the two streams' frames by capture time although they arrive out of step: microphone frame
 * n goes out with reference frame n − minLag (the newest one any lag needs) as soon as that has
 * arrived. A microphone frame waits for its reference at most `maxWaitFrames` frames of later
 * microphone audio; then a missing reference frame counts as silence, so a stalled or absent
 * teacher stream cannot hold the classroom's up. Reference frames are kept for `keepFrames`.
 */
export class StreamAligner {
  readonly #bands: number;
  readonly #minLag: number;
  readonly #maxWait: number;
  readonly #onPair: (frameIndex: number, reference: AnalysedFrame, microphone: AnalysedFrame) => void;
  readonly #silence: AnalysedFrame;
  /** Reference frames by index modulo the capacity, with the index each slot holds. */
  readonly #refs: AnalysedFrame[];
  readonly #refIndex: Float64Array;
  #refLatest = -Infinity;
  /** Microphone frames not yet paired, oldest first. */
  #waiting: Array<{ index: number; frame: AnalysedFrame }> = [];
  /** Spare microphone frames for reuse (a steady stream then allocates nothing). */
  #spare: AnalysedFrame[] = [];

  constructor(options: {
    bands: number;
    minLag: number;
    maxWaitFrames: number;
    keepFrames: number;
    onPair: (frameIndex: number, reference: AnalysedFrame, microphone: AnalysedFrame) => void;
  }) {
    this.#bands = options.bands;
    this.#minLag = options.minLag;
    this.#maxWait = options.maxWaitFrames;
    this.#onPair = options.onPair;
    this.#silence = silentFrame(options.bands);
    this.#refs = Array.from({ length: options.keepFrames }, () => silentFrame(options.bands));
    this.#refIndex = new Float64Array(options.keepFrames).fill(NaN);
  }

  /** Stores reference frame `index` (the values are copied). */
  addReference(index: number, features: Float64Array, power: number, active: boolean): void {
    const slot = modulo(index, this.#refs.length);
    const frame = this.#refs[slot]!;
    frame.features.set(features);
    frame.power = power;
    frame.active = active;
    this.#refIndex[slot] = index;
    this.#refLatest = Math.max(this.#refLatest, index);
    this.#pairReady(false);
  }

  /** Queues microphone frame `index` (the values are copied) and pairs what can be paired. */
  addMicrophone(index: number, features: Float64Array, power: number): void {
    const frame = this.#spare.pop() ?? silentFrame(this.#bands);
    frame.features.set(features);
    frame.power = power;
    this.#waiting.push({ index, frame });
    this.#pairReady(false);
  }

  /** Pairs every waiting microphone frame now, with silence for references not yet there. */
  flush(): void {
    this.#pairReady(true);
  }

  /** The reference stream jumped: frames kept so far are from another run. */
  restartReference(): void {
    this.#refIndex.fill(NaN);
    this.#refLatest = -Infinity;
  }

  reset(): void {
    this.restartReference();
    for (const { frame } of this.#waiting) this.#spare.push(frame);
    this.#waiting = [];
  }

  #pairReady(force: boolean): void {
    while (this.#waiting.length > 0) {
      const { index, frame } = this.#waiting[0]!;
      const wanted = index - this.#minLag;
      if (!force && this.#refLatest < wanted && this.#waiting.length <= this.#maxWait) return;
      this.#waiting.shift();
      const slot = modulo(wanted, this.#refs.length);
      this.#onPair(index, this.#refIndex[slot] === wanted ? this.#refs[slot]! : this.#silence, frame);
      this.#spare.push(frame);
    }
  }
}

const modulo = (n: number, m: number) => ((n % m) + m) % m;
