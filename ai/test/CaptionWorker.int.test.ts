import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { jest } from '@jest/globals';
import type { Caption } from '@classbridge/protocol';
import { CaptionWorker, DEFAULT_NICENESS } from '../src/worker/CaptionWorker.js';
import { sharedCaptionWorker } from './support/worker.js';
import { fliteLesson, LESSON_SENTENCES, sendOpusRtp, wordErrorRate } from './support/speech.js';

jest.setTimeout(90_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The processes a process started (its engine processes, for the worker). */
const childrenOf = (pid: number) =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

/** Waits until `count` final captions of a stream arrived. */
async function finals(captions: Caption[], count: number, timeoutMs = 10_000): Promise<Caption[]> {
  const deadline = Date.now() + timeoutMs;
  while (captions.filter((c) => c.final).length < count && Date.now() < deadline) await sleep(100);
  return captions.filter((c) => c.final);
}

describe('CaptionWorker (a separate process: Opus RTP in, captions out)', () => {
  const workerOf = sharedCaptionWorker();

  it('captions Opus RTP sent to its port; restarted after being killed, it captions again', async () => {
    const worker = workerOf();
    const captions: Caption[] = [];
    worker.on('caption', ({ caption }) => captions.push(caption));
    const stream = { participantId: 'teacher', speaker: '王丽', language: 'en' as const, payloadType: 111 };

    const port = await worker.open({ streamId: 's1', ...stream });
    const lesson = fliteLesson(LESSON_SENTENCES.slice(1, 3));
    await sendOpusRtp(lesson.samples, port);
    const first = await finals(captions, 2);
    expect(first.map((c) => c.text)).toHaveLength(2);
    first.forEach((c, i) => expect(wordErrorRate(lesson.spans[i]!.text, c.text)).toBeLessThanOrEqual(0.25));
    expect(new Set(captions.map((c) => c.participantId))).toEqual(new Set(['teacher']));
    expect(captions.some((c) => !c.final)).toBe(true);
    // Recognition runs below normal priority, the worker and the engine it started alike.
    const engines = childrenOf(worker.pid!);
    expect(engines.length).toBeGreaterThan(0);
    for (const pid of [worker.pid!, ...engines]) expect(getPriority(pid)).toBe(DEFAULT_NICENESS);

    // Kill the process: it comes back, the stream is opened again, captions resume.
    const pid = worker.pid!;
    const restarted = new Promise((resolve) => worker.once('restarted', resolve));
    process.kill(pid, 'SIGKILL');
    await restarted;
    expect(worker.restarts).toBe(1);
    captions.length = 0;
    const again = await worker.open({ streamId: 's2', ...stream });
    expect(worker.pid).not.toBe(pid);
    expect(getPriority(worker.pid!)).toBe(DEFAULT_NICENESS);
    const more = fliteLesson([LESSON_SENTENCES[3]!]);
    await sendOpusRtp(more.samples, again);
    const resumed = await finals(captions, 1);
    expect(resumed).toHaveLength(1);
    expect(wordErrorRate(more.spans[0]!.text, resumed[0]!.text)).toBeLessThanOrEqual(0.25);
  });

  it('refuses a language whose model is not installed with a stable code naming the path and the fetch script, and keeps serving', async () => {
    const worker = workerOf();
    // Mandarin is sherpa-onnx's by default; its model is not in MODELS_DIR on a fresh machine.
    await expect(worker.open({ streamId: 'zh', participantId: 'teacher', speaker: '王丽', language: 'zh', payloadType: 111 })).rejects.toMatchObject({
      code: 'ASR_MODEL_UNUSABLE',
      message: expect.stringMatching(/sherpa-onnx-streaming-zipformer-bilingual-zh-en.*scripts\/fetch-models\.sh/),
    });
    const port = await worker.open({ streamId: 'en', participantId: 'teacher', speaker: '王丽', language: 'en', payloadType: 111 });
    expect(port).toBeGreaterThan(0);
    await worker.closeStream('en');
  });

  it('uses the engine the operator chose per language (pocketsphinx cannot do Mandarin: ASR_UNAVAILABLE)', async () => {
    const chosen = new CaptionWorker({ engines: { engines: { en: 'pocketsphinx', zh: 'pocketsphinx' }, modelsDir: '/nonexistent-models' } });
    try {
      await expect(chosen.open({ streamId: 'zh', participantId: 'teacher', speaker: '王丽', language: 'zh', payloadType: 111 })).rejects.toMatchObject({ code: 'ASR_UNAVAILABLE' });
      const whisper = new CaptionWorker({ engines: { engines: { en: 'whisper', zh: 'whisper' }, modelsDir: '/nonexistent-models' } });
      try {
        await expect(whisper.open({ streamId: 'en', participantId: 'teacher', speaker: '王丽', language: 'en', payloadType: 111 })).rejects.toMatchObject({
          code: 'ASR_MODEL_UNUSABLE',
          message: expect.stringContaining('/nonexistent-models/whisper/ggml-base.bin'),
        });
      } finally {
        await whisper.close();
      }
    } finally {
      await chosen.close();
    }
  });
});
