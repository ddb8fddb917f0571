import { jest } from '@jest/globals';
import { PocketsphinxEngine } from '../src/asr/PocketsphinxEngine.js';
import { EngineErrorCode, type Hypothesis } from '../src/asr/SpeechEngine.js';
import { fliteSpeech, LESSON_SENTENCES, toPcm16, wordErrorRate } from './support/speech.js';

jest.setTimeout(60_000);

/** Streams one utterance in 100 ms chunks (as fast as the engine takes it); returns partials and the final. */
async function recognise(engine: PocketsphinxEngine, pcm: Buffer): Promise<{ partials: string[]; final: Hypothesis }> {
  const partials: string[] = [];
  const listener = (h: Hypothesis) => {
    if (!h.final) partials.push(h.text);
  };
  engine.onHypothesis(listener);
  engine.begin();
  for (let at = 0; at < pcm.length; at += 3200) engine.audio(pcm.subarray(at, at + 3200));
  const final = await engine.end();
  return { partials, final };
}

describe('PocketsphinxEngine (Debian pocketsphinx, en-us model, flite speech)', () => {
  let engine: PocketsphinxEngine;
  beforeAll(async () => {
    engine = new PocketsphinxEngine();
    await engine.start();
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('streams partial hypotheses and a final one; WER on lesson sentences is at most 25%', async () => {
    let errors = 0;
    let words = 0;
    for (const sentence of LESSON_SENTENCES) {
      const { samples } = fliteSpeech(sentence, 0.3, 0.3);
      const { partials, final } = await recognise(engine, toPcm16(samples));
      expect(partials.length).toBeGreaterThan(0);
      expect(final.final).toBe(true);
      const wer = wordErrorRate(sentence, final.text);
      process.stdout.write(`[pocketsphinx] WER ${(wer * 100).toFixed(0)}%: "${final.text}" for "${sentence}"\n`);
      // Each one, the first included: live CMN starts poorly, and the engine re-decodes its first utterance.
      expect(wer).toBeLessThanOrEqual(0.25);
      const count = sentence.split(/\s+/).length;
      errors += wer * count;
      words += count;
    }
    expect(errors / words).toBeLessThanOrEqual(0.25);
  });

  it('a killed engine process is restarted and recognition resumes', async () => {
    const pid = engine.pid!;
    const restarts = engine.restarts;
    process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(engine.restarts).toBe(restarts + 1);
    await engine.start();
    expect(engine.pid).not.toBe(pid);
    const sentence = LESSON_SENTENCES[1]!;
    const { samples } = fliteSpeech(sentence, 0.3, 0.3);
    // The new process's first utterance is decoded twice (live CMN warm-up): still recognised.
    const { final } = await recognise(engine, toPcm16(samples));
    expect(wordErrorRate(sentence, final.text)).toBeLessThanOrEqual(0.25);
  });

  it('an utterance cut by a crash rejects with a stable code instead of hanging', async () => {
    const { samples } = fliteSpeech(LESSON_SENTENCES[2]!, 0.3, 0.3);
    engine.begin();
    engine.audio(toPcm16(samples));
    const final = engine.end();
    process.kill(engine.pid!, 'SIGKILL');
    await expect(final).rejects.toMatchObject({ code: EngineErrorCode.Crashed });
    await engine.start();
  });

  it('killed in the middle of an utterance, the new process recognises the rest of it and the next one', async () => {
    const first = toPcm16(fliteSpeech(LESSON_SENTENCES[0]!, 0.3, 0.3).samples);
    engine.begin();
    engine.audio(first.subarray(0, first.length / 2));
    process.kill(engine.pid!, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await engine.start();
    // The second half goes to the new process, which has begun the utterance by itself.
    engine.audio(first.subarray(first.length / 2));
    const cut = await engine.end();
    expect(cut.final).toBe(true);
    expect(cut.text.split(/\s+/).filter(Boolean).length).toBeGreaterThan(0);
    // The next utterance is answered in step (no final of the cut one arrives in its place).
    const sentence = LESSON_SENTENCES[3]!;
    const { final } = await recognise(engine, toPcm16(fliteSpeech(sentence, 0.3, 0.3).samples));
    expect(wordErrorRate(sentence, final.text)).toBeLessThanOrEqual(0.25);
  });

  it('a missing model is a clear error naming the path', async () => {
    const missing = new PocketsphinxEngine({ modelDir: '/nonexistent/en-us' });
    await expect(missing.start()).rejects.toMatchObject({ code: EngineErrorCode.ModelUnusable, message: expect.stringContaining('/nonexistent/en-us') });
    await missing.close();
  });
});
