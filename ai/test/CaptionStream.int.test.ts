/** @jest-environment ./ai/test/support/outerRealmEnvironment.cjs */
import { jest } from '@jest/globals';
import type { Caption } from '@classbridge/protocol';
import { PocketsphinxEngine } from '../src/asr/PocketsphinxEngine.js';
import { CaptionStream } from '../src/captions/CaptionStream.js';
import { SileroVad } from '../src/vad/SileroVad.js';
import { fliteLesson, LESSON_SENTENCES, toPcm16, wordErrorRate } from './support/speech.js';

jest.setTimeout(60_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CaptionStream (real Silero VAD, real pocketsphinx, flite speech at real-time pace)', () => {
  it('captions each sentence: partials while it is spoken, a final after it; times match the speech', async () => {
    const { samples, spans } = fliteLesson(LESSON_SENTENCES);
    const vad = await SileroVad.load();
    const engine = new PocketsphinxEngine();
    await engine.start();
    const received: Array<Caption & { at: number }> = [];
    const errors: Error[] = [];
    const stream = new CaptionStream({
      participantId: 'teacher',
      speaker: '王丽',
      language: 'en',
      vad,
      engine,
      onCaption: (caption) => received.push({ ...caption, at: Date.now() }),
      onError: (error) => errors.push(error),
    });

    // 20 ms chunks on a real-time schedule; capture times on the wall clock, as the SFU tap gives them.
    const pcm = toPcm16(samples);
    const t0 = Date.now();
    for (let at = 0, chunk = 0; at < pcm.length; at += 640, chunk++) {
      void stream.push(pcm.subarray(at, at + 640), t0 + chunk * 20);
      const due = t0 + (chunk + 1) * 20 - Date.now();
      if (due > 0) await sleep(due);
    }
    await stream.flush(Date.now());
    await sleep(1500);
    await stream.close();
    await engine.close();
    await vad.close();
    expect(errors).toEqual([]);

    const finals = received.filter((c) => c.final);
    expect(finals).toHaveLength(spans.length);
    const finalDelays: number[] = [];
    let errorsWeighted = 0;
    let words = 0;
    finals.forEach((final, i) => {
      const span = spans[i]!;
      const startMs = t0 + span.startS * 1000;
      const endMs = t0 + span.endS * 1000;
      const partials = received.filter((c) => !c.final && c.captionId === final.captionId);
      const firstPartialS = (partials[0]!.at - startMs) / 1000;
      const finalS = (final.at - endMs) / 1000;
      const wer = wordErrorRate(span.text, final.text);
      process.stdout.write(
        `[captions] "${final.text}" start ${final.startMs - startMs} ms, end ${final.endMs - endMs} ms off; ` +
          `first partial ${firstPartialS.toFixed(2)} s into speech, final ${finalS.toFixed(2)} s after it; WER ${(wer * 100).toFixed(0)}%\n`,
      );
      expect(partials.length).toBeGreaterThan(1);
      expect(final).toMatchObject({ participantId: 'teacher', speaker: '王丽', language: 'en' });
      expect(Math.abs(final.startMs - startMs)).toBeLessThan(300);
      expect(Math.abs(final.endMs - endMs)).toBeLessThan(300);
      expect(firstPartialS).toBeLessThan(1);
      // 500 ms of silence ends an utterance; a new engine's first utterance is decoded twice (live CMN warm-up).
      expect(finalS).toBeLessThan(2.5);
      finalDelays.push(finalS);
      // Partials come while the sentence is spoken, not after it.
      expect(partials[0]!.at).toBeLessThan(endMs);
      errorsWeighted += wer * span.text.split(/\s+/).length;
      words += span.text.split(/\s+/).length;
    });
    expect(errorsWeighted / words).toBeLessThanOrEqual(0.25);
    // The target: the final caption p50 within 1.5 s of the end of speech.
    const sorted = [...finalDelays].sort((a, b) => a - b);
    expect(sorted[Math.floor((sorted.length - 1) / 2)]!).toBeLessThan(1.5);
  });

  it('a flush in the middle of speech (the floor taken away) resolves only after that utterance\'s final caption', async () => {
    const { samples } = fliteLesson([LESSON_SENTENCES[1]!], 0.6);
    const vad = await SileroVad.load();
    const engine = new PocketsphinxEngine();
    await engine.start();
    const received: Caption[] = [];
    const stream = new CaptionStream({ participantId: 'c1', speaker: '上岭村小学', language: 'en', vad, engine, onCaption: (caption) => received.push(caption) });
    try {
      // Everything but the trailing silence: the VAD never sees the speech end by itself.
      const pcm = toPcm16(samples.subarray(0, samples.length - 16_000 * 0.6));
      const t0 = Date.now();
      for (let at = 0, chunk = 0; at < pcm.length; at += 640, chunk++) await stream.push(pcm.subarray(at, at + 640), t0 + chunk * 20);
      expect(received.filter((c) => c.final)).toHaveLength(0);
      await stream.flush(t0 + (pcm.length / 32_000) * 1000);
      expect(received.filter((c) => c.final)).toHaveLength(1);
      expect(wordErrorRate(LESSON_SENTENCES[1]!, received.find((c) => c.final)!.text)).toBeLessThanOrEqual(0.25);
    } finally {
      await engine.close();
      await stream.close();
      await vad.close();
    }
  });
});
