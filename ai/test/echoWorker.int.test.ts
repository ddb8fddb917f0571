import { jest } from '@jest/globals';
import type { EchoVerdict } from '../src/echo/EchoVerdict.js';
import { sharedCaptionWorker } from './support/worker.js';
import { leakingScenario, quietScenario, randomEchoPath, seededRandom, speechBank } from './support/echoSignals.js';
import { sendOpusRtp } from './support/speech.js';

jest.setTimeout(90_000);

/**
 * The echo guard where it runs: in the caption worker, on the PCM it already decodes from the
 * media taps. The teacher's stream is the reference for every classroom microphone of its lesson;
 * Opus RTP at real-time pace goes in, echo verdicts come out.
 */
describe('echo guard in the caption worker', () => {
  const workerOf = sharedCaptionWorker();

  it('flags the classroom whose microphone picks up the teacher from its loudspeakers, not the one that only talks', async () => {
    const worker = workerOf();
    const random = seededRandom(11);
    const bank = speechBank();
    const leak = leakingScenario(random, bank, randomEchoPath(random, 220, -10), { durationS: 14 });
    const talking = quietScenario(random, bank, 'double-talk', 14);
    const verdicts: Array<{ streamId: string; verdict: EchoVerdict; at: number }> = [];
    worker.on('echo', ({ streamId, verdict }) => verdicts.push({ streamId, verdict, at: Date.now() }));
    const base = { speaker: 'x', language: 'en' as const, payloadType: 111 };
    const teacherPort = await worker.open({ ...base, streamId: 'e-teacher', participantId: 'teacher', echo: { lessonId: 'L', role: 'reference' } });
    const leakingPort = await worker.open({ ...base, streamId: 'e-leaking', participantId: 'room-a', echo: { lessonId: 'L', role: 'microphone' } });
    const talkingPort = await worker.open({ ...base, streamId: 'e-talking', participantId: 'room-b', echo: { lessonId: 'L', role: 'microphone' } });
    const startedAt = Date.now();
    await Promise.all([sendOpusRtp(leak.reference, teacherPort), sendOpusRtp(leak.microphone, leakingPort), sendOpusRtp(talking.microphone, talkingPort)]);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const leaking = verdicts.find((v) => v.streamId === 'e-leaking' && v.verdict.state === 'leaking');
    expect(leaking).toBeDefined();
    const detectedAfterEchoMs = leaking!.at - (startedAt + leak.leakFromS! * 1000);
    process.stdout.write(`[echo] leaking classroom flagged ${detectedAfterEchoMs} ms after its echo began, delay ${leaking!.verdict.delayMs} ms (injected 220 ms), return loss ${leaking!.verdict.echoReturnLossDb} dB\n`);
    expect(detectedAfterEchoMs).toBeLessThanOrEqual(5_000);
    expect(Math.abs(leaking!.verdict.delayMs! - 220)).toBeLessThanOrEqual(30);
    expect(verdicts.some((v) => v.streamId === 'e-talking' && v.verdict.state === 'leaking')).toBe(false);
    expect(verdicts.some((v) => v.streamId === 'e-teacher')).toBe(false);
    for (const id of ['e-teacher', 'e-leaking', 'e-talking']) await worker.closeStream(id);
  });
});
