import { jest } from '@jest/globals';
import { BrowserLab, receiveStats, total, waitForStats } from '@classbridge/load-tests';

jest.setTimeout(90_000);

const LESSON = 'demo-music-g4';
const ROOM = 'classroom-qh-shangling-g4';

/**
 * A rural link drops the signaling connection: the SDK reconnects, joins again
 * with the same token, keeps its floor, and media flows both ways again.
 */
describe('reconnect after a dropped connection in Chromium', () => {
  let lab: BrowserLab;
  beforeAll(async () => {
    lab = await BrowserLab.start();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('rejoins, keeps the floor, and receives again', async () => {
    const teacher = await lab.openSeat(`teacher.html?lesson=${LESSON}`, { role: 'teacher' });
    const room = await lab.openSeat(`classroom.html?lesson=${LESSON}&classroom=qh-shangling-g4`, { role: 'classroom', classroomId: 'qh-shangling-g4' });
    const teacherVideo = { participantId: 'teacher', kind: 'video' as const };
    await waitForStats(room, (s) => total(s, teacherVideo, 'framesDecoded') > 10, 30_000, 'teacher video before the drop');
    await teacher.evaluate((id) => (window as any).classbridge.client.grantFloor(id), ROOM);
    await room.waitForFunction(() => (window as any).classbridge.status.hasFloor === true, null, { timeout: 10_000 });
    const oldConsumers = new Set((await receiveStats(room)).map((s) => s.consumerId));

    // The classroom's link drops.
    await lab.server.dropConnection(ROOM);

    await waitForStats(
      room,
      (s) => s.some((t) => !oldConsumers.has(t.consumerId) && t.participantId === 'teacher' && t.kind === 'video' && t.framesDecoded > 10),
      30_000,
      'teacher video after the reconnect',
    );
    expect(await room.evaluate(() => (window as any).classbridge.client.state)).toBe('connected');
    // The floor survived the rejoin, so the room microphone is live and the teacher hears it.
    expect(await room.evaluate(() => (window as any).classbridge.client.self.hasFloor)).toBe(true);
    await waitForStats(teacher, (s) => total(s, { participantId: ROOM, kind: 'audio' }, 'packetsReceived') > 20, 20_000, "the room's audio at the teacher after the reconnect");
  });
});
