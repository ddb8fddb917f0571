import { jest } from '@jest/globals';
import { BrowserLab, receiveStats, total, waitForStats } from '@classbridge/load-tests';
import type { LocalServer } from '@classbridge/load-tests';

jest.setTimeout(90_000);

const LESSON = 'demo-music-g4';
const ROOM_A = 'classroom-qh-shangling-g4';

/**
 * Floor control in Chromium: a remote classroom's room microphone is not heard
 * by anyone until the teacher grants it the floor from the console.
 */
describe('floor control in Chromium', () => {
  let lab: BrowserLab;
  beforeAll(async () => {
    lab = await BrowserLab.start();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a classroom without the floor is not heard; after the grant it is', async () => {
    const teacher = await lab.openSeat(`teacher.html?lesson=${LESSON}`, { role: 'teacher' });
    const roomA = await lab.openSeat(`classroom.html?lesson=${LESSON}&classroom=qh-shangling-g4`, { role: 'classroom', classroomId: 'qh-shangling-g4' });
    const roomB = await lab.openSeat(`classroom.html?lesson=${LESSON}&classroom=qh-baishi-g4-2`, { role: 'classroom', classroomId: 'qh-baishi-g4-2' });
    const roomAudio = { participantId: ROOM_A, kind: 'audio' as const };

    // Everyone has subscribed to A's microphone (its consumer exists) and receives A's camera…
    for (const page of [teacher, roomB]) {
      await waitForStats(page, (s) => s.some((t) => t.participantId === ROOM_A && t.kind === 'audio') && total(s, { participantId: ROOM_A, kind: 'video' }, 'framesDecoded') > 5, 30_000, "A's tracks arrive");
    }
    // …but no audio packet of A's reaches them while A lacks the floor.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    for (const page of [teacher, roomB]) expect(total(await receiveStats(page), roomAudio, 'packetsReceived')).toBe(0);
    expect(await roomA.evaluate(() => (window as any).classbridge.status.micPaused)).toBe(true);
    const serverSide = await lab.server.sfu.consumerTraffic(LESSON, await peerIdOf(lab.server, 'classroom-qh-baishi-g4-2'));
    expect(serverSide.filter((c) => c.kind === 'audio' && c.producerPaused).length).toBeGreaterThan(0);

    // A raises its hand; the teacher's console shows it and grants the floor with a click.
    await roomA.click('#hand');
    const grant = teacher.locator(`#hands button[data-act="grant"][data-id="${ROOM_A}"]`);
    await grant.waitFor({ timeout: 10_000 });
    await grant.click();

    await roomA.waitForFunction(() => (window as any).classbridge.status.hasFloor === true, null, { timeout: 10_000 });
    expect(await roomA.textContent('#floor')).toContain('floor');
    for (const page of [teacher, roomB]) {
      await waitForStats(page, (s) => total(s, roomAudio, 'packetsReceived') > 20, 20_000, "A's audio after the grant");
    }

    // Revoking silences A again: the packet count stops growing.
    await teacher.click(`#people button[data-act="revoke"][data-id="${ROOM_A}"]`);
    await roomA.waitForFunction(() => (window as any).classbridge.status.hasFloor === false, null, { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const frozen = total(await receiveStats(roomB), roomAudio, 'packetsReceived');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(total(await receiveStats(roomB), roomAudio, 'packetsReceived')).toBe(frozen);
  });
});

/** The SFU peer id of a participant's current connection (the test looks at the SFU's own counters too). */
async function peerIdOf(server: LocalServer, participantId: string): Promise<string> {
  const live = await server.registry.find(LESSON);
  const peerId = live?.peerIdOf(participantId);
  if (!peerId) throw new Error(`${participantId} is not connected`);
  return peerId;
}
