import { jest } from '@jest/globals';
import { createClient, type RedisClientType } from 'redis';
import { ErrorCode } from '@classbridge/protocol';
import { HEARTBEAT_STALE_MS, RemoteSfu } from '@classbridge/sfu';
import { RedisNodeRegistry } from '../src/cluster/RedisNodeRegistry.js';
import type { SfuControl } from '@classbridge/sfu';
import { launchBrowser, openSdkPage, playRemoteMedia, startLocalServer, startRedisServer, startSfuNode, untilAnswering } from '@classbridge/load-tests';
import type { LocalServer, RedisServer, SdkPage, SfuNodeProcess } from '@classbridge/load-tests';
import type { Browser } from 'playwright-core';

jest.setTimeout(120_000);

const LESSON = 'demo-music-g4';
const ROOM = 'qh-shangling-g4';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The SFU as its own process, controlled over a real Redis: the signaling server (in this
 * process) drives a separate SFU node through RemoteSfu, and a teacher and a classroom in
 * Chromium have their lesson through it.
 */
describe('an SFU node process controlled over Redis (real Redis, real mediasoup, real Chromium)', () => {
  let redis: RedisServer;
  let node: SfuNodeProcess;
  let remote: RemoteSfu & SfuControl;
  let server: LocalServer;
  let browser: Browser;
  const pages: SdkPage[] = [];
  const clients: RedisClientType[] = [];
  const client = async () => {
    const connection = createClient({ url: redis.url }) as RedisClientType;
    connection.on('error', () => undefined);
    await connection.connect();
    clients.push(connection);
    return connection;
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    node = await startSfuNode({ redisUrl: redis.url, nodeId: 'node-b', region: 'qinghe' });
    remote = await RemoteSfu.connect({ nodeId: 'node-b', publisher: await client(), subscriber: await client() });
    await untilAnswering(remote);
    server = await startLocalServer({ ECHO_GUARD: 'off' }, { sfu: remote });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const page of pages) await page.page.context().close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    await remote?.close();
    await node?.kill();
    for (const connection of clients) await connection.quit().catch(() => undefined);
    await redis?.stop();
  });

  it('runs a lesson: the classroom sees and hears the teacher through the SFU node', async () => {
    const teacher = await openSdkPage(browser, server.url, { token: await server.mintToken(LESSON, { role: 'teacher' }) });
    pages.push(teacher);
    await teacher.run('await client.publishCamera({ width: 640, height: 360 }); await client.publishMicrophone();');
    const room = await openSdkPage(browser, server.url, { token: await server.mintToken(LESSON, { role: 'classroom', classroomId: ROOM }) });
    pages.push(room);
    await playRemoteMedia(room);
    const received = await room.waitFor<{ video: number; audio: number }>(
      'const s = await client.getReceiveStats(); const v = s.find((x) => x.kind === "video"); const a = s.find((x) => x.kind === "audio"); return v && a && v.framesDecoded > 30 && a.packetsReceived > 50 ? { video: v.framesDecoded, audio: a.packetsReceived } : null;',
      undefined,
      30_000,
    );
    expect(received.video).toBeGreaterThan(30);
    // The node's own counters: the media is there, not in this process.
    expect(await remote.stats()).toMatchObject({ rooms: 1, peers: 2, producers: 2 });
    // And its heartbeat lists it in the registry with its region and load.
    const registry = new RedisNodeRegistry(clients[0]!);
    const deadline = Date.now() + 5_000;
    let listed = await registry.list();
    while (listed[0]?.load.participants !== 2 && Date.now() < deadline) {
      await sleep(200);
      listed = await registry.list();
    }
    expect(listed).toEqual([expect.objectContaining({ nodeId: 'node-b', region: 'qinghe', draining: false, load: expect.objectContaining({ rooms: 1, participants: 2 }) })]);
    // The node's events come across: the teacher's camera closed on the node closes the classroom's consumer of it there.
    const camera = (await remote.listProducers(LESSON)).find((p) => p.kind === 'video')!;
    const consumerClosed = new Promise<{ roomId: string }>((resolve) => remote.once('consumerClosed', resolve));
    await remote.closeProducer(LESSON, camera.peerId, camera.producerId);
    await expect(Promise.race([consumerClosed, sleep(5_000).then(() => null)])).resolves.toMatchObject({ roomId: LESSON });
    await room.waitFor('return !client.remoteTracks().some((t) => t.kind === "video");', undefined, 10_000);
  });

  it('keeps serving after malformed requests, and answers errors with their codes', async () => {
    const publisher = clients[0]!;
    for (const garbage of ['not json', '{}', JSON.stringify({ id: 'x', method: 'close', args: [], replyTo: 'r' }), JSON.stringify({ id: 'y', method: 'stats', args: 'no', replyTo: 'r' })]) {
      await publisher.publish('classbridge:sfu:node-b:requests', garbage);
    }
    await expect(remote.closeProducer(LESSON, 'nobody', 'no-such-producer')).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect((await remote.stats()).rooms).toBe(1);
  });

  it('fails calls at once with MEDIA_UNAVAILABLE when the node is gone, and the node drops out of the registry', async () => {
    await node.kill();
    const killedAt = Date.now();
    await expect(remote.stats()).rejects.toMatchObject({ code: ErrorCode.MediaUnavailable });
    expect(Date.now() - killedAt).toBeLessThan(2_000);
    const registry = new RedisNodeRegistry(clients[0]!);
    while ((await registry.list()).length > 0 && Date.now() - killedAt < 10_000) await sleep(100);
    const goneAfterMs = Date.now() - killedAt;
    process.stdout.write(`[cluster] a killed SFU node left the registry after ${goneAfterMs} ms\n`);
    expect(await registry.list()).toEqual([]);
    expect(goneAfterMs).toBeLessThanOrEqual(HEARTBEAT_STALE_MS + 500);
  });
});
