import jwt from 'jsonwebtoken';
import { ErrorCode, MAX_REQUEST_BYTES } from '@classbridge/protocol';
import { startLocalServer } from '@classbridge/load-tests';
import type { LocalServer } from '@classbridge/load-tests';
import { connect, opusRtpParameters, vp8RtpParameters } from './support/socketClient.js';
import type { TestSocket } from './support/socketClient.js';
import { waitFor } from './socketProtocol.int.test.js';

const LESSON = 'demo-music-g4';
const OTHER_LESSON = 'demo-english-g4';

/**
 * Bad input and abuse: each attempt is refused with a stable code while a live
 * lesson (a teacher and a classroom) goes on undisturbed.
 */
describe('abuse matrix', () => {
  let server: LocalServer;
  let teacher: TestSocket;
  let classroom: TestSocket;
  let teacherProducerId: string;
  const extra: TestSocket[] = [];

  async function join(body: Record<string, unknown>, lessonId = LESSON): Promise<TestSocket> {
    const socket = await connect(server.url, { token: await server.mintToken(lessonId, body) });
    const caps = await socket.request('getRouterRtpCapabilities');
    await socket.request('join', { rtpCapabilities: caps.ok ? caps.data.rtpCapabilities : {} });
    extra.push(socket);
    return socket;
  }

  async function refusal(auth: Record<string, unknown>): Promise<string> {
    return connect(server.url, auth).then(
      (socket) => {
        socket.close();
        return 'ACCEPTED';
      },
      (error: { code: string }) => error.code,
    );
  }

  /** The lesson still works: the teacher's producer is there and the classroom can still act. */
  async function expectLessonUndisturbed(): Promise<void> {
    const participants = await server.api('GET', `/api/lessons/${LESSON}/participants`);
    const connected = participants.body.participants.filter((p: { connected: boolean }) => p.connected).map((p: { participantId: string }) => p.participantId);
    expect(connected).toEqual(expect.arrayContaining(['teacher', 'classroom-qh-shangling-g4']));
    const state = await classroom.request('sync', {});
    expect(state.ok).toBe(true);
    expect(state.data.producers.map((p: { producerId: string }) => p.producerId)).toContain(teacherProducerId);
  }

  beforeAll(async () => {
    server = await startLocalServer({ RATE_LIMIT_BURST: '40', RATE_LIMIT_PER_SECOND: '20' });
    teacher = await join({ role: 'teacher' });
    classroom = await join({ role: 'classroom', classroomId: 'qh-shangling-g4' });
    const send = await teacher.request('createTransport', { direction: 'send' });
    const produced = await teacher.request('produce', { transportId: send.data.id, kind: 'video', source: 'camera', rtpParameters: vp8RtpParameters(42) });
    teacherProducerId = produced.data.producerId;
    await classroom.request('createTransport', { direction: 'recv' });
  });

  afterAll(async () => {
    extra.forEach((s) => s.close());
    await server.stop();
  });

  it('no token → UNAUTHORIZED', async () => {
    expect(await refusal({})).toBe(ErrorCode.Unauthorized);
    await expectLessonUndisturbed();
  });

  it('expired token → TOKEN_EXPIRED', async () => {
    const expired = jwt.sign(
      { sub: 'x', lessonId: LESSON, role: 'observer', name: 'x', exp: Math.floor(Date.now() / 1000) - 5 },
      server.config.tokenSecret,
      { issuer: 'classbridge', audience: 'classbridge-lesson' },
    );
    expect(await refusal({ token: expired })).toBe(ErrorCode.TokenExpired);
    await expectLessonUndisturbed();
  });

  it('token for another lesson → WRONG_LESSON', async () => {
    const token = await server.mintToken(OTHER_LESSON, { role: 'observer' });
    expect(await refusal({ token, lessonId: LESSON })).toBe(ErrorCode.WrongLesson);
    await expectLessonUndisturbed();
  });

  it('forged signature → UNAUTHORIZED', async () => {
    const forged = jwt.sign({ sub: 'teacher', lessonId: LESSON, role: 'teacher', name: 'Mallory' }, 'guessed-secret-guessed-secret-guessed', {
      issuer: 'classbridge',
      audience: 'classbridge-lesson',
      expiresIn: 600,
    });
    expect(await refusal({ token: forged })).toBe(ErrorCode.Unauthorized);
    await expectLessonUndisturbed();
  });

  it('role escalation: an observer producing → FORBIDDEN', async () => {
    const observer = await join({ role: 'observer', displayName: 'Inspector' });
    expect(await observer.request('createTransport', { direction: 'send' })).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    // Even with someone else's transport id, producing is refused on role first.
    const produced = await observer.request('produce', { transportId: 'any', kind: 'audio', source: 'microphone', rtpParameters: opusRtpParameters(9) });
    expect(produced).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    expect(await observer.request('grantFloor', { participantId: 'classroom-qh-shangling-g4' })).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    expect(await observer.request('endLesson', {})).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    await expectLessonUndisturbed();
  });

  it('role escalation: a classroom unmuting itself without the floor → FLOOR_REQUIRED', async () => {
    const send = await classroom.request('createTransport', { direction: 'send' });
    const mic = await classroom.request('produce', { transportId: send.data.id, kind: 'audio', source: 'microphone', rtpParameters: opusRtpParameters(4242) });
    expect(mic).toMatchObject({ ok: true, data: { pausedReason: 'no-floor' } });
    expect(await classroom.request('resumeProducer', { producerId: mic.data.producerId })).toMatchObject({ ok: false, error: { code: ErrorCode.FloorRequired } });
    expect(await classroom.request('grantFloor', { participantId: 'classroom-qh-shangling-g4' })).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    // Touching the teacher's producer is not possible either.
    expect(await classroom.request('pauseProducer', { producerId: teacherProducerId })).toMatchObject({ ok: false, error: { code: ErrorCode.NotFound } });
    // With the floor granted, the same request succeeds.
    expect((await teacher.request('grantFloor', { participantId: 'classroom-qh-shangling-g4' })).ok).toBe(true);
    await waitFor(() => classroom.notifications.some((n) => n.method === 'producerResumed'));
    expect(await classroom.request('pauseProducer', { producerId: mic.data.producerId })).toEqual({ ok: true, data: {} });
    expect(await classroom.request('resumeProducer', { producerId: mic.data.producerId })).toEqual({ ok: true, data: {} });
    expect((await teacher.request('revokeFloor', { participantId: 'classroom-qh-shangling-g4' })).ok).toBe(true);
    await expectLessonUndisturbed();
  });

  it('oversized payload → PAYLOAD_TOO_LARGE; a frame over the transport limit only drops that socket', async () => {
    const observer = await join({ role: 'observer' });
    const big = await observer.request('createTransport', { direction: 'recv', pad: 'x'.repeat(MAX_REQUEST_BYTES + 10) });
    expect(big).toMatchObject({ ok: false, error: { code: ErrorCode.PayloadTooLarge } });
    const huge = await join({ role: 'observer' });
    const closed = new Promise((resolve) => huge.socket.once('disconnect', resolve));
    huge.socket.emit('request', { method: 'leave', data: { pad: 'x'.repeat(200_000) } });
    await closed;
    await expectLessonUndisturbed();
  });

  it('message flood → RATE_LIMITED for the flooder only', async () => {
    const flooder = await join({ role: 'student' });
    const answers = await Promise.all(Array.from({ length: 200 }, () => flooder.request('lowerHand', {})));
    const limited = answers.filter((a) => !a.ok && a.error.code === ErrorCode.RateLimited).length;
    expect(limited).toBeGreaterThan(100);
    expect(answers.filter((a) => a.ok).length).toBeGreaterThan(0);
    // Unknown events count against the same budget.
    const junk = await Promise.all(Array.from({ length: 50 }, () => flooder.socket.timeout(5000).emitWithAck('spam', 1)));
    expect(junk.filter((a: { error: { code: string } }) => a.error.code === ErrorCode.RateLimited).length).toBeGreaterThan(40);
    // Others are not limited by someone else's flood.
    expect(await teacher.request('spotlight', { participantId: null })).toEqual({ ok: true, data: {} });
    await expectLessonUndisturbed();
  });

  it('resource abuse: extra transports and duplicate consumers → CONFLICT', async () => {
    const greedy = await join({ role: 'observer' });
    const made = await Promise.all(Array.from({ length: 6 }, () => greedy.request('createTransport', { direction: 'recv' })));
    expect(made.filter((a) => a.ok)).toHaveLength(4);
    expect(made.filter((a) => !a.ok).map((a) => a.error.code)).toEqual([ErrorCode.Conflict, ErrorCode.Conflict]);
    // Sent at once, so the second arrives while the first consumer is still being created.
    const twice = await Promise.all([1, 2].map(() => greedy.request('consume', { producerId: teacherProducerId })));
    expect(twice.filter((a) => a.ok)).toHaveLength(1);
    expect(twice.find((a) => !a.ok)?.error.code).toBe(ErrorCode.Conflict);
    await expectLessonUndisturbed();
  });

  it('a removed participant cannot come back with the same token', async () => {
    const token = await server.mintToken(LESSON, { role: 'student', participantId: 'noisy-student' });
    const student = await connect(server.url, { token });
    const caps = await student.request('getRouterRtpCapabilities');
    await student.request('join', { rtpCapabilities: caps.data.rtpCapabilities });
    const gone = new Promise((resolve) => student.socket.once('disconnect', resolve));
    expect(await teacher.request('removeParticipant', { participantId: 'noisy-student' })).toEqual({ ok: true, data: {} });
    await gone;
    expect(student.notifications).toContainEqual({ method: 'removed', data: { reason: 'removed' } });
    const again = await connect(server.url, { token });
    extra.push(again);
    expect(await again.request('join', { rtpCapabilities: caps.data.rtpCapabilities })).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    await expectLessonUndisturbed();
  });
});
