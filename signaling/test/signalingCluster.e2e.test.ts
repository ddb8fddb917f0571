import { jest } from '@jest/globals';
import { createClient, type RedisClientType } from 'redis';
import { RemoteSfu } from '@classbridge/sfu';
import type { SfuControl } from '@classbridge/sfu';
import { launchBrowser, openSdkPage, playRemoteMedia, startRedisServer, startServerProcess, startSfuNode, startTcpBalancer } from '@classbridge/load-tests';
import type { RedisServer, SdkPage, ServerProcess, SfuNodeProcess, TcpBalancer } from '@classbridge/load-tests';
import type { Browser } from 'playwright-core';
import { connect } from './support/socketClient.js';

jest.setTimeout(300_000);

const LESSON = 'demo-music-g4';
const ROOMS = ['qh-shangling-g4', 'qh-xiahe-mixed'];
const SFU_NODES = ['node-a', 'node-b', 'node-c'];
const REGIONS: Record<string, string> = { 'node-a': 'city', 'node-b': 'county', 'node-c': 'county' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The page receives video from `arg` whose consumer it did not have before (media set up again), with frames decoded. */
const FRESH_VIDEO_FROM = `const s = await client.getReceiveStats(); return s.some((x) => x.kind === "video" && x.participantId === arg.from && !arg.before.includes(x.consumerId) && x.framesDecoded > 5);`;
const consumerIds = (page: SdkPage) => page.run<string[]>('return client.remoteTracks().map((t) => t.consumerId);');

/**
 * A district cluster on loopback as an operator runs it: a real Redis, three SFU node processes and
 * two signaling processes behind a TCP balancer, lessons in Chromium. The teacher's connection
 * reaches the first signaling node, which takes the lesson; the classrooms connect to the second,
 * which forwards their requests to it. Then the nodes are killed, one at a time.
 */
describe('district cluster: two signaling nodes, three SFU nodes (real Redis, real processes, real Chromium)', () => {
  let redis: RedisServer;
  const nodes = new Map<string, SfuNodeProcess>();
  const signaling: ServerProcess[] = [];
  let balancer: TcpBalancer;
  let browser: Browser;
  const pages: SdkPage[] = [];
  let teacher: SdkPage;
  const rooms: SdkPage[] = [];
  const clients: RedisClientType[] = [];
  const remotes = new Map<string, SfuControl>();

  beforeAll(async () => {
    // Persistent, as a cluster's Redis must be: the directory is in it.
    redis = await startRedisServer({ persist: true });
    // The teacher's school is in the city, the classrooms' schools in the county (the demo district's regions).
    for (const nodeId of SFU_NODES) nodes.set(nodeId, await startSfuNode({ redisUrl: redis.url, nodeId, region: REGIONS[nodeId] }));
    const publisher = createClient({ url: redis.url }) as RedisClientType;
    const subscriber = publisher.duplicate() as RedisClientType;
    // The Redis restart test takes Redis away: these reconnect, and say so without failing the suite.
    for (const client of [publisher, subscriber]) client.on('error', () => undefined);
    await publisher.connect();
    await subscriber.connect();
    clients.push(publisher, subscriber);
    for (const nodeId of SFU_NODES) remotes.set(nodeId, (await RemoteSfu.connect({ nodeId, publisher, subscriber })) as SfuControl);
    const deadline = Date.now() + 20_000;
    while ((await publisher.sMembers('classbridge:nodes')).length < SFU_NODES.length) {
      if (Date.now() > deadline) throw new Error('the SFU nodes did not register');
      await sleep(200);
    }
    const shared = { RECORDING: 'on', REDIS_URL: redis.url, NODE_SELECTOR: 'region-least-loaded', ECHO_GUARD: 'off', ADMIN_API_KEY: 'cluster-admin-key', TOKEN_SECRET: 'cluster-token-secret-0123456789abcdef' };
    // The first imports the demo district into Redis; the second finds it there.
    signaling.push(await startServerProcess({ ...shared, DEMO: '1', SIGNALING_NODE_ID: 'signal-1' }));
    signaling.push(await startServerProcess({ ...shared, DEMO: '1', SIGNALING_NODE_ID: 'signal-2' }));
    balancer = await startTcpBalancer(signaling.map((server) => server.port));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const page of pages) await page.page.context().close().catch(() => undefined);
    await browser?.close();
    await balancer?.close();
    for (const server of signaling) await server.stop();
    for (const remote of remotes.values()) await remote.close();
    for (const node of nodes.values()) await node.kill();
    for (const connection of clients) await connection.quit().catch(() => undefined);
    await redis?.stop();
  });

  const peersPerNode = async () => Object.fromEntries(await Promise.all([...remotes].filter(([id]) => nodes.get(id)!.process.exitCode === null && nodes.get(id)!.process.signalCode === null).map(async ([id, remote]) => [id, (await remote.stats()).peers] as const)));

  it('teacher (city node, first signaling node) and classrooms (county nodes, second signaling node) see and hear each other; the floor crosses nodes; one owner', async () => {
    const [first, second] = signaling as [ServerProcess, ServerProcess];
    teacher = await openSdkPage(browser, first.url, { url: balancer.url, token: await first.mintToken(LESSON, { role: 'teacher' }) });
    pages.push(teacher);
    await teacher.run('await client.publishCamera({ width: 640, height: 360 }); await client.publishMicrophone();');
    await playRemoteMedia(teacher);
    for (const classroomId of ROOMS) {
      // Each node reports its load in its next heartbeat: the next participant then goes to an empty node.
      await sleep(2_500);
      const room = await openSdkPage(browser, second.url, { token: await second.mintToken(LESSON, { role: 'classroom', classroomId }) });
      pages.push(room);
      rooms.push(room);
      await room.run('await client.publishCamera({ width: 320, height: 180 });');
      await playRemoteMedia(room);
    }
    // …and the teacher sees both classrooms.
    for (const classroomId of ROOMS) await teacher.waitFor('const v = (await client.getReceiveStats()).find((x) => x.kind === "video" && x.participantId === arg); return v && v.framesDecoded > 10;', `classroom-${classroomId}`, 30_000);
    for (const room of rooms) {
      await room.waitFor('const s = await client.getReceiveStats(); const v = s.find((x) => x.kind === "video" && x.participantId === "teacher"); const a = s.find((x) => x.kind === "audio" && x.participantId === "teacher"); return v && a && v.framesDecoded > 30 && a.packetsReceived > 50;', undefined, 30_000);
    }
    // The teacher on the city node, one classroom on each county node: the lesson spans all three.
    expect(await peersPerNode()).toEqual({ 'node-a': 1, 'node-b': 1, 'node-c': 1 });
    // The first node serves the lesson; the second only forwards.
    expect(await first.metric('classbridge_cluster_lesson_leases')).toBe(1);
    expect(await second.metric('classbridge_cluster_lesson_leases')).toBe(0);
    expect(await first.metric('classbridge_cluster_signaling_nodes')).toBe(2);
    expect(await first.metric('classbridge_cluster_sfu_nodes')).toBe(3);
    expect(await clients[0]!.hGet(`classbridge:lease:${LESSON}`, 'node')).toBe('signal-1');

    // The floor, granted on the first node, reaches the classroom on the second; its microphone is heard back.
    const speaker = `classroom-${ROOMS[0]}`;
    await rooms[0]!.run('await client.publishMicrophone();');
    await teacher.run('await client.grantFloor(arg);', speaker);
    await rooms[0]!.waitFor('return window.cbEvents.some((e) => e.name === "floorChanged" && e.payload.holders.includes(arg));', speaker, 15_000);
    await teacher.waitFor('const a = (await client.getReceiveStats()).find((x) => x.kind === "audio" && x.participantId === arg); return a && a.packetsReceived > 50;', speaker, 30_000);

    // The lesson's owner records it, media from all three SFU nodes alike.
    const listed = await first.api('GET', `/api/recordings?lessonId=${LESSON}`);
    const recording = listed.body.recordings[0];
    expect(recording).toMatchObject({ state: 'recording' });
    const manifest = (await first.api('GET', `/api/recordings/${recording.recordingId}`)).body as { tracks: Array<{ participantId: string; source: string; files: Array<{ startMs: number; endMs: number | null }> }> };
    const captured = (participantId: string, source: string) => manifest.tracks.some((track) => track.participantId === participantId && track.source === source && track.files.some((file) => (file.endMs ?? 0) > file.startMs));
    expect(['teacher', ...ROOMS.map((id) => `classroom-${id}`)].map((participantId) => captured(participantId, 'camera'))).toEqual([true, true, true]);
    expect(captured('teacher', 'microphone')).toBe(true);
  });

  it('kill -9 of an SFU node: its classroom has media again within 5 s', async () => {
    // A county node with a classroom on it; that classroom moves to the other county node.
    const victim = 'node-b';
    const before = await Promise.all([teacher, ...rooms].map(consumerIds));
    const killedAt = Date.now();
    await nodes.get(victim)!.kill();
    await Promise.all(rooms.map((room, i) => room.waitFor(FRESH_VIDEO_FROM, { from: 'teacher', before: before[i + 1] }, 15_000, 100)));
    const recoveredMs = Date.now() - killedAt;
    process.stderr.write(`[cluster] SFU node ${victim} killed: classrooms' video back in ${recoveredMs} ms\n`);
    expect(recoveredMs).toBeLessThan(5_000);
    // Everyone set up media again on the nodes left, in their own regions: the teacher in the city, both classrooms in the county.
    await teacher.waitFor(FRESH_VIDEO_FROM, { from: `classroom-${ROOMS[0]}`, before: before[0] }, 15_000);
    expect(await peersPerNode()).toEqual({ 'node-a': 1, 'node-c': 2 });
  });

  it('kill -9 of the signaling node serving the lesson: everyone reconnects to the other and rejoins with their role and the floor', async () => {
    const [first, second] = signaling as [ServerProcess, ServerProcess];
    const before = await Promise.all([teacher, ...rooms].map(consumerIds));
    const killedAt = Date.now();
    await first.kill();
    await Promise.all(rooms.map((room, i) => room.waitFor(FRESH_VIDEO_FROM, { from: 'teacher', before: before[i + 1] }, 30_000, 200)));
    const recoveredMs = Date.now() - killedAt;
    process.stderr.write(`[cluster] signaling node killed: classrooms' video back in ${recoveredMs} ms\n`);
    // The floor holder still holds it on the new owner, and is heard again.
    const speaker = `classroom-${ROOMS[0]}`;
    expect(await rooms[0]!.run('return client.self && client.self.hasFloor;')).toBe(true);
    await teacher.waitFor('const a = (await client.getReceiveStats()).find((x) => x.kind === "audio" && x.participantId === arg.from && !arg.before.includes(x.consumerId)); return a && a.packetsReceived > 50;', { from: speaker, before: before[0] }, 30_000);
    expect(await teacher.run('return client.self && client.self.role;')).toBe('teacher');
    expect(await teacher.run('return client.state;')).toBe('connected');
    expect(await second.metric('classbridge_cluster_lesson_leases')).toBe(1);
    expect(await clients[0]!.hGet(`classbridge:lease:${LESSON}`, 'node')).toBe('signal-2');
    expect(balancer.handed.get(second.port)).toBeGreaterThanOrEqual(1);
  });

  it('Redis restarted: running lessons keep their media, joins meanwhile get UNAVAILABLE at once, the lease is taken back', async () => {
    const [, second] = signaling as [ServerProcess, ServerProcess];
    const observerToken = await second.mintToken(LESSON, { role: 'observer' });
    const before = await Promise.all([teacher, ...rooms].map(consumerIds));
    const framesOf = (page: SdkPage) => page.run<number>('const v = (async () => (await client.getReceiveStats()).find((x) => x.kind === "video" && x.participantId === "teacher"))(); return v.then((x) => (x ? x.framesDecoded : 0));');
    const framesBefore = await framesOf(rooms[1]!);

    await redis.kill();
    const attemptStarted = Date.now();
    const refusal = await connect(second.url, { token: observerToken }).then(
      (socket) => (socket.close(), { code: 'ACCEPTED' }),
      (error: { code: string }) => error,
    );
    const refusedInMs = Date.now() - attemptStarted;
    expect(refusal.code).toBe('UNAVAILABLE');
    expect(refusedInMs).toBeLessThan(3_000);
    // Down longer than a lease: the lesson is suspended on its node, not handed over.
    await sleep(4_000);
    const framesDuring = await framesOf(rooms[1]!);
    await redis.start();
    const restartedAt = Date.now();
    await rooms[1]!.waitFor('return true;');
    const deadline = Date.now() + 15_000;
    while ((await clients[0]!.hGet(`classbridge:lease:${LESSON}`, 'node').catch(() => null)) !== 'signal-2') {
      if (Date.now() > deadline) throw new Error('the lease was not taken back after Redis came back');
      await sleep(200);
    }
    process.stderr.write(`[cluster] Redis restarted: join refused in ${refusedInMs} ms during the outage; lease back ${Date.now() - restartedAt} ms after the restart\n`);
    // Media went on throughout, on the same consumers: nothing was reset.
    expect(framesDuring).toBeGreaterThan(framesBefore);
    await sleep(1_000);
    expect(await framesOf(rooms[1]!)).toBeGreaterThan(framesDuring);
    expect(await Promise.all([teacher, ...rooms].map(consumerIds))).toEqual(before);
    // And the lesson serves again: a new participant joins.
    const observer = await connect(second.url, { token: observerToken });
    const caps = (await observer.request('getRouterRtpCapabilities', {})) as { ok: boolean; data: { rtpCapabilities: unknown } };
    expect(await observer.request('join', { rtpCapabilities: caps.data.rtpCapabilities })).toMatchObject({ ok: true });
    observer.close();
  });
});
