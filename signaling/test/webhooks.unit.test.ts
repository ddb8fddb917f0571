import { pino } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { ConfigError, loadConfig } from '../src/config.js';
import { LocalLessonEventBus } from '../src/events/LocalLessonEventBus.js';
import { DeliveryLog } from '../src/webhooks/DeliveryLog.js';
import { displayUrl } from '../src/webhooks/displayUrl.js';
import type { AttemptRequest } from '../src/webhooks/httpTransport.js';
import { describeAttempt, retryDelayMs, verdictOf } from '../src/webhooks/retryPolicy.js';
import type { AttemptResult } from '../src/webhooks/retryPolicy.js';
import type { DeliveryRecord } from '../src/webhooks/schemas.js';
import { signWebhook, verifyWebhookSignature } from '../src/webhooks/signature.js';
import { WebhookDispatcher } from '../src/webhooks/WebhookDispatcher.js';
import type { WebhookDispatcherOptions } from '../src/webhooks/WebhookDispatcher.js';
import { webhookEventOf, webhookEventTypes } from '../src/webhooks/webhookEvents.js';
import type { WebhookEvent } from '../src/webhooks/webhookEvents.js';
import { waitFor } from './support/socketClient.js';

const SECRET = 'webhook-secret-0123456789-0123456789';

describe('retry policy', () => {
  const policy = { baseMs: 1000, maxMs: 300_000 };
  const middle = () => 0.5;

  it('doubles from the base, capped', () => {
    expect([1, 2, 3, 4, 5].map((attempts) => retryDelayMs(attempts, policy, middle))).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(retryDelayMs(9, policy, middle)).toBe(256_000);
    expect(retryDelayMs(10, policy, middle)).toBe(300_000);
    expect(retryDelayMs(1000, policy, middle)).toBe(300_000);
  });

  it('jitters within ±20 %', () => {
    expect(retryDelayMs(3, policy, () => 0)).toBe(3200);
    expect(retryDelayMs(3, policy, () => 0.999999)).toBe(4800);
    const spread = new Set(Array.from({ length: 50 }, () => retryDelayMs(3, policy)));
    expect(spread.size).toBeGreaterThan(1);
    for (const delay of spread) expect(delay).toBeGreaterThanOrEqual(3200), expect(delay).toBeLessThanOrEqual(4800);
  });

  it('waits at least what Retry-After asks, never past the cap', () => {
    expect(retryDelayMs(1, policy, middle, 30)).toBe(30_000);
    expect(retryDelayMs(5, policy, middle, 1)).toBe(16_000);
    expect(retryDelayMs(1, policy, middle, 86_400)).toBe(300_000);
  });

  it.each<[AttemptResult, string, string | null]>([
    [{ status: 200 }, 'delivered', null],
    [{ status: 204 }, 'delivered', null],
    [{ error: 'timeout after 5000 ms' }, 'retry', 'timeout after 5000 ms'],
    [{ error: 'network error ECONNREFUSED' }, 'retry', 'network error ECONNREFUSED'],
    [{ status: 408 }, 'retry', 'HTTP 408'],
    [{ status: 429, retryAfterSeconds: 5 }, 'retry', 'HTTP 429'],
    [{ status: 500 }, 'retry', 'HTTP 500'],
    [{ status: 503 }, 'retry', 'HTTP 503'],
    [{ status: 400 }, 'failed', 'HTTP 400'],
    [{ status: 401 }, 'failed', 'HTTP 401'],
    [{ status: 404 }, 'failed', 'HTTP 404'],
    [{ status: 410 }, 'failed', 'HTTP 410'],
    [{ status: 301 }, 'failed', 'HTTP 301: redirects are not followed'],
    [{ status: 0 }, 'failed', 'HTTP 0: redirects are not followed'],
  ])('%j is %s', (result, verdict, description) => {
    expect(verdictOf(result)).toBe(verdict);
    expect(describeAttempt(result)).toBe(description);
  });
});

describe('signatures', () => {
  const body = JSON.stringify({ id: 'x', type: 'lesson.started', createdAt: '2026-11-23T08:00:00.000Z', lessonId: 'L1', data: {} });
  const t = 1_800_000_000;

  it('signs "t.body" with HMAC-SHA256 and verifies its own signature', () => {
    const header = signWebhook(SECRET, body, t);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, header, body, { now: t })).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, Buffer.from(body), { now: t + 10 })).toBe(true);
    expect(signWebhook(SECRET, Buffer.from(body), t)).toBe(header);
  });

  it('matches a recomputation any language can do', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex');
    expect(signWebhook(SECRET, body, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('refuses a tampered body, a wrong secret and a moved timestamp', () => {
    const header = signWebhook(SECRET, body, t);
    expect(verifyWebhookSignature(SECRET, header, body.replace('L1', 'L2'), { now: t })).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, `${body} `, { now: t })).toBe(false);
    expect(verifyWebhookSignature('another-secret-0123456789-0123456789', header, body, { now: t })).toBe(false);
    expect(verifyWebhookSignature(SECRET, header.replace(`t=${t}`, `t=${t + 1}`), body, { now: t })).toBe(false);
  });

  it('refuses stale and far-future timestamps (replays)', () => {
    const header = signWebhook(SECRET, body, t);
    expect(verifyWebhookSignature(SECRET, header, body, { now: t + 300 })).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, body, { now: t + 301 })).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, body, { now: t - 301 })).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, body, { now: t + 3000, toleranceSeconds: 3600 })).toBe(true);
    // Without `now`, the clock: a signature from 2027 is not valid today, one made now is.
    expect(verifyWebhookSignature(SECRET, header, body)).toBe(false);
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, body, Math.floor(Date.now() / 1000)), body)).toBe(true);
  });

  it('accepts any of several v1 values (secret rotation) and refuses malformed headers', () => {
    const good = signWebhook(SECRET, body, t).split('v1=')[1];
    const other = signWebhook('old-secret-0123456789-0123456789-00', body, t).split('v1=')[1];
    expect(verifyWebhookSignature(SECRET, `t=${t},v1=${other},v1=${good}`, body, { now: t })).toBe(true);
    expect(verifyWebhookSignature(SECRET, `t=${t}, v1=${good}`, body, { now: t })).toBe(true);
    for (const header of [undefined, null, '', `v1=${good}`, `t=${t}`, `t=${t},v1=${good!.slice(0, 62)}`, `t=${t},v1=${good}00`, `t=abc,v1=${good}`, `t=${t},v0=${good}`, `t=${t},v1=${'z'.repeat(64)}`]) {
      expect(verifyWebhookSignature(SECRET, header, body, { now: t })).toBe(false);
    }
  });
});

describe('webhook events', () => {
  it('are the lesson events platforms need, and recording.ready, by default', () => {
    expect(webhookEventTypes).toEqual(['lesson.started', 'lesson.ended', 'participant.joined', 'participant.left', 'floor.changed', 'recording.ready']);
  });

  it('carry what the lesson event says besides its envelope', () => {
    const participant = { participantId: 'classroom-a', displayName: '上岭村小学', role: 'classroom' as const, school: '上岭', classroomId: 'a' };
    expect(webhookEventOf({ type: 'participant.joined', lessonId: 'L1', at: '2026-11-23T08:00:00.000Z', participant, rejoin: false })).toEqual({
      type: 'participant.joined',
      lessonId: 'L1',
      createdAt: '2026-11-23T08:00:00.000Z',
      data: { participant, rejoin: false },
    });
    expect(webhookEventOf({ type: 'floor.changed', lessonId: 'L1', at: 'now', floor: { holders: ['a'], raisedHands: [] } })?.data).toEqual({ floor: { holders: ['a'], raisedHands: [] } });
    expect(webhookEventOf({ type: 'producer.removed', lessonId: 'L1', at: 'now', producerId: 'p' })).toBeUndefined();
    expect(webhookEventOf({ type: 'spotlight.changed', lessonId: 'L1', at: 'now', participantId: null })).toBeUndefined();
  });
});

describe('delivery log', () => {
  const record = (id: string, state: DeliveryRecord['state'] = 'delivered'): DeliveryRecord => ({
    id, type: 'lesson.started', lessonId: 'L1', url: 'https://p.example/hook', state, attempts: 1,
    lastStatus: 200, lastError: null, createdAt: 'now', lastAttemptAt: null, nextAttemptAt: null, settledAt: null,
  });

  it('keeps the last N, newest first, filtered by state', () => {
    const log = new DeliveryLog(3);
    for (const [index, state] of (['failed', 'delivered', 'failed', 'delivered', 'failed'] as const).entries()) log.add(record(String(index), state));
    expect(log.size).toBe(3);
    expect(log.list().map((r) => r.id)).toEqual(['4', '3', '2']);
    expect(log.list({ state: 'failed' }).map((r) => r.id)).toEqual(['4', '2']);
    expect(log.list({ limit: 1 }).map((r) => r.id)).toEqual(['4']);
    expect(log.list({ state: 'dropped' })).toEqual([]);
  });
});

describe('displayUrl', () => {
  it('hides query strings and credentials', () => {
    expect(displayUrl('https://platform.example.edu/hooks/classbridge')).toBe('https://platform.example.edu/hooks/classbridge');
    expect(displayUrl('https://platform.example.edu/hook?token=s3cret#x')).toBe('https://platform.example.edu/hook?…');
    expect(displayUrl('http://user:pw@127.0.0.1:8080/h')).toBe('http://127.0.0.1:8080/h');
  });
});

describe('webhook configuration', () => {
  const base = { DEMO: '1' };

  it('is off without WEBHOOK_URLS, with documented defaults when on', () => {
    expect(loadConfig(base, 1).webhooks).toBeUndefined();
    expect(loadConfig({ ...base, WEBHOOK_URLS: ' https://a.example/h , http://127.0.0.1:9/x,https://a.example/h', WEBHOOK_SECRET: SECRET }, 1).webhooks).toEqual({
      urls: ['https://a.example/h', 'http://127.0.0.1:9/x'],
      secret: SECRET,
      events: webhookEventTypes,
      timeoutMs: 5000,
      maxAttempts: 8,
      retry: { baseMs: 1000, maxMs: 300_000 },
    });
    const tuned = loadConfig({ ...base, WEBHOOK_URLS: 'https://a.example/h', WEBHOOK_SECRET: SECRET, WEBHOOK_EVENTS: 'lesson.ended, lesson.started', WEBHOOK_TIMEOUT_MS: '250', WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_RETRY_BASE_MS: '20' }, 1).webhooks;
    expect(tuned).toMatchObject({ events: ['lesson.ended', 'lesson.started'], timeoutMs: 250, maxAttempts: 2, retry: { baseMs: 20 } });
  });

  it.each([
    [{ WEBHOOK_URLS: 'https://a.example/h' }, /WEBHOOK_SECRET \(at least 32 characters\) is required when WEBHOOK_URLS is set/],
    [{ WEBHOOK_URLS: 'https://a.example/h', WEBHOOK_SECRET: 'short' }, /WEBHOOK_SECRET must be at least 32 characters/],
    [{ WEBHOOK_URLS: 'ftp://a.example/h', WEBHOOK_SECRET: SECRET }, /WEBHOOK_URLS/],
    [{ WEBHOOK_URLS: 'not a url', WEBHOOK_SECRET: SECRET }, /WEBHOOK_URLS/],
    [{ WEBHOOK_URLS: 'https://user:pw@a.example/h', WEBHOOK_SECRET: SECRET }, /WEBHOOK_URLS.*credentials/],
    [{ WEBHOOK_URLS: 'https://a.example/h', WEBHOOK_SECRET: SECRET, WEBHOOK_EVENTS: 'lesson.started,producer.added' }, /WEBHOOK_EVENTS/],
    [{ WEBHOOK_URLS: 'https://a.example/h', WEBHOOK_SECRET: SECRET, WEBHOOK_MAX_ATTEMPTS: '0' }, /WEBHOOK_MAX_ATTEMPTS/],
    [{ WEBHOOK_URLS: 'https://a.example/h', WEBHOOK_SECRET: SECRET, WEBHOOK_TIMEOUT_MS: 'soon' }, /WEBHOOK_TIMEOUT_MS/],
  ])('refuses %j with a message naming the variable', (env, pattern) => {
    expect(() => loadConfig({ ...base, ...env }, 1)).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env }, 1)).toThrow(pattern);
  });

  it('never echoes the secret in its error', () => {
    expect(() => loadConfig({ ...base, WEBHOOK_URLS: 'https://a.example/h', WEBHOOK_SECRET: 'too-short-secret' }, 1)).toThrow(/^(?!.*too-short-secret)/s);
  });
});

describe('WebhookDispatcher', () => {
  const started: WebhookEvent = { type: 'lesson.started', lessonId: 'L1', createdAt: '2026-11-23T08:00:00.000Z', data: {} };
  const ended: WebhookEvent = { type: 'lesson.ended', lessonId: 'L1', createdAt: '2026-11-23T08:40:00.000Z', data: { reason: 'ended-by-teacher' } };

  /** A transport that answers from a script and records every request. */
  function scripted(answer: (request: AttemptRequest, index: number) => AttemptResult | Promise<AttemptResult>) {
    const requests: AttemptRequest[] = [];
    const transport = (request: AttemptRequest) => {
      requests.push(request);
      return Promise.resolve(answer(request, requests.length - 1));
    };
    return { requests, transport };
  }

  let dispatcher: WebhookDispatcher | undefined;
  afterEach(() => dispatcher?.close());

  function start(options: Partial<WebhookDispatcherOptions> & Pick<WebhookDispatcherOptions, 'transport'>) {
    const registry = new Registry();
    const metrics = {
      webhookDeliveries: new Counter({ name: 'deliveries', help: 'h', labelNames: ['outcome'], registers: [registry] }),
      webhookQueue: new Gauge({ name: 'queue', help: 'h', registers: [registry] }),
    };
    dispatcher = new WebhookDispatcher({
      urls: ['https://platform.example.edu/hook?token=t'],
      secret: SECRET,
      events: webhookEventTypes,
      timeoutMs: 1000,
      maxAttempts: 3,
      retry: { baseMs: 1, maxMs: 10 },
      logger: pino({ level: 'silent' }),
      metrics,
      ...options,
    });
    const count = async (outcome: string) => (await metrics.webhookDeliveries.get()).values.find((v) => v.labels.outcome === outcome)?.value;
    const queue = async () => (await metrics.webhookQueue.get()).values[0]?.value;
    return { dispatcher, count, queue };
  }

  it('sends the signed payload with its headers, and retries the same delivery until delivered', async () => {
    const { requests, transport } = scripted((_request, index) => (index < 2 ? { status: 503 } : { status: 200 }));
    const { dispatcher, count, queue } = start({ transport });
    dispatcher.enqueue(ended);
    await waitFor(() => dispatcher.deliveries.list()[0]?.state === 'delivered');
    expect(requests).toHaveLength(3);
    const [first] = requests;
    const payload = JSON.parse(first!.body);
    expect(payload).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'lesson.ended', createdAt: ended.createdAt, lessonId: 'L1', data: { reason: 'ended-by-teacher' } });
    expect(Object.keys(payload)).toEqual(['id', 'type', 'createdAt', 'lessonId', 'data']);
    expect(first!.url).toBe('https://platform.example.edu/hook?token=t');
    expect(first!.headers).toMatchObject({
      'Content-Type': 'application/json',
      'User-Agent': expect.stringMatching(/^ClassBridge-Webhooks\/\d+\.\d+\.\d+/),
      'ClassBridge-Event': 'lesson.ended',
      'ClassBridge-Delivery': payload.id,
    });
    for (const request of requests) {
      expect(request.body).toBe(first!.body);
      expect(request.headers['ClassBridge-Delivery']).toBe(payload.id);
      expect(verifyWebhookSignature(SECRET, request.headers['ClassBridge-Signature'], request.body)).toBe(true);
    }
    expect(dispatcher.deliveries.list()).toEqual([
      expect.objectContaining({ id: payload.id, state: 'delivered', attempts: 3, lastStatus: 200, lastError: null, url: 'https://platform.example.edu/hook?…', settledAt: expect.any(String) }),
    ]);
    expect(await count('retried')).toBe(2);
    expect(await count('delivered')).toBe(1);
    expect(await queue()).toBe(0);
  });

  it('fails for good on other 4xx at once, and on retryable errors after the last attempt', async () => {
    const { requests, transport } = scripted((request) => (request.headers['ClassBridge-Event'] === 'lesson.started' ? { status: 400 } : { error: 'network error ECONNREFUSED' }));
    const { dispatcher, count } = start({ transport });
    dispatcher.enqueue(started);
    dispatcher.enqueue(ended);
    await waitFor(() => dispatcher.deliveries.list().every((record) => record.state === 'failed'));
    const [endedRecord, startedRecord] = dispatcher.deliveries.list();
    expect(startedRecord).toMatchObject({ type: 'lesson.started', attempts: 1, lastStatus: 400, lastError: 'HTTP 400' });
    expect(endedRecord).toMatchObject({ type: 'lesson.ended', attempts: 3, lastStatus: null, lastError: 'network error ECONNREFUSED' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requests).toHaveLength(4);
    expect(await count('failed')).toBe(2);
  });

  it('queues without waiting, and beyond the bound drops the oldest deliveries not in flight', async () => {
    const { requests, transport } = scripted(() => new Promise<AttemptResult>(() => undefined));
    const { dispatcher, count, queue } = start({ transport, maxQueue: 3, concurrencyPerEndpoint: 1 });
    for (let index = 0; index < 5; index++) dispatcher.enqueue({ ...started, lessonId: `L${index}` });
    const states = Object.fromEntries(dispatcher.deliveries.list().map((record) => [record.lessonId, record.state]));
    expect(states).toEqual({ L0: 'pending', L1: 'dropped', L2: 'dropped', L3: 'pending', L4: 'pending' });
    expect(requests.map((request) => JSON.parse(request.body).lessonId)).toEqual(['L0']);
    expect(await count('dropped')).toBe(2);
    expect(await queue()).toBe(3);
  });

  it('sends only the configured types, to every endpoint, each with its own delivery id', async () => {
    const { requests, transport } = scripted(() => ({ status: 204 }));
    const { dispatcher } = start({ transport, urls: ['https://a.example/h', 'https://b.example/h'], events: ['lesson.ended'] });
    dispatcher.enqueue(started);
    dispatcher.enqueue(ended);
    await waitFor(() => requests.length === 2);
    expect(requests.map((request) => request.url).sort()).toEqual(['https://a.example/h', 'https://b.example/h']);
    expect(new Set(requests.map((request) => request.headers['ClassBridge-Delivery'])).size).toBe(2);
    expect(requests.every((request) => request.headers['ClassBridge-Event'] === 'lesson.ended')).toBe(true);
  });

  it('follows the lesson event bus, leaving out producer events', async () => {
    const { requests, transport } = scripted(() => ({ status: 200 }));
    const { dispatcher } = start({ transport });
    const bus = new LocalLessonEventBus(pino({ level: 'silent' }));
    dispatcher.follow(bus);
    bus.publish({ type: 'producer.removed', lessonId: 'L1', producerId: 'p1' });
    bus.publish({ type: 'participant.left', lessonId: 'L1', participantId: 'classroom-a', reason: 'removed' });
    await waitFor(() => requests.length === 1);
    expect(JSON.parse(requests[0]!.body)).toMatchObject({ type: 'participant.left', lessonId: 'L1', data: { participantId: 'classroom-a', reason: 'removed' } });
    dispatcher.close();
    bus.publish({ type: 'lesson.started', lessonId: 'L1' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(requests).toHaveLength(1);
  });

  it('close() aborts attempts in flight and stops pending retries', async () => {
    const { requests, transport } = scripted((request, index) =>
      index === 0
        ? { status: 500 }
        : new Promise<AttemptResult>((resolve) => request.signal.addEventListener('abort', () => resolve({ error: 'aborted: server closing' }))),
    );
    const { dispatcher, queue } = start({ transport, retry: { baseMs: 200, maxMs: 200 } });
    dispatcher.enqueue(started);
    dispatcher.enqueue(ended);
    await waitFor(() => requests.length === 2);
    dispatcher.close();
    expect(requests[1]!.signal.aborted).toBe(true);
    expect(await queue()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The retry of the first one was due at 200 ms: it never went out.
    expect(requests).toHaveLength(2);
  });
});
