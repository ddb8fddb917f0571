import { ErrorCode } from '@classbridge/protocol';
import { startLocalServer } from '@classbridge/load-tests';
import type { LocalServer } from '@classbridge/load-tests';
import { joinAs, waitFor } from './support/socketClient.js';
import type { TestSocket } from './support/socketClient.js';

const LESSON = 'demo-music-g4';
const ROOM_ID = 'classroom-qh-shangling-g4';
const report = (score: number | null, lossPct = 0) => ({ score, lossPct, rttMs: 40, jitterMs: 5, freezes: 0, concealmentPct: 0, availableOutgoingBitrate: 800_000 });

describe('network quality reports (what each SDK measures of its own link)', () => {
  let server: LocalServer;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    server = await startLocalServer();
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server.stop();
  });

  it('tells the lesson when a classroom\'s score changes (not when only its figures do), and counts participants by score in /metrics', async () => {
    const teacher = await joinAs(server, LESSON, { role: 'teacher' });
    const room = await joinAs(server, LESSON, { role: 'classroom', classroomId: 'qh-shangling-g4' });
    sockets.push(teacher, room);
    const updatesOfRoom = () => teacher.notifications.filter((n) => n.method === 'participantUpdated' && n.data.participantId === ROOM_ID);
    const before = updatesOfRoom().length;

    expect(await room.request('reportNetworkQuality', report(2, 9.5))).toEqual({ ok: true, data: {} });
    await waitFor(() => updatesOfRoom().length === before + 1);
    expect(updatesOfRoom().at(-1)).toMatchObject({ data: { network: { score: 2, lossPct: 9.5, rttMs: 40 } } });

    // The same score with other figures: no broadcast (a report comes every few seconds from every classroom).
    expect((await room.request('reportNetworkQuality', report(2, 8))).ok).toBe(true);
    expect((await room.request('reportNetworkQuality', report(5, 0))).ok).toBe(true);
    await waitFor(() => updatesOfRoom().length === before + 2);
    expect(updatesOfRoom().at(-1)).toMatchObject({ data: { network: { score: 5, lossPct: 0 } } });

    // A late joiner sees the last report in the roster.
    const observer = await joinAs(server, LESSON, { role: 'observer', displayName: 'Inspector' });
    sockets.push(observer);
    const roster = (await observer.request('sync')).data.participants as Array<{ participantId: string; network: { score: number } | null }>;
    expect(roster.find((p) => p.participantId === ROOM_ID)?.network?.score).toBe(5);

    const metrics = String((await server.api('GET', '/metrics')).body);
    expect(metrics).toMatch(/^classbridge_participants_by_network_quality\{score="5"\} 1$/m);
    expect(metrics).toMatch(/^classbridge_participants_by_network_quality\{score="none"\} 2$/m); // teacher and observer reported nothing
  });

  it.each<[unknown, string]>([
    [{ ...report(6) }, 'score above 5'],
    [{ ...report(3), lossPct: -1 }, 'negative loss'],
    [{ ...report(3), extra: true }, 'an unknown field'],
    [{ score: 3 }, 'missing figures'],
    ['bad', 'not an object'],
  ])('refuses a malformed report (%j: %s) with BAD_REQUEST and keeps serving', async (data) => {
    const student = await joinAs(server, LESSON, { role: 'student', displayName: 'Li Hua' });
    sockets.push(student);
    expect(await student.request('reportNetworkQuality', data)).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    expect((await student.request('reportNetworkQuality', report(4))).ok).toBe(true);
  });
});
