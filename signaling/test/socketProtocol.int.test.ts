import { ErrorCode } from '@classbridge/protocol';
import { startLocalServer } from '@classbridge/load-tests';
import type { LocalServer } from '@classbridge/load-tests';
import { connect, joinAs as joinLesson, opusRtpParameters, vp8RtpParameters, waitFor } from './support/socketClient.js';
import type { TestSocket } from './support/socketClient.js';

const LESSON = 'demo-music-g4';

const joinAs = (server: LocalServer, body: Record<string, unknown>): Promise<TestSocket> => joinLesson(server, LESSON, body);

describe('signaling socket protocol (real mediasoup worker)', () => {
  let server: LocalServer;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    server = await startLocalServer();
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server.stop();
  });

  it('routes a published track to a consumer in another classroom', async () => {
    const teacher = await joinAs(server, { role: 'teacher' });
    const room = await joinAs(server, { role: 'classroom', classroomId: 'qh-shangling-g4' });
    sockets.push(teacher, room);

    const send = await teacher.request('createTransport', { direction: 'send' });
    expect(send).toMatchObject({ ok: true, data: { id: expect.any(String), iceCandidates: expect.any(Array) } });
    if (!send.ok) return;
    // One port for all transports (WebRtcServer): UDP and TCP candidates.
    expect(new Set(send.data.iceCandidates.map((c: { protocol: string }) => c.protocol))).toEqual(new Set(['udp', 'tcp']));
    const produced = await teacher.request('produce', { transportId: send.data.id, kind: 'video', source: 'camera', rtpParameters: vp8RtpParameters(1234) });
    expect(produced).toMatchObject({ ok: true, data: { producerId: expect.any(String), pausedReason: null } });
    if (!produced.ok) return;

    // The classroom hears about it and consumes it on its recv transport.
    await waitFor(() => room.notifications.some((n) => n.method === 'producerAdded'));
    expect((await room.request('consume', { producerId: produced.data.producerId })).error?.code).toBe(ErrorCode.InvalidState);
    const recv = await room.request('createTransport', { direction: 'recv' });
    expect(recv.ok).toBe(true);
    const consumed = await room.request('consume', { producerId: produced.data.producerId });
    expect(consumed).toMatchObject({ ok: true, data: { kind: 'video', source: 'camera', participantId: 'teacher' } });
    if (!consumed.ok) return;
    expect(await room.request('resumeConsumer', { consumerId: consumed.data.consumerId })).toEqual({ ok: true, data: {} });
    expect(await room.request('setConsumerPreferredLayers', { consumerId: consumed.data.consumerId, spatialLayer: 0 })).toEqual({ ok: true, data: {} });

    // Closing the producer reaches the consumer side.
    expect((await teacher.request('closeProducer', { producerId: produced.data.producerId })).ok).toBe(true);
    await waitFor(() => room.notifications.some((n) => n.method === 'producerRemoved'));
  });

  it('answers malformed and unknown messages with error acknowledgements and keeps serving', async () => {
    const client = await joinAs(server, { role: 'observer', displayName: 'Inspector' });
    sockets.push(client);
    const ack = (event: string, ...args: unknown[]) => client.socket.timeout(5000).emitWithAck(event, ...args);

    expect(await client.request('selfDestruct', {})).toMatchObject({ ok: false, error: { code: ErrorCode.UnknownMethod } });
    expect(await ack('request', 'not an object')).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    expect(await ack('request', null)).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    expect(await ack('hello', { hi: 1 })).toMatchObject({ ok: false, error: { code: ErrorCode.UnknownMethod } });
    expect(await client.request('createTransport', { direction: 42 })).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    expect(await client.request('connectTransport', { transportId: 'nope', dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AB' }] } })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.NotFound },
    });
    expect(await client.request('join', { rtpCapabilities: {} })).toMatchObject({ ok: false, error: { code: ErrorCode.AlreadyJoined } });
    // Fire-and-forget garbage (no ack) must not crash anything either.
    client.socket.emit('request', { method: 'produce', data: { rtpParameters: 'x' } });
    client.socket.emit('whatever');

    const recv = await client.request('createTransport', { direction: 'recv' });
    expect(recv.ok).toBe(true);
    const health = await server.api('GET', '/healthz');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const metrics = await server.api('GET', '/metrics');
    expect(String(metrics.body)).toMatch(/classbridge_signaling_requests_total\{method="invalid",outcome="UNKNOWN_METHOD"\} [1-9]/);
  });

  it('rejects RTP parameters that mediasoup cannot use with INVALID_MEDIA_PARAMETERS', async () => {
    const client = await joinAs(server, { role: 'student', displayName: 'Li Hua' });
    sockets.push(client);
    const send = await client.request('createTransport', { direction: 'send' });
    if (!send.ok) throw new Error('no send transport');
    const bogus = { codecs: [{ mimeType: 'audio/made-up', payloadType: 100, clockRate: 8000 }], encodings: [{ ssrc: 5 }] };
    const answer = await client.request('produce', { transportId: send.data.id, kind: 'audio', source: 'microphone', rtpParameters: bogus });
    expect(answer).toMatchObject({ ok: false, error: { code: ErrorCode.InvalidMediaParameters } });
    const good = await client.request('produce', { transportId: send.data.id, kind: 'audio', source: 'microphone', rtpParameters: opusRtpParameters(77) });
    // A student's microphone is accepted but held until the teacher gives the floor.
    expect(good).toMatchObject({ ok: true, data: { pausedReason: 'no-floor' } });
  });

  it('stops sending lesson notifications to a connection after it leaves', async () => {
    const teacher = await joinAs(server, { role: 'teacher' });
    const watcher = await joinAs(server, { role: 'observer', displayName: 'Principal' });
    sockets.push(teacher, watcher);
    expect(await teacher.request('spotlight', { participantId: 'teacher' })).toEqual({ ok: true, data: {} });
    await waitFor(() => watcher.notifications.some((n) => n.method === 'spotlightChanged'));
    expect(await watcher.request('leave', {})).toEqual({ ok: true, data: {} });
    const seen = watcher.notifications.length;
    expect(await teacher.request('spotlight', { participantId: null })).toEqual({ ok: true, data: {} });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(watcher.notifications.slice(seen).filter((n) => n.method === 'spotlightChanged')).toEqual([]);
    expect(await watcher.request('createTransport', { direction: 'recv' })).toMatchObject({ ok: false, error: { code: ErrorCode.NotJoined } });
  });
});
