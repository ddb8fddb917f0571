import { jest } from '@jest/globals';
import { createClient, type RedisClientType } from 'redis';
import { RemoteSfu } from '@classbridge/sfu';
import type { SfuControl } from '@classbridge/sfu';
import { launchBrowser, openSdkPage, playRemoteMedia, startRedisServer, startServerProcess, startSfuNode } from '@classbridge/load-tests';
import type { RedisServer, SdkPage, ServerProcess, SfuNodeProcess } from '@classbridge/load-tests';
import type { Browser } from 'playwright-core';

jest.setTimeout(180_000);

const LESSON = 'demo-music-g4';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Cluster mode as an operator runs it: REDIS_URL set on the signaling server (its own process),
 * two SFU node processes beating in Redis. The directory lives in Redis; the least-loaded node
 * takes each participant, so the teacher and the classroom land on different nodes and the lesson
 * is piped between them.
 */
describe('cluster mode: REDIS_URL, a signaling process and two SFU node processes (real Redis, real Chromium)', () => {
  let redis: RedisServer;
  const nodes: SfuNodeProcess[] = [];
  let server: ServerProcess;
  let browser: Browser;
  const pages: SdkPage[] = [];
  const clients: RedisClientType[] = [];
  const remotes = new Map<string, SfuControl>();

  beforeAll(async () => {
    redis = await startRedisServer();
    for (const nodeId of ['node-a', 'node-b']) nodes.push(await startSfuNode({ redisUrl: redis.url, nodeId }));
    const publisher = createClient({ url: redis.url }) as RedisClientType;
    const subscriber = publisher.duplicate() as RedisClientType;
    await publisher.connect();
    await subscriber.connect();
    clients.push(publisher, subscriber);
    for (const nodeId of ['node-a', 'node-b']) remotes.set(nodeId, (await RemoteSfu.connect({ nodeId, publisher, subscriber })) as SfuControl);
    // Both nodes listed before the signaling server starts.
    const deadline = Date.now() + 20_000;
    while ((await publisher.sMembers('classbridge:nodes')).length < 2) {
      if (Date.now() > deadline) throw new Error('the SFU nodes did not register');
      await sleep(200);
    }
    server = await startServerProcess({ DEMO: '1', REDIS_URL: redis.url, NODE_SELECTOR: 'least-loaded', RECORDING: 'off', CAPTIONS: 'off', ECHO_GUARD: 'off' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const page of pages) await page.page.context().close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    for (const remote of remotes.values()) await remote.close();
    for (const node of nodes) await node.kill();
    for (const connection of clients) await connection.quit().catch(() => undefined);
    await redis?.stop();
  });

  it('keeps the directory in Redis and spans the lesson over the two nodes', async () => {
    // The demo district was imported into Redis, not into a file.
    expect(JSON.parse((await clients[0]!.get('classbridge:directory'))!).lessons.map((l: { id: string }) => l.id)).toContain(LESSON);
    const teacher = await openSdkPage(browser, server.url, { token: await server.mintToken(LESSON, { role: 'teacher' }) });
    pages.push(teacher);
    await teacher.run('await client.publishCamera({ width: 640, height: 360 }); await client.publishMicrophone();');
    // The teacher's node reports its load in its next heartbeats; the classroom then goes to the other.
    await sleep(2_500);
    const room = await openSdkPage(browser, server.url, { token: await server.mintToken(LESSON, { role: 'classroom', classroomId: 'qh-shangling-g4' }) });
    pages.push(room);
    await playRemoteMedia(room);
    await room.waitFor('const s = await client.getReceiveStats(); const v = s.find((x) => x.kind === "video"); const a = s.find((x) => x.kind === "audio"); return v && a && v.framesDecoded > 30 && a.packetsReceived > 50;', undefined, 30_000);
    const stats = await Promise.all([...remotes.values()].map((remote) => remote.stats()));
    expect(stats.map((s) => s.peers).sort()).toEqual([1, 1]);
    expect(stats.map((s) => s.pipes)).toEqual([1, 1]);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
