import { jest } from '@jest/globals';
import { BrowserLab, receiveStats, total, waitForStats } from '@classbridge/load-tests';

jest.setTimeout(90_000);

const LESSON = 'demo-music-g4';

/**
 * The live-lesson path end to end in real Chromium: the teacher page publishes
 * camera and microphone through the SFU, two remote classroom pages receive.
 */
describe('live lesson in Chromium', () => {
  let lab: BrowserLab;
  beforeAll(async () => {
    // Bind media to the wildcard address, as production does, announcing loopback.
    lab = await BrowserLab.start({ RTC_LISTEN_IP: '0.0.0.0', RTC_ANNOUNCED_IP: '127.0.0.1' });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const classroom = (lessonId: string, classroomId: string) =>
    lab.openSeat(`classroom.html?lesson=${lessonId}&classroom=${classroomId}`, { role: 'classroom', classroomId });

  it('teacher is seen and heard in two classrooms; one leaves, the other keeps receiving', async () => {
    const teacher = await lab.openSeat(`teacher.html?lesson=${LESSON}`, { role: 'teacher', displayName: '王丽' });
    const roomA = await classroom(LESSON, 'qh-shangling-g4');
    const roomB = await classroom(LESSON, 'qh-baishi-g4-2');

    const teacherVideo = { participantId: 'teacher', kind: 'video' as const };
    const teacherAudio = { participantId: 'teacher', kind: 'audio' as const };
    for (const room of [roomA, roomB]) {
      const stats = await waitForStats(
        room,
        (s) => total(s, teacherVideo, 'framesDecoded') > 10 && total(s, teacherAudio, 'packetsReceived') > 20,
        30_000,
        'teacher video decoded and audio received',
      );
      expect(total(stats, teacherVideo, 'framesDecoded')).toBeGreaterThan(10);
      expect(total(stats, teacherAudio, 'bytesReceived')).toBeGreaterThan(1000);
    }
    // The teacher's (fake, beeping) microphone is the dominant speaker the SFU reports.
    await roomA.waitForFunction(() => (window as any).classbridge.stage.speaker === 'teacher', null, { timeout: 15_000 });
    // The teacher receives the classrooms' cameras too.
    await waitForStats(teacher, (s) => total(s, { participantId: 'classroom-qh-shangling-g4', kind: 'video' }, 'framesDecoded') > 5, 30_000, 'classroom video at teacher');

    // Classroom A leaves; the teacher's console sees it go and B keeps receiving.
    await roomA.evaluate(() => (window as any).classbridge.client.leave());
    await teacher.waitForFunction(() => (window as any).classbridge.participants.get('classroom-qh-shangling-g4')?.connected === false, null, { timeout: 10_000 });
    const before = await receiveStats(roomB);
    await waitForStats(
      roomB,
      (s) => total(s, teacherVideo, 'framesDecoded') > total(before, teacherVideo, 'framesDecoded') + 20 && total(s, teacherAudio, 'packetsReceived') > total(before, teacherAudio, 'packetsReceived') + 20,
      20_000,
      'classroom B keeps receiving after A left',
    );
    const participants = await lab.server.api('GET', `/api/lessons/${LESSON}/participants`);
    const connected = participants.body.participants.filter((p: any) => p.connected).map((p: any) => p.participantId).sort();
    expect(connected).toEqual(['classroom-qh-baishi-g4-2', 'teacher']);
    expect((await receiveStats(roomB)).find((s) => s.participantId === 'teacher' && s.kind === 'video')?.codec).toBe('video/VP8');
    await Promise.all([teacher, roomA, roomB].map((page) => page.context().close()));
  });

  it('carries H264 from a room PC that prefers it', async () => {
    const lesson = 'demo-english-g4';
    const teacher = await lab.openSeat(`teacher.html?lesson=${lesson}&codec=h264`, { role: 'teacher' });
    const room = await classroom(lesson, 'qh-baishi-g4-2');
    const stats = await waitForStats(room, (s) => total(s, { participantId: 'teacher', kind: 'video' }, 'framesDecoded') > 10, 30_000, 'H264 frames decoded');
    expect(stats.find((s) => s.participantId === 'teacher' && s.kind === 'video')?.codec).toBe('video/H264');
    await Promise.all([teacher, room].map((page) => page.context().close()));
  });
});
