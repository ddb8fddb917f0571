import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SherpaOnnxEngine } from '../src/asr/SherpaOnnxEngine.js';
import { EngineErrorCode, type Hypothesis } from '../src/asr/SpeechEngine.js';
import { fliteSpeech, LESSON_SENTENCES, toPcm16 } from './support/speech.js';
import { tinySherpaModel, tinySherpaModelCopy } from './support/tinySherpaModel.js';

jest.setTimeout(30_000);

// The tiny model's text is meaningless (random weights): these tests never look at what it says.
const CHUNK = 3200; // 100 ms of 16 kHz s16le
const speech = toPcm16(fliteSpeech(LESSON_SENTENCES[1]!, 0.3, 0.3).samples);
/** ~3 s of speech, a whole number of chunks. */
const utterance = speech.subarray(0, Math.min(speech.length, 30 * CHUNK) - (Math.min(speech.length, 30 * CHUNK) % CHUNK));
const utteranceMs = utterance.length / 32;

/** Streams `pcm` in `chunk`-byte pieces, `pauseMs` apart; returns what the engine said and when. */
async function recognise(engine: SherpaOnnxEngine, pcm: Buffer, chunk = CHUNK, pauseMs = 0): Promise<{ partials: Hypothesis[]; partialsBeforeEnd: number; final: Hypothesis }> {
  const partials: Hypothesis[] = [];
  const listener = (h: Hypothesis) => {
    if (!h.final) partials.push(h);
  };
  engine.onHypothesis(listener);
  engine.begin();
  for (let at = 0; at < pcm.length; at += chunk) {
    engine.audio(pcm.subarray(at, at + chunk));
    if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  const partialsBeforeEnd = partials.length;
  const final = await engine.end();
  return { partials, partialsBeforeEnd, final };
}

const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Engines a test made: closed after it even when it fails (a live process would keep jest from exiting). */
const made: SherpaOnnxEngine[] = [];
const make = (options: ConstructorParameters<typeof SherpaOnnxEngine>[0]) => {
  const engine = new SherpaOnnxEngine(options);
  made.push(engine);
  return engine;
};

describe('SherpaOnnxEngine (sherpa-onnx-node, tiny synthetic streaming transducer)', () => {
  let engine: SherpaOnnxEngine;
  afterEach(async () => {
    await Promise.all(made.splice(0).map((e) => e.close()));
  });
  beforeAll(async () => {
    engine = new SherpaOnnxEngine({ modelDir: tinySherpaModel(), finalTimeoutMs: 3_000 });
    await engine.start();
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('streams partial hypotheses while audio is fed in real time and resolves end() with the final', async () => {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const started = performance.now();
    const { partials, partialsBeforeEnd, final } = await recognise(engine, utterance, CHUNK, 100);
    const finalMs = performance.now() - started - (utterance.length / CHUNK) * 100;
    delay.disable();
    // One answer per chunk, most of them while the audio was still coming (decoding keeps up).
    expect(partials).toHaveLength(utterance.length / CHUNK);
    expect(partialsBeforeEnd).toBeGreaterThan(partials.length / 2);
    expect(partials.some((h) => h.changed)).toBe(true);
    // Each says how far decoding got: growing, never past the audio fed.
    partials.forEach((h, i) => {
      expect(h.final).toBe(false);
      expect(h.audioMs).toBe((i + 1) * 100);
    });
    expect(final).toMatchObject({ final: true, audioMs: utteranceMs });
    expect(typeof final.text).toBe('string');
    const { loadMs, lastRealTimeFactor } = engine.stats;
    process.stdout.write(
      `[sherpa-onnx] tiny model: load ${loadMs} ms, RTF ${lastRealTimeFactor?.toFixed(4)}, final ${finalMs.toFixed(0)} ms after the last chunk, ` +
        `caller's event-loop delay max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms\n`,
    );
    expect(lastRealTimeFactor).toBeLessThan(1);
    // Decoding is in the engine's process: the caller's event loop never waits for it.
    expect(delay.max / 1e6).toBeLessThan(100);
  });

  it('decodes audio cut mid-sample exactly as in whole samples, utterance after utterance', async () => {
    const whole = await recognise(engine, utterance);
    const odd = await recognise(engine, utterance, 1001);
    expect(odd.final.audioMs).toBe(utteranceMs);
    expect(odd.final.text).toBe(whole.final.text);
    expect(odd.partials.at(-1)!.audioMs).toBe(utteranceMs);
  });

  it('a killed engine fails its utterance with ASR_CRASHED, restarts, and recognises the next one', async () => {
    const pid = engine.pid!;
    const restarts = engine.restarts;
    engine.begin();
    engine.audio(utterance);
    process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(engine.end()).rejects.toMatchObject({ code: EngineErrorCode.Crashed });
    expect(engine.restarts).toBe(restarts + 1);
    await engine.start();
    expect(engine.pid).not.toBe(pid);
    const { final } = await recognise(engine, utterance);
    expect(final).toMatchObject({ final: true, audioMs: utteranceMs });
  });

  it('a hung engine times out with ASR_TIMEOUT, is replaced, and recognises the next utterance', async () => {
    const pid = engine.pid!;
    engine.begin();
    engine.audio(utterance);
    process.kill(pid, 'SIGSTOP');
    const started = Date.now();
    await expect(engine.end()).rejects.toMatchObject({ code: EngineErrorCode.Timeout });
    expect(Date.now() - started).toBeLessThan(5_000);
    await engine.start();
    expect(engine.pid).not.toBe(pid);
    expect(running(pid)).toBe(false);
    const { final } = await recognise(engine, utterance);
    expect(final).toMatchObject({ final: true, audioMs: utteranceMs });
  });

  it('a missing model is ASR_MODEL_UNUSABLE naming the path and the fetch script', async () => {
    const missing = make({ modelDir: '/nonexistent/sherpa-zh' });
    await expect(missing.start()).rejects.toMatchObject({
      code: EngineErrorCode.ModelUnusable,
      message: expect.stringMatching(/\/nonexistent\/sherpa-zh.*scripts\/fetch-models\.sh/),
    });
    await missing.close();

    const noJoiner = tinySherpaModelCopy('no-joiner');
    rmSync(join(noJoiner, 'joiner.onnx'));
    const incomplete = make({ modelDir: noJoiner });
    await expect(incomplete.start()).rejects.toMatchObject({ code: EngineErrorCode.ModelUnusable, message: expect.stringContaining(join(noJoiner, 'joiner*.onnx')) });
    await incomplete.close();

    // Without modelDir: the recommended model under MODELS_DIR.
    const before = process.env.MODELS_DIR;
    process.env.MODELS_DIR = '/srv/models';
    try {
      expect(new SherpaOnnxEngine().modelDir).toBe('/srv/models/sherpa-onnx/sherpa-onnx-streaming-zipformer-bilingual-zh-en-2023-02-20');
    } finally {
      if (before === undefined) delete process.env.MODELS_DIR;
      else process.env.MODELS_DIR = before;
    }
  });

  it.each([
    ['a truncated encoder', (dir: string) => writeFileSync(join(dir, 'encoder.onnx'), readFileSync(join(dir, 'encoder.onnx')).subarray(0, 1000))],
    ['a random-bytes joiner', (dir: string) => writeFileSync(join(dir, 'joiner.onnx'), randomBytes(4000))],
    ['an encoder of no known model type', (dir: string) => writeFileSync(join(dir, 'encoder.onnx'), readFileSync(join(dir, 'decoder.onnx')))],
  ])('%s is ASR_MODEL_UNUSABLE, and the native abort takes only the engine process', async (name, damage) => {
    const dir = tinySherpaModelCopy(name.replaceAll(' ', '-'));
    damage(dir);
    const corrupt = make({ modelDir: dir, startTimeoutMs: 10_000 });
    const started = Date.now();
    await expect(corrupt.start()).rejects.toMatchObject({ code: EngineErrorCode.ModelUnusable, message: expect.stringContaining(dir) });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(corrupt.pid).toBeUndefined();
    expect(corrupt.restarts).toBe(0);
    await corrupt.close();
    // This process is alive to say so, and the shared engine still works.
    const { final } = await recognise(engine, utterance);
    expect(final.final).toBe(true);
  });

  it('a malformed tokens.txt is ASR_MODEL_UNUSABLE before anything is loaded', async () => {
    const dir = tinySherpaModelCopy('garbled-tokens');
    writeFileSync(join(dir, 'tokens.txt'), '<blk> 0\n\u0000\u00ff\n');
    const garbled = make({ modelDir: dir });
    await expect(garbled.start()).rejects.toMatchObject({ code: EngineErrorCode.ModelUnusable, message: expect.stringContaining(join(dir, 'tokens.txt')) });
    expect(garbled.pid).toBeUndefined();
    await garbled.close();
  });

  it('a model that loads but crashes on every utterance is ASR_MODEL_UNUSABLE after three crashes, not reloaded forever', async () => {
    // Fewer tokens than the model emits: the library aborts on the first unknown id it decodes.
    const dir = tinySherpaModelCopy('short-tokens');
    writeFileSync(join(dir, 'tokens.txt'), readFileSync(join(dir, 'tokens.txt'), 'utf8').split('\n').slice(0, 4).join('\n'));
    const crashing = make({ modelDir: dir });
    await crashing.start();
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push(await recognise(crashing, utterance).then(() => 'ok', (error: { code: string }) => error.code));
      // Let the crash land whether it came before or after end().
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(codes).toEqual([EngineErrorCode.Crashed, EngineErrorCode.Crashed, EngineErrorCode.ModelUnusable, EngineErrorCode.ModelUnusable]);
    expect(crashing.restarts).toBe(2);
    expect(crashing.pid).toBeUndefined();
    await crashing.close();
  });

  it('close() ends the process, is idempotent, and leaves no utterance hanging', async () => {
    const own = make({ modelDir: tinySherpaModel() });
    await own.start();
    const pid = own.pid!;
    own.begin();
    own.audio(utterance);
    const final = expect(own.end()).rejects.toMatchObject({ code: EngineErrorCode.Crashed });
    const first = own.close();
    expect(own.close()).toBe(first);
    await Promise.all([first, own.close()]);
    await final;
    expect(own.closed).toBe(true);
    expect(own.pid).toBeUndefined();
    expect(running(pid)).toBe(false);
    await expect(own.start()).rejects.toThrow(/closed/);
    own.begin();
    own.audio(utterance);
    await expect(own.end()).rejects.toMatchObject({ code: EngineErrorCode.Crashed });
  });
});
