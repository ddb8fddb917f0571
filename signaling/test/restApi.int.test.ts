import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode } from '@classbridge/protocol';
import { startLocalServer } from '@classbridge/load-tests';
import type { LocalServer } from '@classbridge/load-tests';
import { connect } from './support/socketClient.js';

const newLesson = {
  title: 'Grade 4 Art 美术',
  subject: 'art',
  teacherId: 't-zhao-min',
  mainClassroomId: 'qh-exp-g4-1',
  remoteClassroomIds: ['qh-xiahe-mixed', 'qh-baishi-g4-2'],
  scheduledStart: '2026-11-24T01:30:00.000Z',
  durationMinutes: 40,
};

describe('REST API', () => {
  let server: LocalServer;
  afterEach(async () => {
    await server?.stop();
  });

  it('serves health, metrics and the OpenAPI document without a key', async () => {
    server = await startLocalServer();
    expect(await server.api('GET', '/healthz', undefined, {})).toMatchObject({ status: 200, body: { status: 'ok', workers: 1 } });
    const metrics = await server.api('GET', '/metrics', undefined, {});
    expect(metrics.status).toBe(200);
    expect(String(metrics.body)).toContain('classbridge_sfu_objects{type="workers"} 1');
    const openapi = await server.api('GET', '/openapi.json', undefined, {});
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/api/lessons', '/api/lessons/{lessonId}/tokens', '/api/lessons/{lessonId}/participants']));
    expect(openapi.body.paths['/api/lessons'].post.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['title', 'mainClassroomId']));
  });

  it('requires the admin key and answers errors with stable codes', async () => {
    server = await startLocalServer();
    expect(await server.api('GET', '/api/lessons', undefined, {})).toMatchObject({ status: 401, body: { error: { code: ErrorCode.Unauthorized } } });
    expect(await server.api('GET', '/api/lessons', undefined, { 'x-api-key': 'wrong-key-wrong-key' })).toMatchObject({ status: 401 });
    expect(await server.api('GET', '/api/lessons', undefined, { authorization: `Bearer ${server.adminKey}` })).toMatchObject({ status: 200 });
    expect(await server.api('POST', '/api/lessons', '{"title": ')).toMatchObject({ status: 400, body: { error: { code: ErrorCode.BadRequest } } });
    expect(await server.api('POST', '/api/lessons', { ...newLesson, remoteClassroomIds: 'all' })).toMatchObject({ status: 400, body: { error: { code: ErrorCode.BadRequest, message: expect.stringMatching(/remoteClassroomIds/) } } });
    expect(await server.api('POST', '/api/lessons', { ...newLesson, title: 'x'.repeat(40_000) })).toMatchObject({ status: 413, body: { error: { code: ErrorCode.PayloadTooLarge } } });
    expect(await server.api('GET', '/api/lessons/nope')).toMatchObject({ status: 404, body: { error: { code: ErrorCode.NotFound } } });
    expect(await server.api('GET', '/api/lessons?status=sleeping')).toMatchObject({ status: 400 });
  });

  it('mints tokens only for seats the lesson has', async () => {
    server = await startLocalServer();
    const mint = (body: unknown) => server.api('POST', '/api/lessons/demo-music-g4/tokens', body);
    expect(await mint({ role: 'classroom', classroomId: 'qh-exp-g5-2' })).toMatchObject({ status: 403, body: { error: { code: ErrorCode.Forbidden } } });
    expect(await mint({ role: 'classroom' })).toMatchObject({ status: 400 });
    expect(await mint({ role: 'teacher', classroomId: 'qh-shangling-g4' })).toMatchObject({ status: 400 });
    expect(await mint({ role: 'admin' })).toMatchObject({ status: 400 });
    expect(await mint({ role: 'observer', ttlSeconds: 10 ** 9 })).toMatchObject({ status: 400 });
    const ok = await mint({ role: 'classroom', classroomId: 'qh-shangling-g4' });
    expect(ok).toMatchObject({ status: 201, body: { participantId: 'classroom-qh-shangling-g4', role: 'classroom', displayName: expect.stringContaining('上岭') } });
  });

  it('runs a lesson lifecycle, keeps it across a restart, and ending it disconnects everyone', async () => {
    server = await startLocalServer();
    const created = await server.api('POST', '/api/lessons', newLesson);
    expect(created).toMatchObject({ status: 201, body: { status: 'scheduled', title: newLesson.title } });
    const id = created.body.id as string;
    expect(await server.api('POST', `/api/lessons/${id}/start`)).toMatchObject({ status: 200, body: { status: 'live' } });

    const dataDir = server.dataDir;
    await server.stop({ keepData: true });
    server = await startLocalServer({}, { dataDir });
    expect(await server.api('GET', `/api/lessons/${id}`)).toMatchObject({ status: 200, body: { status: 'live', title: newLesson.title } });
    expect((await server.api('GET', '/api/lessons?status=live')).body.lessons.map((l: { id: string }) => l.id)).toEqual([id]);
    expect((await server.api('GET', '/api/directory')).body.schools).toHaveLength(4);

    const socket = await connect(server.url, { token: await server.mintToken(id, { role: 'classroom', classroomId: 'qh-xiahe-mixed' }) });
    const caps = await socket.request('getRouterRtpCapabilities');
    await socket.request('join', { rtpCapabilities: caps.data.rtpCapabilities });
    const participants = await server.api('GET', `/api/lessons/${id}/participants`);
    expect(participants.body.participants).toEqual([expect.objectContaining({ participantId: 'classroom-qh-xiahe-mixed', connected: true, hasFloor: false })]);

    const disconnected = new Promise((resolve) => socket.socket.once('disconnect', resolve));
    expect(await server.api('POST', `/api/lessons/${id}/end`)).toMatchObject({ status: 200, body: { status: 'ended' } });
    await disconnected;
    expect(socket.notifications).toContainEqual({ method: 'lessonEnded', data: { reason: 'ended-by-admin' } });
    expect(await server.api('POST', `/api/lessons/${id}/tokens`, { role: 'observer' })).toMatchObject({ status: 409, body: { error: { code: ErrorCode.InvalidState } } });
  });

  it('serves HTTPS when given a certificate (camera capture needs a secure origin)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cb-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    server = await startLocalServer({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
    expect(server.url).toMatch(/^https:/);
    const ca = await fs.readFile(cert);
    const body = await new Promise<string>((resolve, reject) => {
      https.get(`${server.url}/healthz`, { ca }, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(JSON.parse(body)).toMatchObject({ status: 'ok' });
    await fs.rm(dir, { recursive: true, force: true });
  });
});
