import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FETCH_MODELS_SCRIPT } from '../src/asr/modelFiles.js';
import { EngineErrorCode, type Hypothesis } from '../src/asr/SpeechEngine.js';
import { defaultWhisperModelPath, WhisperEngine, type WhisperEngineOptions } from '../src/asr/WhisperEngine.js';
import { writeTinyWhisperModel } from './support/tinyWhisperModel.js';

// Real whisper.cpp inference on a tiny random-weight model: its text is meaningless and never
// asserted; what is tested is the engine around it (partials, finals, timeouts, restarts, errors).
jest.setTimeout(30_000);

const dir = mkdtempSync(join(tmpdir(), 'classbridge-whisper-'));
const MODEL = join(dir, 'ggml-tiny-random.bin');
const engines: WhisperEngine[] = [];

/** `ms` of a voice-like signal (a wobbling tone with a syllable rhythm), 16 kHz s16le. */
function signal(ms: number, seed = 1): Buffer {
  const samples = Math.round(ms * 16);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const t = i / 16_000;
    const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t + seed);
    const v = envelope * (0.3 * Math.sin(2 * Math.PI * (180 + 20 * Math.sin(3 * t)) * t) + 0.1 * Math.sin(2 * Math.PI * 900 * t));
    pcm.writeInt16LE(Math.round(v * 32767), i * 2);
  }
  return pcm;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function engine(options: WhisperEngineOptions = {}): WhisperEngine {
  const e = new WhisperEngine({ modelPath: MODEL, transcribeTimeoutMs: 10_000, ...options });
  engines.push(e);
  return e;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One short utterance, fed at once; resolves with its final. */
async function utterance(e: WhisperEngine, ms = 1_000): Promise<Hypothesis> {
  e.begin();
  e.audio(signal(ms));
  return e.end();
}

beforeAll(() => {
  const bytes = writeTinyWhisperModel(MODEL);
  process.stdout.write(`[whisper] tiny model: ${(bytes / 1e6).toFixed(1)} MB\n`);
});

afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('WhisperEngine (whisper.cpp via @fugood/whisper.node, tiny synthetic model)', () => {
  it('emits partials while audio arrives in real time, then a final for the whole utterance', async () => {
    const e = engine({ language: 'en' });
    const loadStarted = performance.now();
    await e.start();
    process.stdout.write(`[whisper] start (process + model load) ${(performance.now() - loadStarted).toFixed(0)} ms, load ${e.loadMs} ms\n`);
    const heard: Hypothesis[] = [];
    e.onHypothesis((h) => heard.push(h));

    const pcm = signal(3_000);
    const chunk = 3_200; // 100 ms
    const started = performance.now();
    e.begin();
    for (let at = 0; at < pcm.length; at += chunk) {
      e.audio(pcm.subarray(at, at + chunk));
      const due = started + ((at + chunk) / 32) - performance.now();
      if (due > 0) await sleep(due);
    }
    const endCalled = performance.now();
    const final = await e.end();
    const finalMs = performance.now() - endCalled;
    process.stdout.write(`[whisper] ${heard.length - 1} partials over 3 s; final ${finalMs.toFixed(0)} ms after end() (RTF ${(finalMs / 3_000).toFixed(2)})\n`);

    const partials = heard.filter((h) => !h.final);
    // At most one every partialIntervalMs (1 s) of audio and wall time: one at ~1 s, one at ~2 s, maybe ~3 s.
    expect(partials.length).toBeGreaterThanOrEqual(2);
    expect(partials.length).toBeLessThanOrEqual(3);
    const audioMs = partials.map((h) => h.audioMs);
    expect(audioMs).toEqual([...audioMs].sort((a, b) => a - b));
    expect(audioMs[0]).toBeGreaterThanOrEqual(1_000);
    expect(audioMs.at(-1)).toBeLessThanOrEqual(3_000);
    expect(final).toMatchObject({ final: true, audioMs: 3_000 });
    expect(typeof final.text).toBe('string');
    // Listeners hear the final too, last.
    expect(heard.at(-1)).toEqual(final);
    expect(e.restarts).toBe(0);
  });

  it('never runs two transcriptions at once: a partial that would queue is skipped', async () => {
    const e = engine({ partialIntervalMs: 0 });
    await e.start();
    const partials: Hypothesis[] = [];
    let firstPartial!: () => void;
    const arrived = new Promise<void>((resolve) => (firstPartial = resolve));
    e.onHypothesis((h) => {
      if (h.final) return;
      partials.push(h);
      firstPartial();
    });
    e.begin();
    // Ten chunks at once: the first starts a partial, the other nine find it in flight.
    for (let i = 0; i < 10; i++) e.audio(signal(100, i));
    await arrived;
    // Queued partials would come back one per transcription (~0.4 s each): none may.
    await sleep(1_500);
    const final = await e.end();
    expect(partials).toHaveLength(1);
    expect(partials[0]!.audioMs).toBe(100);
    expect(final.audioMs).toBe(1_000);
  });

  it('transcribes with language zh on a multilingual model, and refuses an English-only model for zh', async () => {
    const zh = engine({ language: 'zh' });
    await zh.start();
    expect((await utterance(zh)).final).toBe(true);

    const englishOnly = join(dir, 'ggml-tiny-random.en.bin');
    writeTinyWhisperModel(englishOnly, { vocab: 51864 });
    await expect(engine({ language: 'zh', modelPath: englishOnly }).start()).rejects.toMatchObject({
      code: EngineErrorCode.ModelUnusable,
      message: expect.stringContaining('English-only'),
    });
    await engine({ language: 'en', modelPath: englishOnly }).start();
  });

  it('a missing model is ASR_MODEL_UNUSABLE naming the path and the fetch script', async () => {
    const missing = join(dir, 'nowhere', 'whisper', 'ggml-base.bin');
    const error = await engine({ modelPath: missing }).start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: EngineErrorCode.ModelUnusable, message: expect.stringContaining('not found') });
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toContain(FETCH_MODELS_SCRIPT);
    expect(defaultWhisperModelPath({ MODELS_DIR: '/srv/models' })).toBe('/srv/models/whisper/ggml-base.bin');
    expect(defaultWhisperModelPath({})).toBe(join('models', 'whisper', 'ggml-base.bin'));
    // The final of an utterance says the same, not a hang.
    const e = engine({ modelPath: missing });
    await expect(utterance(e)).rejects.toMatchObject({ code: EngineErrorCode.ModelUnusable });
  });

  describe('corrupt models are ASR_MODEL_UNUSABLE at once, never a hang or a crash', () => {
    const good = () => readFileSync(MODEL);
    const hparam = (bytes: Buffer, index: number, value: number) => {
      bytes.writeInt32LE(value, 4 + index * 4);
      return bytes;
    };
    // Offset of the vocabulary's token count: magic, 11 hparams, 2 filter dims, 80 x 201 floats.
    const VOCAB_AT = 4 + 44 + 8 + 80 * 201 * 4;
    const cases: Array<[string, () => Buffer]> = [
      ['random bytes', () => randomBytes(200_000)],
      ['cut in the middle of its weights', () => good().subarray(0, 4_000_000)],
      // whisper.cpp itself "loads" this as an empty model whose transcriptions never end.
      ['cut inside its mel filters', () => good().subarray(0, 1_000)],
      ['one byte short', () => good().subarray(0, good().length - 1)],
      // whisper.cpp loops over the count (blocking its thread for ever).
      ['a vocabulary count of 2^31-1', () => {
        const b = good();
        b.writeInt32LE(0x7fffffff, VOCAB_AT);
        return b;
      }],
      // whisper.cpp aborts the process (GGML_ASSERT) on the first transcription's graph.
      ['heads that do not divide the width', () => hparam(good(), 3, 3)],
      ['an empty file', () => Buffer.alloc(0)],
    ];
    it.each(cases)('%s', async (_name, make) => {
      const path = join(dir, `corrupt-${Math.random().toString(36).slice(2)}.bin`);
      writeFileSync(path, make());
      const started = performance.now();
      const error = await engine({ modelPath: path, loadTimeoutMs: 10_000 }).start().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: EngineErrorCode.ModelUnusable, message: expect.stringContaining(path) });
      expect((error as Error).message).toContain(FETCH_MODELS_SCRIPT);
      expect(performance.now() - started).toBeLessThan(2_000);
    });

    it('a model that does not load in time is unusable too (the load is bounded)', async () => {
      const started = performance.now();
      await expect(engine({ loadTimeoutMs: 1 }).start()).rejects.toMatchObject({
        code: EngineErrorCode.ModelUnusable,
        message: expect.stringContaining('did not load within 1 ms'),
      });
      expect(performance.now() - started).toBeLessThan(2_000);
    });
  });

  it('a stuck transcription is ASR_TIMEOUT; the process is replaced and the next utterance works', async () => {
    const e = engine({ transcribeTimeoutMs: 2_000 });
    await e.start();
    const stuck = e.pid!;
    // A real hang: the engine process stops answering (as whisper.cpp does on a bad model).
    process.kill(stuck, 'SIGSTOP');
    const started = performance.now();
    await expect(utterance(e)).rejects.toMatchObject({ code: EngineErrorCode.Timeout });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(e.restarts).toBe(1);
    await e.start();
    expect(e.pid).not.toBe(stuck);
    expect(isRunning(stuck)).toBe(false);
    const final = await utterance(e);
    expect(final).toMatchObject({ final: true, audioMs: 1_000 });
  });

  it('honours a tiny transcribeTimeoutMs for real (no transcription is that fast)', async () => {
    const e = engine({ transcribeTimeoutMs: 1 });
    await e.start();
    await expect(utterance(e)).rejects.toMatchObject({ code: EngineErrorCode.Timeout, message: expect.stringContaining('1 ms') });
    expect(e.restarts).toBe(1);
  });

  it('a crashed engine process is replaced and recognition resumes', async () => {
    const e = engine();
    await e.start();
    const pid = e.pid!;
    e.begin();
    e.audio(signal(1_000));
    const final = e.end();
    process.kill(pid, 'SIGKILL');
    await expect(final).rejects.toMatchObject({ code: EngineErrorCode.Crashed });
    await e.start();
    expect(e.pid).not.toBe(pid);
    expect(e.restarts).toBe(1);
    expect((await utterance(e)).final).toBe(true);
  });

  it('close() is idempotent, ends the process, and fails what was pending instead of hanging', async () => {
    const e = engine();
    await e.start();
    const pid = e.pid!;
    e.begin();
    e.audio(signal(1_000));
    const final = e.end().catch((error: unknown) => error);
    await sleep(100); // the final's transcription is running (it takes ~0.4 s here)
    await Promise.all([e.close(), e.close()]);
    await e.close();
    expect(e.closed).toBe(true);
    expect(isRunning(pid)).toBe(false);
    expect(await final).toMatchObject({ code: EngineErrorCode.Crashed });
    await expect(e.start()).rejects.toThrow('closed');
    e.audio(signal(100));
    await expect(e.end()).rejects.toMatchObject({ code: EngineErrorCode.Crashed });
  });
});
