import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { ErrorCode } from '@classbridge/protocol';
import { verifyWebhookSignature } from '@classbridge/signaling';
import { startLocalServer } from '@classbridge/load-tests';
import type { LocalServer } from '@classbridge/load-tests';
import { joinAs, outcome, waitFor } from './support/socketClient.js';
import type { TestSocket } from './support/socketClient.js';

const SECRET = 'platform-webhook-secret-0123456789-abcdef';
const LESSON = 'demo-music-g4';
const CLASSROOM = 'classroom-qh-shangling-g4';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  payload: any;
  at: number;
}

/** A platform's endpoint on 127.0.0.1: answers with `status(request, index)`, or never ('hang'). */
async function startReceiver(status: (request: Received, index: number) => number | 'hang') {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request = { headers: req.headers, body, payload: JSON.parse(body), at: Date.now() };
      received.push(request);
      const answer = status(request, received.length - 1);
      if (answer !== 'hang') res.writeHead(answer, { 'content-type': 'text/plain' }).end('a body nobody reads');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/classbridge?token=platform-side`,
    received,
    ofType: (type: string) => received.filter((request) => request.payload.type === type),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Polls an async read until `done` holds for its value; returns that value (or the last one after the timeout). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  let value = await read();
  while (!done(value) && Date.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}

const isSigned = (request: Received) => verifyWebhookSignature(SECRET, request.headers['classbridge-signature'] as string, request.body);

describe('webhooks', () => {
  let server: LocalServer | undefined;
  let receiver: Receiver | undefined;
  const sockets: TestSocket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await server?.stop();
    await receiver?.close();
    server = undefined;
    receiver = undefined;
  });

  async function start(answer: Parameters<typeof startReceiver>[0], env: Record<string, string> = {}) {
    receiver = await startReceiver(answer);
    server = await startLocalServer({ WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_BASE_MS: '50', ...env });
    return { server, receiver };
  }

  async function join(body: Record<string, unknown>): Promise<TestSocket> {
    const socket = await joinAs(server!, LESSON, body);
    sockets.push(socket);
    return socket;
  }

  const deliveries = async (query = '') => {
    const answer = await server!.api('GET', `/api/webhooks/deliveries${query}`);
    expect(answer.status).toBe(200);
    return answer.body.deliveries as any[];
  };

  it('tells the platform, signed, that a lesson started, who joined, the floor and the end', async () => {
    const { server, receiver } = await start(() => 200);
    const teacher = await join({ role: 'teacher' });
    await join({ role: 'classroom', classroomId: 'qh-shangling-g4' });
    expect(outcome(await teacher.request('grantFloor', { participantId: CLASSROOM }))).toBe('OK');
    expect(outcome(await teacher.request('endLesson', {}))).toBe('OK');

    await waitFor(() => receiver.received.length >= 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // LiveLesson.end drops each socket before forgetting its connection, so a dropped classroom
    // may also be reported as participant.left after lesson.ended; that one is tolerated here.
    const types = receiver.received.map((request) => request.payload.type as string);
    expect(types.filter((type) => type !== 'participant.left').sort()).toEqual(['floor.changed', 'lesson.ended', 'lesson.started', 'participant.joined', 'participant.joined']);
    expect(receiver.ofType('participant.left').map((request) => request.payload.data.participantId)).toEqual(types.includes('participant.left') ? [CLASSROOM] : []);
    for (const request of receiver.received) {
      expect(isSigned(request)).toBe(true);
      expect(request.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': expect.stringMatching(/^ClassBridge-Webhooks\/\d+\.\d+\.\d+$/),
        'classbridge-event': request.payload.type,
        'classbridge-delivery': request.payload.id,
        'classbridge-signature': expect.stringMatching(/^t=\d+,v1=[0-9a-f]{64}$/),
      });
      expect(request.payload).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), type: expect.any(String), createdAt: expect.any(String), lessonId: LESSON, data: expect.any(Object) });
      // The README's recipe, as a receiver in any language does it.
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(request.headers['classbridge-signature'] as string)!;
      expect(createHmac('sha256', SECRET).update(`${t}.${request.body}`).digest('hex')).toBe(v1);
      expect(Math.abs(Number(t) - request.at / 1000)).toBeLessThan(5);
      // The signature covers these bytes: a different secret does not verify.
      expect(verifyWebhookSignature(`${SECRET}x`, request.headers['classbridge-signature'] as string, request.body)).toBe(false);
    }
    const joined = receiver.ofType('participant.joined').map((request) => request.payload.data);
    expect(joined).toEqual(
      expect.arrayContaining([
        { participant: expect.objectContaining({ participantId: 'teacher', role: 'teacher' }), rejoin: false },
        { participant: expect.objectContaining({ participantId: CLASSROOM, role: 'classroom', classroomId: 'qh-shangling-g4' }), rejoin: false },
      ]),
    );
    expect(receiver.ofType('floor.changed')[0]!.payload.data).toEqual({ floor: { holders: [CLASSROOM], raisedHands: [] } });
    expect(receiver.ofType('lesson.ended')[0]!.payload.data).toEqual({ reason: 'ended-by-teacher' });

    // The delivery log: behind the admin key, the endpoint's query string hidden.
    expect(await server.api('GET', '/api/webhooks/deliveries', undefined, {})).toMatchObject({ status: 401, body: { error: { code: ErrorCode.Unauthorized } } });
    const log = await eventually(() => deliveries(), (records) => records.length === types.length && records.every((record) => record.state !== 'pending'));
    expect(log).toHaveLength(types.length);
    for (const record of log) expect(record).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200, lastError: null, lessonId: LESSON, url: expect.stringMatching(/\/hooks\/classbridge\?…$/) });
    expect(log.map((record) => record.id).sort()).toEqual(receiver.received.map((request) => request.payload.id).sort());
    expect(JSON.stringify(log)).not.toContain('platform-side');
    expect(await deliveries('?state=failed')).toEqual([]);
    expect(await server.api('GET', '/api/webhooks/deliveries?state=lost')).toMatchObject({ status: 400, body: { error: { code: ErrorCode.BadRequest } } });

    const metrics = String((await server.api('GET', '/metrics', undefined, {})).body);
    expect(metrics).toContain(`classbridge_webhook_deliveries_total{outcome="delivered"} ${types.length}`);
    expect(metrics).toContain('classbridge_webhook_queue 0');
  });

  it('retries a 500 with the same delivery id until the platform takes it', async () => {
    const { server, receiver } = await start((_request, index) => (index < 2 ? 500 : 200), { WEBHOOK_EVENTS: 'lesson.started' });
    expect((await server.api('POST', `/api/lessons/${LESSON}/start`)).status).toBe(200);

    await waitFor(() => receiver.received.length === 3);
    const ids = new Set(receiver.received.map((request) => request.headers['classbridge-delivery']));
    expect(ids.size).toBe(1);
    expect(new Set(receiver.received.map((request) => request.body)).size).toBe(1);
    expect(receiver.received.every(isSigned)).toBe(true);
    // Backoff: the second retry waited longer than the first (50 ms, then 100 ms, ±20 %).
    const [first, second, third] = receiver.received.map((request) => request.at);
    expect(second! - first!).toBeGreaterThanOrEqual(35);
    expect(third! - second!).toBeGreaterThanOrEqual(75);

    const [record] = await eventually(() => deliveries(), (records) => records[0]?.state === 'delivered');
    expect(record).toMatchObject({ id: [...ids][0], type: 'lesson.started', state: 'delivered', attempts: 3, lastStatus: 200, lastError: null });
    const metrics = String((await server.api('GET', '/metrics', undefined, {})).body);
    expect(metrics).toContain('classbridge_webhook_deliveries_total{outcome="retried"} 2');
  });

  it('marks a 400 as failed after one attempt', async () => {
    const { server, receiver } = await start(() => 400, { WEBHOOK_EVENTS: 'lesson.started' });
    expect((await server.api('POST', `/api/lessons/${LESSON}/start`)).status).toBe(200);

    const failed = await eventually(() => deliveries('?state=failed'), (records) => records.length > 0);
    expect(failed).toEqual([expect.objectContaining({ type: 'lesson.started', state: 'failed', attempts: 1, lastStatus: 400, lastError: 'HTTP 400' })]);
    // A retry would have come after ~50 ms.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(1);
  });

  it('a platform that never answers neither slows the lesson nor holds deliveries forever', async () => {
    const { receiver } = await start(() => 'hang', { WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_MAX_ATTEMPTS: '2' });
    const teacher = await join({ role: 'teacher' });
    await join({ role: 'classroom', classroomId: 'qh-shangling-g4' });
    await waitFor(() => receiver.received.length >= 3);

    // Every grant and revoke queues a floor.changed for the hanging endpoint; the answers do not wait for it.
    for (let round = 0; round < 5; round++) {
      for (const method of ['grantFloor', 'revokeFloor']) {
        const sent = performance.now();
        expect(outcome(await teacher.request(method, { participantId: CLASSROOM }))).toBe('OK');
        expect(performance.now() - sent).toBeLessThan(200);
      }
    }

    const log = await eventually(() => deliveries(), (records) => records.some((record) => record.type === 'lesson.started' && record.state === 'failed'));
    expect(log.find((record) => record.type === 'lesson.started')).toMatchObject({ state: 'failed', attempts: 2, lastStatus: null, lastError: 'timeout after 300 ms' });
    expect(log.filter((record) => record.type === 'floor.changed')).toHaveLength(10);
  });

  it('abandons pending deliveries when the server stops, and never logs the secret, signature or endpoint token', async () => {
    receiver = await startReceiver(() => 503);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    server = await startLocalServer({ WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_BASE_MS: '100', LOG_LEVEL: 'debug' }, { logStream: sink });
    expect((await server.api('POST', `/api/lessons/${LESSON}/start`)).status).toBe(200);
    await waitFor(() => receiver!.received.length === 1);
    await server.stop();
    server = undefined;
    // Retries were due after ~100 and ~200 ms more: none go out from a stopped server.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received).toHaveLength(1);

    const entries = lines.map((line) => JSON.parse(line) as { msg?: string; abandoned?: number; component?: string });
    expect(entries).toContainEqual(expect.objectContaining({ component: 'webhooks', msg: 'webhooks closed; pending deliveries abandoned', abandoned: 1 }));
    expect(entries.some((entry) => entry.msg === 'webhook attempt failed; will retry')).toBe(true);
    const text = lines.join('\n');
    const signature = receiver.received[0]!.headers['classbridge-signature'] as string;
    for (const secret of [SECRET, signature, signature.split('v1=')[1]!, 'platform-side']) expect(text).not.toContain(secret);
  });

  it('answers 404 for the delivery log when webhooks are off', async () => {
    server = await startLocalServer();
    expect(await server.api('GET', '/api/webhooks/deliveries')).toMatchObject({ status: 404, body: { error: { code: ErrorCode.NotFound, message: expect.stringMatching(/WEBHOOK_URLS/) } } });
  });
});
