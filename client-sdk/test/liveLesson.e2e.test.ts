import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, startLocalServer, total, waitForStats, receiveStats } from '@classbridge/load-tests';
import type { LocalServer } from '@classbridge/load-tests';

jest.setTimeout(90_000);

const LESSON = 'demo-music-g4';

/**
 * The live-lesson path end to end in real Chromium: the teacher page publishes
 * camera and microphone through the SFU, two remote classroom pages receive.
 */
describe('live lesson in Chromium', () => {
  let server: LocalServer;
  let browser: Browser;

  beforeAll(async () => {
    // Bind media to the wildcard address, as production does, announcing loopback.
    server = await startLocalServer({ RTC_LISTEN_IP: '0.0.0.0', RTC_ANNOUNCED_IP: '127.0.0.1' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function classroomPage(classroomId: string): Promise<Page> {
    const token = await server.mintToken(LESSON, { role: 'classroom', classroomId });
    return openPage(browser, `${server.url}/classroom.html?lesson=${LESSON}&classroom=${classroomId}&token=${token}`);
  }

  it('teacher is seen and heard in two classrooms; one leaves, the other keeps receiving', async () => {
    const teacherToken = await server.mintToken(LESSON, { role: 'teacher', displayName: '王丽' });
    const teacher = await openPage(browser, `${server.url}/teacher.html?lesson=${LESSON}&token=${teacherToken}`);
    const roomA = await classroomPage('qh-shangling-g4');
    const roomB = await classroomPage('qh-baishi-g4-2');

    const fromTeacher = { participantId: 'teacher' };
    for (const room of [roomA, roomB]) {
      const stats = await waitForStats(
        room,
        (s) => total(s, { ...fromTeacher, kind: 'video' }, 'framesDecoded') > 10 && total(s, { ...fromTeacher, kind: 'audio' }, 'packetsReceived') > 20,
        30_000,
        'teacher video decoded and audio received',
      );
      expect(total(stats, { ...fromTeacher, kind: 'video' }, 'framesDecoded')).toBeGreaterThan(10);
      expect(total(stats, { ...fromTeacher, kind: 'audio' }, 'bytesReceived')).toBeGreaterThan(1000);
    }
    // The teacher receives the classrooms' cameras too.
    await waitForStats(teacher, (s) => total(s, { participantId: 'classroom-qh-shangling-g4', kind: 'video' }, 'framesDecoded') > 5, 30_000, 'classroom video at teacher');

    // Classroom A leaves; the teacher's console sees it go and B keeps receiving.
    await roomA.evaluate(() => (window as any).classbridge.client.leave());
    await teacher.waitForFunction(() => (window as any).classbridge.participants.get('classroom-qh-shangling-g4')?.connected === false, null, { timeout: 10_000 });
    const before = total(await receiveStats(roomB), { ...fromTeacher, kind: 'video' }, 'framesDecoded');
    const audioBefore = total(await receiveStats(roomB), { ...fromTeacher, kind: 'audio' }, 'packetsReceived');
    await waitForStats(
      roomB,
      (s) => total(s, { ...fromTeacher, kind: 'video' }, 'framesDecoded') > before + 20 && total(s, { ...fromTeacher, kind: 'audio' }, 'packetsReceived') > audioBefore + 20,
      20_000,
      'classroom B keeps receiving after A left',
    );
    const participants = await server.api('GET', `/api/lessons/${LESSON}/participants`);
    const connected = participants.body.participants.filter((p: any) => p.connected).map((p: any) => p.participantId).sort();
    expect(connected).toEqual(['classroom-qh-baishi-g4-2', 'teacher']);
    const video = (await receiveStats(roomB)).find((s) => s.participantId === 'teacher' && s.kind === 'video');
    expect(video?.codec).toBe('video/VP8');
    await Promise.all([teacher, roomA, roomB].map((page) => page.context().close()));
  });

  it('carries H264 from a room PC that prefers it', async () => {
    const lesson = 'demo-english-g4';
    const teacherToken = await server.mintToken(lesson, { role: 'teacher' });
    const teacher = await openPage(browser, `${server.url}/teacher.html?lesson=${lesson}&codec=h264&token=${teacherToken}`);
    const token = await server.mintToken(lesson, { role: 'classroom', classroomId: 'qh-baishi-g4-2' });
    const room = await openPage(browser, `${server.url}/classroom.html?lesson=${lesson}&classroom=qh-baishi-g4-2&token=${token}`);
    const stats = await waitForStats(room, (s) => total(s, { participantId: 'teacher', kind: 'video' }, 'framesDecoded') > 10, 30_000, 'H264 frames decoded');
    expect(stats.find((s) => s.participantId === 'teacher' && s.kind === 'video')?.codec).toBe('video/H264');
    await Promise.all([teacher, room].map((page) => page.context().close()));
  });
});
