import { jest } from '@jest/globals';
import { createClient, type RedisClientType } from 'redis';
import { ClusterSfu, RemoteSfu } from '@classbridge/sfu';
import type { SfuControl } from '@classbridge/sfu';
import { launchBrowser, openSdkPage, playRemoteMedia, startLocalServer, startRedisServer, startSfuNode, untilAnswering } from '@classbridge/load-tests';
import type { LocalServer, RedisServer, SdkPage, SfuNodeProcess } from '@classbridge/load-tests';
import type { Browser } from 'playwright-core';

jest.setTimeout(180_000);

const LESSON = 'demo-music-g4';
const ROOMS = ['qh-shangling-g4', 'qh-xiahe-mixed'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A lesson spanning two SFU node processes: the teacher's media on the city node, the county's
 * classrooms on the county node. Each of the teacher's producers crosses to the county node once,
 * however many classrooms receive it there; a classroom given the floor is heard by the teacher
 * across the same pipe.
 */
describe('a lesson across two SFU node processes (real Redis, real mediasoup, real Chromium)', () => {
  let redis: RedisServer;
  const nodes: SfuNodeProcess[] = [];
  const remotes = new Map<string, SfuControl>();
  let cluster: ClusterSfu;
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
    for (const [nodeId, region] of [['city', 'city'], ['county', 'qinghe']] as const) {
      nodes.push(await startSfuNode({ redisUrl: redis.url, nodeId, region }));
      const remote = await RemoteSfu.connect({ nodeId, publisher: await client(), subscriber: await client() });
      await untilAnswering(remote);
      remotes.set(nodeId, remote);
    }
    // The teacher's media on the city node, everyone else's on the county node.
    // The lesson itself (peerId null: asked while the lesson loads) and its teacher go to the city.
    cluster = new ClusterSfu(remotes, async (roomId, peerId) => (peerId === null || (await server.registry.find(roomId))?.peerIdOf('teacher') === peerId ? 'city' : 'county'));
    server = await startLocalServer({ ECHO_GUARD: 'off' }, { sfu: cluster });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const page of pages) await page.page.context().close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    await cluster?.close();
    for (const remote of remotes.values()) await remote.close();
    for (const node of nodes) await node.kill();
    for (const connection of clients) await connection.quit().catch(() => undefined);
    await redis?.stop();
  });

  it('classrooms on the county node see and hear the teacher on the city node; the floor holder is heard back; one copy per stream crosses', async () => {
    const teacher = await openSdkPage(browser, server.url, { token: await server.mintToken(LESSON, { role: 'teacher' }) });
    pages.push(teacher);
    await teacher.run('await client.publishCamera({ width: 640, height: 360 }); await client.publishMicrophone();');
    await playRemoteMedia(teacher);
    const rooms: SdkPage[] = [];
    for (const classroomId of ROOMS) {
      const room = await openSdkPage(browser, server.url, { token: await server.mintToken(LESSON, { role: 'classroom', classroomId }) });
      pages.push(room);
      rooms.push(room);
      await playRemoteMedia(room);
    }
    for (const room of rooms) {
      await room.waitFor('const s = await client.getReceiveStats(); const v = s.find((x) => x.kind === "video" && x.participantId === "teacher"); const a = s.find((x) => x.kind === "audio" && x.participantId === "teacher"); return v && a && v.framesDecoded > 30 && a.packetsReceived > 50;', undefined, 30_000);
    }
    const live = (await server.registry.find(LESSON))!;
    expect(cluster.nodeOf(LESSON, live.peerIdOf('teacher')!)).toBe('city');
    for (const classroomId of ROOMS) expect(cluster.nodeOf(LESSON, live.peerIdOf(`classroom-${classroomId}`)!)).toBe('county');
    // Each of the teacher's two producers crossed to the county node once, for both classrooms.
    const teacherProducers = (await remotes.get('city')!.listProducers(LESSON)).filter((p) => p.peerId === live.peerIdOf('teacher'));
    expect(teacherProducers).toHaveLength(2);
    for (const producer of teacherProducers) expect(cluster.copies(LESSON).get(producer.producerId)).toEqual(['county']);
    expect(await remotes.get('city')!.stats()).toMatchObject({ pipes: 1, peers: 1 });
    expect(await remotes.get('county')!.stats()).toMatchObject({ pipes: 1, peers: 2 });

    // The first classroom gets the floor: the teacher hears it, through the pipe the other way.
    const speaker = `classroom-${ROOMS[0]}`;
    // Its microphone, held paused without the floor (on both nodes), is resumed on both.
    await rooms[0]!.run('await client.publishMicrophone();');
    await teacher.run('await client.grantFloor(arg);', speaker);
    await teacher.waitFor('const a = (await client.getReceiveStats()).find((x) => x.kind === "audio" && x.participantId === arg); return a && a.packetsReceived > 50;', speaker, 30_000);
    const speakerMic = (await remotes.get('county')!.listProducers(LESSON)).find((p) => p.peerId === live.peerIdOf(speaker) && p.kind === 'audio')!;
    expect(cluster.copies(LESSON).get(speakerMic.producerId)).toEqual(['city']);

    // The classroom leaves: its producers' copies on the city node go with it.
    await rooms[0]!.run('await client.leave();');
    await teacher.waitFor('return !client.remoteTracks().some((t) => t.participantId === arg);', speaker, 15_000);
    const deadline = Date.now() + 10_000;
    while ((await remotes.get('city')!.listProducers(LESSON)).some((p) => p.producerId === speakerMic.producerId) && Date.now() < deadline) await sleep(100);
    expect((await remotes.get('city')!.listProducers(LESSON)).map((p) => p.producerId)).not.toContain(speakerMic.producerId);
  });
});
