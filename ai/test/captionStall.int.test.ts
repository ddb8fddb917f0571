import { jest } from '@jest/globals';
import type { Caption } from '@classbridge/protocol';
import { sharedCaptionWorker } from './support/worker.js';
import { descendants } from './support/processes.js';
import { fliteLesson, LESSON_SENTENCES, sendOpusRtp } from './support/speech.js';

jest.setTimeout(120_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A caption worker starved of the CPU for seconds (a loaded server; it runs below normal
 * priority) must come back on time: captions of speech after the stall carry the speech's own
 * times, and arrive within a couple of seconds again instead of staying behind.
 */
describe('captions after the caption worker stalled', () => {
  const workerOf = sharedCaptionWorker();

  it('keeps caption times on the speech and catches up after 5 s stalls (sender in Opus DTX)', async () => {
    const worker = workerOf();
    const captions: Array<Caption & { receivedMs: number }> = [];
    worker.on('caption', ({ caption }) => captions.push({ ...caption, receivedMs: Date.now() }));
    const port = await worker.open({ streamId: 'stall', participantId: 'teacher', speaker: '王丽', language: 'en', payloadType: 111 });
    const lesson = fliteLesson([...LESSON_SENTENCES, ...LESSON_SENTENCES, ...LESSON_SENTENCES.slice(1)], 1.5);
    const sentAt = Date.now();
    const sending = sendOpusRtp(lesson.samples, port, 111, { dtx: true });
    // Freeze the worker and its engine for 5 s, three times, with 5 s between (the benchmark's pattern).
    await sleep(sentAt + lesson.spans[1]!.startS * 1000 + 500 - Date.now());
    let resumedAt = 0;
    for (let stall = 0; stall < 3; stall++) {
      const frozen = [worker.pid!, ...descendants(worker.pid!).map((p) => p.pid)];
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
      await sleep(5_000);
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      resumedAt = Date.now();
      if (stall < 2) await sleep(5_000);
    }
    await sending;
    await sleep(3_000);

    const finals = captions.filter((c) => c.final);
    const after = lesson.spans
      .map((span, index) => ({ span, index, startMs: sentAt + span.startS * 1000, endMs: sentAt + span.endS * 1000 }))
      .filter(({ startMs }) => startMs > resumedAt + 1_000);
    expect(after.length).toBeGreaterThanOrEqual(2);
    const report = after.map(({ span, startMs, endMs }) => {
      const final = finals.find((c) => Math.abs(c.startMs - startMs) < 1_500);
      return { text: span.text, startErrorMs: final ? final.startMs - startMs : null, endErrorMs: final ? final.endMs - endMs : null, finalAfterEndMs: final ? final.receivedMs - endMs : null };
    });
    process.stdout.write(`[stall] after a 5 s stall: ${JSON.stringify(report)}\n`);
    for (const r of report) {
      expect(r.startErrorMs).not.toBeNull();
      expect(Math.abs(r.startErrorMs!)).toBeLessThanOrEqual(300);
      expect(Math.abs(r.endErrorMs!)).toBeLessThanOrEqual(400);
      expect(r.finalAfterEndMs!).toBeLessThanOrEqual(2_000);
    }
  });
});
