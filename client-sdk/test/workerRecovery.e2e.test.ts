import { jest } from '@jest/globals';
import type { LocalSfu } from '@classbridge/sfu';
import { BrowserLab, receiveStats, total, waitForStats } from '@classbridge/load-tests';

jest.setTimeout(90_000);

const LESSON = 'demo-music-g4';

/**
 * A mediasoup worker crashes mid-lesson: the pool replaces it, the lesson is told
 * (mediaReset), and the SDK in every page rebuilds its media without a reload.
 */
describe('media worker recovery in Chromium', () => {
  let lab: BrowserLab;
  beforeAll(async () => {
    lab = await BrowserLab.start();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('pages receive the teacher again after the worker is killed', async () => {
    const teacher = await lab.openSeat(`teacher.html?lesson=${LESSON}`, { role: 'teacher' });
    const room = await lab.openSeat(`classroom.html?lesson=${LESSON}&classroom=qh-shangling-g4`, { role: 'classroom', classroomId: 'qh-shangling-g4' });
    const teacherVideo = { participantId: 'teacher', kind: 'video' as const };
    const before = await waitForStats(room, (s) => total(s, teacherVideo, 'framesDecoded') > 10, 30_000, 'teacher video before the crash');
    const oldConsumers = new Set(before.map((s) => s.consumerId));

    const sfu = lab.server.sfu as LocalSfu;
    const [pid] = sfu.workerPids();
    process.kill(pid!, 'SIGKILL');

    // New consumers (the old ones died with the worker) decode the teacher's video again.
    const after = await waitForStats(
      room,
      (s) => s.some((t) => !oldConsumers.has(t.consumerId) && t.participantId === 'teacher' && t.kind === 'video' && t.framesDecoded > 10),
      45_000,
      'teacher video after the worker was replaced',
    );
    expect(after.some((t) => oldConsumers.has(t.consumerId))).toBe(false);
    await waitForStats(room, (s) => total(s, { participantId: 'teacher', kind: 'audio' }, 'packetsReceived') > 10, 20_000, 'teacher audio after recovery');
    await waitForStats(teacher, (s) => total(s, { participantId: 'classroom-qh-shangling-g4', kind: 'video' }, 'framesDecoded') > 5, 20_000, 'classroom video at the teacher after recovery');
    expect(sfu.workerPids()).not.toContain(pid);
    expect(await room.evaluate(() => (window as any).classbridge.client.state)).toBe('connected');
    expect((await receiveStats(room)).length).toBeGreaterThan(0);
  });
});
