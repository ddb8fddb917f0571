import jwt from 'jsonwebtoken';
import { ErrorCode, MAX_REQUEST_BYTES } from '@classbridge/protocol';
import { startLocalServer } from '@classbridge/load-tests';
import type { LocalServer } from '@classbridge/load-tests';
import { connect, joinAs, opusRtpParameters, outcome, refusal as refusalAt, vp8RtpParameters, waitFor } from './support/socketClient.js';
import type { TestSocket } from './support/socketClient.js';
import { jest } from '@jest/globals';

// Rows that open hundreds of sockets need more than jest's default 5 s on a loaded 2-core machine.
jest.setTimeout(30_000);

const LESSON = 'demo-music-g4';
const OTHER_LESSON = 'demo-english-g4';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** A lesson of its own (rows that end lessons must not end the shared one). */
async function newLesson(server: LocalServer, id: string): Promise<string> {
  const created = await server.api('POST', '/api/lessons', {
    id,
    title: 'Science',
    mainClassroomId: 'qh-exp-g4-1',
    remoteClassroomIds: ['qh-shangling-g4'],
    scheduledStart: new Date().toISOString(),
  });
  if (created.status !== 201) throw new Error(`lesson not created: ${JSON.stringify(created.body)}`);
  return id;
}

const disconnected = (client: TestSocket): Promise<void> =>
  new Promise((resolve) => (client.socket.connected ? client.socket.once('disconnect', () => resolve()) : resolve()));

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

  const refusal = (auth: Record<string, unknown>): Promise<string> => refusalAt(server.url, auth);

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
    server = await startLocalServer({ RATE_LIMIT_BURST: '40', RATE_LIMIT_PER_SECOND: '20', METRICS_TOKEN: METRICS_TOKEN, CORS_ORIGINS: 'https://platform.example.edu' });
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

  it('20 concurrent publishes of one source → exactly one producer, the rest CONFLICT', async () => {
    const room = await join({ role: 'classroom', classroomId: 'qh-baishi-g4-2' });
    const send = await room.request('createTransport', { direction: 'send' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => room.request('produce', { transportId: send.data.id, kind: 'video', source: 'camera', rtpParameters: vp8RtpParameters(7000 + i) })),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok).map(outcome)).toEqual(Array(19).fill(ErrorCode.Conflict));
    const seen = (await teacher.request('sync', {})).data.producers.filter((p: { participantId: string; source: string }) => p.participantId === 'classroom-qh-baishi-g4-2' && p.source === 'camera');
    expect(seen).toHaveLength(1);
    room.close();
    await expectLessonUndisturbed();
  });

  it('concurrent joins with one token → exactly one live session; the others are dropped', async () => {
    const token = await server.mintToken(LESSON, { role: 'student', participantId: 'racing-student' });
    const sockets = await Promise.all(Array.from({ length: 4 }, () => connect(server.url, { token })));
    extra.push(...sockets);
    const caps = (await sockets[0]!.request('getRouterRtpCapabilities')).data.rtpCapabilities;
    const joins = await Promise.all(sockets.map((s) => s.request('join', { rtpCapabilities: caps })));
    expect(joins.every((a) => a.ok)).toBe(true);
    // Every socket but one is told it was replaced and dropped.
    await waitFor(() => sockets.filter((s) => s.socket.connected).length === 1);
    const survivor = sockets.find((s) => s.socket.connected)!;
    for (const old of sockets.filter((s) => s !== survivor)) {
      expect(old.notifications).toContainEqual({ method: 'removed', data: { reason: 'replaced' } });
    }
    expect(await survivor.request('raiseHand', {})).toEqual({ ok: true, data: {} });
    const participants = await server.api('GET', `/api/lessons/${LESSON}/participants`);
    expect(participants.body.participants.filter((p: { participantId: string }) => p.participantId === 'racing-student')).toHaveLength(1);
    survivor.close();
    await expectLessonUndisturbed();
  });

  it('sockets per participant are capped: 10 at once on one token → 4 accepted, 6 LIMIT_EXCEEDED', async () => {
    const token = await server.mintToken(LESSON, { role: 'observer', participantId: 'greedy-viewer' });
    const attempts = await Promise.all(Array.from({ length: 10 }, () => connect(server.url, { token }).then((s) => s, (e: { code: string }) => e.code)));
    const accepted = attempts.filter((a): a is TestSocket => typeof a !== 'string');
    expect(accepted).toHaveLength(4);
    expect(attempts.filter((a) => a === ErrorCode.LimitExceeded)).toHaveLength(6);
    // Closing one frees its place.
    accepted[0]!.close();
    await waitFor(() => !accepted[0]!.socket.connected);
    let again: TestSocket | undefined;
    for (let i = 0; i < 20 && !again; i++) {
      again = await connect(server.url, { token }).catch(() => undefined);
      if (!again) await new Promise((r) => setTimeout(r, 50));
    }
    expect(again).toBeDefined();
    [...accepted, again!].forEach((s) => s.close());
    await expectLessonUndisturbed();
  });

  it('a token lives no longer than it says: the session ends at expiry; no exp or too long a life is refused', async () => {
    const sign = (payload: object, options: jwt.SignOptions) =>
      jwt.sign({ sub: 'late-viewer', lessonId: LESSON, role: 'observer', name: 'x', ...payload }, server.config.tokenSecret, { issuer: 'classbridge', audience: 'classbridge-lesson', ...options });
    expect(await refusal({ token: sign({}, {}) })).toBe(ErrorCode.Unauthorized); // no exp
    expect(await refusal({ token: sign({}, { expiresIn: 13 * 3600 }) })).toBe(ErrorCode.Unauthorized);
    const shortLived = await connect(server.url, { token: sign({}, { expiresIn: 2 }) });
    extra.push(shortLived);
    const caps = (await shortLived.request('getRouterRtpCapabilities')).data.rtpCapabilities;
    expect(await shortLived.request('join', { rtpCapabilities: caps })).toMatchObject({ ok: true });
    await disconnected(shortLived);
    expect(shortLived.notifications).toContainEqual({ method: 'removed', data: { reason: 'token-expired' } });
    await expectLessonUndisturbed();
  });

  it('ending a lesson answers the teacher and drops every socket of that lesson, joined or not', async () => {
    const lessonId = await newLesson(server, 'abuse-ending');
    const host = await joinAs(server, lessonId, { role: 'teacher' });
    const lurker = await connect(server.url, { token: await server.mintToken(lessonId, { role: 'observer' }) });
    const pupil = await joinAs(server, lessonId, { role: 'student' });
    extra.push(host, lurker, pupil);
    expect(await host.request('endLesson', {})).toEqual({ ok: true, data: {} });
    await Promise.all([disconnected(host), disconnected(lurker), disconnected(pupil)]);
    expect(pupil.notifications).toContainEqual({ method: 'lessonEnded', data: { reason: 'ended-by-teacher' } });
    // Tokens minted before the end no longer get in.
    const late = await server.api('POST', `/api/lessons/${lessonId}/tokens`, { role: 'observer' });
    expect(late.status).toBe(409);
    await expectLessonUndisturbed();
  });

  it('every request with an acknowledgement gets exactly one answer, whatever its shape', async () => {
    const observer = await join({ role: 'observer' });
    const raw = (...args: unknown[]) => observer.socket.timeout(3000).emitWithAck('request', ...args);
    expect(await raw()).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    expect(await raw('extra', { method: 'sync', data: {} })).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    expect(await raw(42)).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    expect(await raw(null)).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    expect(await raw({ method: 'sync', data: {} })).toMatchObject({ ok: true });
    await expectLessonUndisturbed();
  });

  it('hostile RTP parameters are refused by the schema, and mediasoup’s own text never reaches the client', async () => {
    const room = await join({ role: 'classroom', classroomId: 'qh-baishi-g4-2' });
    const send = await room.request('createTransport', { direction: 'send' });
    const produce = (rtpParameters: unknown, source = 'camera', kind = 'video') => room.request('produce', { transportId: send.data.id, kind, source, rtpParameters });
    expect(outcome(await produce({ ...vp8RtpParameters(1), encodings: [{ ssrc: 2 ** 32 + 5 }] }))).toBe(ErrorCode.BadRequest);
    expect(outcome(await produce({ ...vp8RtpParameters(1), encodings: [{ ssrc: 5, maxBitrate: 1e308 }] }))).toBe(ErrorCode.BadRequest);
    expect(outcome(await produce({ ...vp8RtpParameters(1), encodings: [{ ssrc: 5, scaleResolutionDownBy: 1e-300 }] }))).toBe(ErrorCode.BadRequest);
    expect(outcome(await produce({ ...vp8RtpParameters(1), rtcp: { cname: 'a\u0000b' } }))).toBe(ErrorCode.BadRequest);
    expect(outcome(await produce({ ...vp8RtpParameters(1), headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }, { uri: 'urn:x', id: 1 }] }))).toBe(ErrorCode.BadRequest);
    const polluted = JSON.parse('{"mimeType":"video/VP8","payloadType":96,"clockRate":90000,"parameters":{"__proto__":{"polluted":1}}}');
    expect(outcome(await produce({ ...vp8RtpParameters(1), codecs: [polluted] }))).toBe(ErrorCode.BadRequest);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // An SSRC already used on this transport is mediasoup's refusal, answered with a safe message.
    const mic = await produce(opusRtpParameters(4343), 'microphone', 'audio');
    expect(outcome(mic)).toBe('OK');
    const clash = await produce(vp8RtpParameters(4343));
    expect(clash).toMatchObject({ ok: false, error: { code: ErrorCode.InvalidMediaParameters } });
    expect(clash.error.message).not.toMatch(/mediasoup|\[method:|listener|Error/);
    expect(outcome(await room.request('closeProducer', { producerId: mic.data.producerId }))).toBe('OK');
    const opus = await produce({ ...opusRtpParameters(77), codecs: [{ mimeType: 'audio/nonsense', payloadType: 100, clockRate: 48000 }] }, 'microphone', 'audio');
    expect(outcome(opus)).toBe(ErrorCode.InvalidMediaParameters);
    expect(opus.error.message).not.toMatch(/mediasoup|\[method:|Error/);
    room.close();
    await expectLessonUndisturbed();
  });

  it('display names with markup are refused when minting', async () => {
    const minted = await server.api('POST', `/api/lessons/${LESSON}/tokens`, { role: 'student', displayName: '<img src=x onerror=alert(1)>' });
    expect(minted.status).toBe(400);
    expect(minted.body.error.code).toBe(ErrorCode.BadRequest);
    await expectLessonUndisturbed();
  });

  it('metrics need their bearer token when one is configured; answers carry security headers', async () => {
    expect((await server.api('GET', '/metrics', undefined, {})).status).toBe(401);
    const metrics = await server.api('GET', '/metrics', undefined, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(metrics.status).toBe(200);
    expect(String(metrics.body)).toContain('classbridge_uncaught_errors_total');
    for (const route of ['/', '/api/lessons', '/healthz']) {
      const response = await fetch(`${server.url}${route}`, { headers: { 'x-api-key': server.adminKey } });
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    }
    // The SDK loads from another origin only where CORS_ORIGINS says so.
    const sdk = (origin: string) => fetch(`${server.url}/sdk/classbridge-sdk.js`, { headers: { origin } });
    const allowed = await sdk('https://platform.example.edu');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://platform.example.edu');
    expect(allowed.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const other = await sdk('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    await expectLessonUndisturbed();
  });
});

/** Budgets per client address: each row comes from its own address (X-Forwarded-For behind one trusted proxy). */
describe('abuse matrix: budgets per address', () => {
  let server: LocalServer;
  const sockets: TestSocket[] = [];
  const from = (address: string) => ({ 'x-forwarded-for': address });

  beforeAll(async () => {
    // Defaults, except a request budget small enough to reach in a test, and a refill of refused
    // connections slow enough (one per 20 s, not 2 per s) that a loaded machine cannot refill the budget
    // between spending it and checking it.
    server = await startLocalServer({ TRUST_PROXY: '1', REQUEST_RATE_PER_IP: '1000/20', AUTH_FAILURE_RATE_PER_IP: '100/0.05' });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server.stop();
  });

  it('200 classrooms behind one school address all get in at the bell (defaults)', async () => {
    const lessonId = 'demo-music-g4';
    const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => server.mintToken(lessonId, { role: 'student', participantId: `nat-room-${i}` })));
    const joined = await Promise.all(
      tokens.map(async (token) => {
        const client = await connect(server.url, { token }, from('203.0.113.7'));
        sockets.push(client);
        const caps = await client.request('getRouterRtpCapabilities');
        const answers = [caps, await client.request('join', { rtpCapabilities: caps.data.rtpCapabilities }), await client.request('createTransport', { direction: 'recv' })];
        return answers.map(outcome);
      }),
    );
    expect(joined.flat().filter((code) => code !== 'OK')).toEqual([]);
    sockets.splice(0).forEach((s) => s.close());
  });

  it('bad-token storms are throttled per address, with a retry time; other addresses are unaffected', async () => {
    const valid = await server.mintToken('demo-music-g4', { role: 'observer' });
    const started = Date.now();
    const attempts = await Promise.all(Array.from({ length: 300 }, () => refusalAt(server.url, { token: 'not-a-token' }, from('198.51.100.9'))));
    // 100 at once, refilled at 0.05 per second while the storm lasts.
    const refill = Math.ceil((0.05 * (Date.now() - started)) / 1000);
    expect(attempts.filter((code) => code === ErrorCode.Unauthorized).length).toBeLessThanOrEqual(100 + refill);
    expect(attempts.filter((code) => code === ErrorCode.RateLimited).length).toBeGreaterThanOrEqual(190);
    // While throttled, even a valid token from that address waits…
    expect(await refusalAt(server.url, { token: valid }, from('198.51.100.9'))).toBe(ErrorCode.RateLimited);
    // …but not from another address.
    expect(await refusalAt(server.url, { token: valid }, from('198.51.100.10'))).toBe('ACCEPTED');
  });

  it('admin-key guessing gets 429 with Retry-After after 20 wrong keys, even for the right key', async () => {
    const guess = (key: string) => fetch(`${server.url}/api/lessons`, { headers: { 'x-api-key': key, ...from('192.0.2.66') } });
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => guess(`guess-${i}`)));
    expect(answers.filter((r) => r.status === 401).length).toBe(20);
    const limited = answers.filter((r) => r.status === 429);
    expect(limited).toHaveLength(80);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await guess(server.adminKey)).status).toBe(429);
    // The platform's own address keeps working.
    expect((await fetch(`${server.url}/api/lessons`, { headers: { 'x-api-key': server.adminKey, ...from('192.0.2.1') } })).status).toBe(200);
  });

  it('many sockets from one address share one request budget', async () => {
    const clients = await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        const token = await server.mintToken('demo-english-g4', { role: 'student', participantId: `spreader-${i}` });
        const client = await connect(server.url, { token }, from('198.51.100.77'));
        sockets.push(client);
        return client;
      }),
    );
    // 25 sockets × 50 requests: each socket stays inside its own budget of 60, together they exceed the address's 1,000.
    const answers = (await Promise.all(clients.map((c) => Promise.all(Array.from({ length: 50 }, () => c.request('getRouterRtpCapabilities', {})))))).flat();
    const limited = answers.filter((a) => outcome(a) === ErrorCode.RateLimited);
    expect(limited.length).toBeGreaterThanOrEqual(200);
    expect(limited[0]!.error.retryAfterSeconds).toBeGreaterThan(0);
    // A client elsewhere is not limited by it.
    const elsewhere = await connect(server.url, { token: await server.mintToken('demo-english-g4', { role: 'observer' }) }, from('198.51.100.78'));
    sockets.push(elsewhere);
    expect(outcome(await elsewhere.request('getRouterRtpCapabilities', {}))).toBe('OK');
  });
});

/** Caps on what one server holds, and rooms that open only for joined participants. */
describe('abuse matrix: resource caps', () => {
  let server: LocalServer;
  const sockets: TestSocket[] = [];
  const rooms = async () => (await server.sfu.stats()).rooms;

  beforeAll(async () => {
    server = await startLocalServer({ MAX_LIVE_LESSONS: '2', MAX_PARTICIPANTS_PER_LESSON: '5', ROOM_IDLE_GRACE_SECONDS: '0.5', MAX_OPEN_LESSONS: '12' });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server.stop();
  });

  it('asking for router capabilities without joining opens no media room', async () => {
    const lurkers = await Promise.all(
      ['demo-music-g4', 'demo-english-g4'].map(async (lessonId) => connect(server.url, { token: await server.mintToken(lessonId, { role: 'observer' }) })),
    );
    sockets.push(...lurkers);
    for (const lurker of lurkers) expect(outcome(await lurker.request('getRouterRtpCapabilities', {}))).toBe('OK');
    expect(await rooms()).toBe(0);
    expect(server.registry.size).toBe(0);
  });

  it('a lesson’s room closes a grace period after the last participant leaves', async () => {
    const a = await joinAs(server, 'demo-music-g4', { role: 'observer' });
    expect(outcome(await a.request('createTransport', { direction: 'recv' }))).toBe('OK');
    expect(await rooms()).toBe(1);
    a.close();
    await waitFor(() => server.registry.size === 0, 5000);
    expect(await rooms()).toBe(0);
    // And it opens again for the next participant.
    const b = await joinAs(server, 'demo-music-g4', { role: 'observer' });
    sockets.push(b);
    expect(outcome(await b.request('createTransport', { direction: 'recv' }))).toBe('OK');
    expect(await rooms()).toBe(1);
    b.close();
    await waitFor(() => server.registry.size === 0, 5000);
  });

  it('participants per lesson are capped, also when joins race', async () => {
    const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) => server.mintToken('demo-music-g4', { role: 'student', participantId: `crowd-${i}` })));
    const clients = await Promise.all(tokens.map((token) => connect(server.url, { token })));
    sockets.push(...clients);
    const caps = (await clients[0]!.request('getRouterRtpCapabilities')).data.rtpCapabilities;
    const joins = await Promise.all(clients.map((c) => c.request('join', { rtpCapabilities: caps })));
    expect(joins.filter((a) => a.ok)).toHaveLength(5);
    expect(joins.filter((a) => !a.ok).map(outcome)).toEqual(Array(7).fill(ErrorCode.LimitExceeded));
    clients.forEach((c) => c.close());
    await waitFor(() => server.registry.size === 0, 5000);
  });

  it('live lessons per server are capped', async () => {
    const third = await newLesson(server, 'caps-third');
    const joined = await Promise.all(
      ['demo-music-g4', 'demo-english-g4', third].map(async (lessonId) => {
        const client = await connect(server.url, { token: await server.mintToken(lessonId, { role: 'observer' }) });
        sockets.push(client);
        const caps = await client.request('getRouterRtpCapabilities', {});
        return outcome(await client.request('join', { rtpCapabilities: caps.data.rtpCapabilities }));
      }),
    );
    expect(joined.filter((code) => code === 'OK')).toHaveLength(2);
    expect(joined.filter((code) => code === ErrorCode.LimitExceeded)).toHaveLength(1);
  });

  it('lessons created over REST are capped, also when the requests race', async () => {
    const open = (await server.api('GET', '/api/lessons')).body.lessons.filter((l: { status: string }) => l.status !== 'ended').length;
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        server.api('POST', '/api/lessons', { id: `flood-${i}`, title: 'Flood', mainClassroomId: 'qh-exp-g4-1', remoteClassroomIds: [], scheduledStart: new Date().toISOString() }),
      ),
    );
    expect(created.filter((r) => r.status === 201)).toHaveLength(12 - open);
    expect(created.filter((r) => r.status === 409).every((r) => r.body.error.code === ErrorCode.LimitExceeded)).toBe(true);
  });
});

/** Removal outlives a restart: the same token stays out. */
describe('abuse matrix: durability', () => {
  it('a participant removed before a restart cannot rejoin after it with the same token', async () => {
    let server = await startLocalServer();
    const teacherClient = await joinAs(server, LESSON, { role: 'teacher' });
    const token = await server.mintToken(LESSON, { role: 'student', participantId: 'expelled-student' });
    const student = await connect(server.url, { token });
    const caps = (await student.request('getRouterRtpCapabilities')).data.rtpCapabilities;
    expect(outcome(await student.request('join', { rtpCapabilities: caps }))).toBe('OK');
    expect(outcome(await teacherClient.request('removeParticipant', { participantId: 'expelled-student' }))).toBe('OK');
    teacherClient.close();
    await server.stop({ keepData: true });
    server = await startLocalServer({}, { dataDir: server.dataDir });
    try {
      const again = await connect(server.url, { token });
      expect(outcome(await again.request('join', { rtpCapabilities: caps }))).toBe(ErrorCode.Forbidden);
      again.close();
    } finally {
      await server.stop();
    }
  });
});
