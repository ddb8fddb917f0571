import { HOP_SAMPLES, SAMPLE_RATE, WINDOW_SAMPLES } from './echoConfig.js';

/** Chunk starts this close to where the previous chunk ended are taken as contiguous (ms timestamps round). */
const CONTIGUOUS_SAMPLES = 32; // 2 ms
/** A gap up to this long is filled with silence; a longer one (or a jump back) restarts the stream. */
const MAX_FILL_SAMPLES = SAMPLE_RATE; // 1 s

/**
 * Places one stream's timestamped chunks on the 10 ms frame grid both streams share, and hands out
 * one analysis window per grid frame: frame n is the WINDOW_SAMPLES that end at sample (n + 1) × HOP
 * of the wall clock (sample s is captured at s / 16 ms). Small gaps become silence and overlaps are
 * dropped, so sample positions keep matching capture time.
 */
export class TimedFramer {
  readonly #onFrame: (frameIndex: number, window: Float64Array) => void;
  readonly #onRestart: () => void;
  /** The last WINDOW_SAMPLES samples, circular; #write is where the next goes. */
  readonly #history = new Float64Array(WINDOW_SAMPLES);
  readonly #window = new Float64Array(WINDOW_SAMPLES);
  #write = 0;
  /** Absolute position (wall-clock samples) of the next sample expected; null before the first chunk. */
  #next: number | null = null;

  /**
   * @param onFrame called for each completed frame, in order; `window` is reused, oldest sample first.
   * @param onRestart called when the stream jumps (a gap over 1 s, or back in time): frame numbers restart there.
   */
  constructor(onFrame: (frameIndex: number, window: Float64Array) => void, onRestart: () => void = () => {}) {
    this.#onFrame = onFrame;
    this.#onRestart = onRestart;
  }

  /** Adds `samples` whose first sample was captured at `startMs` (wall clock, ms). */
  push(samples: Float32Array, startMs: number): void {
    const start = Math.round((startMs * SAMPLE_RATE) / 1000);
    let from = 0;
    if (this.#next === null) {
      this.#next = start;
    } else {
      const gap = start - this.#next;
      if (gap > MAX_FILL_SAMPLES || gap < -MAX_FILL_SAMPLES) {
        this.#history.fill(0);
        this.#next = start;
        this.#onRestart();
      } else if (gap > CONTIGUOUS_SAMPLES) {
        this.#addAll(null, 0, gap);
      } else if (gap < -CONTIGUOUS_SAMPLES) {
        from = -gap; // already have these samples
      }
    }
    this.#addAll(samples, from);
  }

  /** Forgets the stream: the next chunk starts afresh wherever it is. */
  reset(): void {
    this.#history.fill(0);
    this.#write = 0;
    this.#next = null;
  }

  /** Appends samples[from…] (or `count` zeros when `samples` is null), a frame out at each hop boundary. */
  #addAll(samples: Float32Array | null, from: number, count = samples === null ? 0 : samples.length - from): void {
    let next = this.#next!;
    for (let done = 0; done < count; ) {
      // Up to the next hop boundary (or the end of the input) in one go.
      const toBoundary = HOP_SAMPLES - (((next % HOP_SAMPLES) + HOP_SAMPLES) % HOP_SAMPLES);
      const n = Math.min(toBoundary, count - done);
      const history = this.#history;
      let write = this.#write;
      for (let i = from + done, end = from + done + n; i < end; i++) {
        history[write] = samples === null ? 0 : samples[i]!;
        write = write + 1 === WINDOW_SAMPLES ? 0 : write + 1;
      }
      this.#write = write;
      done += n;
      next += n;
      this.#next = next;
      if (n === toBoundary) this.#emit(next / HOP_SAMPLES - 1);
    }
  }

  #emit(frameIndex: number): void {
    const tail = WINDOW_SAMPLES - this.#write;
    this.#window.set(this.#history.subarray(this.#write), 0);
    this.#window.set(this.#history.subarray(0, this.#write), tail);
    this.#onFrame(frameIndex, this.#window);
  }
}
