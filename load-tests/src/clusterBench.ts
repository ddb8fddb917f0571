/**
 * Cluster benchmark: a district cluster on loopback (a real Redis, SFU node processes for the city
 * and the county, two signaling processes behind a TCP balancer) with lessons in headless
 * Chromium. Measures:
 * - join time, socket start → first decoded teacher frame, for a receiver on the teacher's SFU node
 *   (an observer: the city) and on another node (a county classroom: its media is piped across);
 * - the metro link: bytes per second crossing from the city node to the county node with 1 and
 *   with K classrooms on the county node (one copy per stream, whatever K);
 * - failover, fault → media again, over several trials: an SFU node killed, the signaling node
 *   serving the lesson killed, Redis restarted (there: how fast joins are refused during the
 *   outage, how soon the lesson is served again, and whether media stopped at all).
 * Prints one JSON object.
 *
 *   npm run bench:cluster -- --trials 5 --joins 6
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createClient, type RedisClientType } from 'redis';
import type { Browser } from 'playwright-core';
import { RemoteSfu } from '@classbridge/sfu';
import type { SfuControl } from '@classbridge/sfu';
import { launchBrowser } from './harness/browser.js';
import { openSdkPage, playRemoteMedia, type SdkPage } from './harness/sdkPage.js';
import { startRedisServer } from './harness/redisServer.js';
import { startServerProcess, type ServerProcess } from './harness/serverProcess.js';
import { startSfuNode, type SfuNodeProcess } from './harness/sfuNode.js';
import { startTcpBalancer } from './harness/tcpBalancer.js';
import { summarize } from './stats.js';

const LESSON = 'demo-music-g4';
/** The demo lesson's remote classrooms (county schools). */
const CLASSROOMS = ['qh-shangling-g4', 'qh-xiahe-mixed', 'qh-baishi-g4-2'];
const SHARED_ENV = { RECORDING: 'off', CAPTIONS: 'off', ECHO_GUARD: 'off', NODE_SELECTOR: 'region-least-loaded', ADMIN_API_KEY: 'bench-cluster-admin', TOKEN_SECRET: 'bench-cluster-secret-0123456789abcdef' };

const { values } = parseArgs({ options: { trials: { type: 'string', default: '5' }, joins: { type: 'string', default: '6' }, quiet: { type: 'boolean', default: false } } });
const trials = Number(values.trials);
const joins = Number(values.joins);
if (!Number.isInteger(trials) || trials < 1 || trials > 30) throw new Error('--trials must be an integer from 1 to 30');
if (!Number.isInteger(joins) || joins < 1 || joins > 50) throw new Error('--joins must be an integer from 1 to 50');
const progress = (text: string) => values.quiet || process.stderr.write(`[bench:cluster] ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Code run in a page: a teacher video frame decoded on a consumer not in `arg.before`. */
const FRESH_TEACHER_VIDEO = 'const s = await client.getReceiveStats(); return s.some((x) => x.kind === "video" && x.participantId === "teacher" && !arg.before.includes(x.consumerId) && x.framesDecoded > 0);';
const consumerIds = (page: SdkPage) => page.run<string[]>('return client.remoteTracks().map((t) => t.consumerId);');

const redis = await startRedisServer({ persist: true });
const publisher = createClient({ url: redis.url }) as RedisClientType;
const subscriber = publisher.duplicate() as RedisClientType;
for (const client of [publisher, subscriber]) client.on('error', () => undefined);
await publisher.connect();
await subscriber.connect();
const sfuNodes = new Map<string, SfuNodeProcess>();
const remotes = new Map<string, SfuControl>();
let countyCount = 0;
const startNode = async (nodeId: string, region: string) => {
  sfuNodes.set(nodeId, await startSfuNode({ redisUrl: redis.url, nodeId, region }));
  remotes.set(nodeId, (await RemoteSfu.connect({ nodeId, publisher, subscriber })) as SfuControl);
};
const startCountyNode = () => startNode(`county-${++countyCount}`, 'county');
const signaling: ServerProcess[] = [];
const pages: SdkPage[] = [];
let browser: Browser | undefined;
let balancerClose: (() => Promise<void>) | undefined;

try {
  progress('starting Redis, SFU nodes (city, county ×2) and two signaling nodes');
  await startNode('city-1', 'city');
  await startCountyNode();
  await startCountyNode();
  while ((await publisher.sMembers('classbridge:nodes')).length < 3) await sleep(200);
  signaling.push(await startServerProcess({ ...SHARED_ENV, DEMO: '1', REDIS_URL: redis.url, SIGNALING_NODE_ID: 'signal-1' }));
  signaling.push(await startServerProcess({ ...SHARED_ENV, DEMO: '1', REDIS_URL: redis.url, SIGNALING_NODE_ID: 'signal-2' }));
  const ports = signaling.map((server) => server.port);
  const balancer = await startTcpBalancer(ports);
  balancerClose = balancer.close;
  browser = await launchBrowser();
  const mint = (body: Record<string, unknown>) => signaling.find((server) => server.alive())!.mintToken(LESSON, body);
  const open = async (body: Record<string, unknown>, join = true) => {
    const page = await openSdkPage(browser!, signaling.find((server) => server.alive())!.url, { url: balancer.url, token: await mint(body) }, { join });
    pages.push(page);
    return page;
  };

  progress('teacher publishing camera and microphone (city node)');
  const teacher = await open({ role: 'teacher' });
  await teacher.run('await client.publishCamera({ width: 640, height: 360 }); await client.publishMicrophone();');
  await sleep(3_000);

  /** Socket start → first decoded teacher frame, for a page not yet joined. */
  const joinTime = async (page: SdkPage) => {
    await playRemoteMedia(page);
    return page.run<number>(
      `const started = performance.now(); await client.join();
       for (;;) { const s = await client.getReceiveStats(); if (s.some((x) => x.kind === "video" && x.participantId === "teacher" && x.framesDecoded > 0)) return performance.now() - started; await new Promise((r) => setTimeout(r, 20)); }`,
    );
  };
  const sameNode: number[] = [];
  for (let i = 0; i < joins; i++) {
    const page = await open({ role: 'observer', participantId: `bench-observer-${i}` }, false);
    sameNode.push(await joinTime(page));
    await page.run('await client.leave();');
    await page.page.context().close();
    pages.splice(pages.indexOf(page), 1);
    progress(`same-node join ${i + 1}/${joins}: ${sameNode.at(-1)!.toFixed(0)} ms`);
  }
  const crossNode: number[] = [];
  for (let i = 0; i < joins; i++) {
    // The same classroom each time: a fresh connection replaces nothing once the last one left.
    const page = await open({ role: 'classroom', classroomId: CLASSROOMS[0] }, false);
    crossNode.push(await joinTime(page));
    await page.run('await client.leave();');
    await page.page.context().close();
    pages.splice(pages.indexOf(page), 1);
    progress(`cross-node join ${i + 1}/${joins}: ${crossNode.at(-1)!.toFixed(0)} ms`);
    await sleep(1_500);
  }

  /** Bytes per second arriving through pipes at county nodes, over `seconds`. */
  const metroLink = async (seconds: number) => {
    const county = [...remotes].filter(([id]) => id.startsWith('county') && sfuNodes.get(id)!.process.exitCode === null);
    const total = async () => (await Promise.all(county.map(async ([, remote]) => (await remote.pipeTraffic(LESSON)).reduce((sum, pipe) => sum + pipe.bytesReceived, 0)))).reduce((a, b) => a + b, 0);
    const before = await total();
    await sleep(seconds * 1000);
    return ((await total()) - before) / seconds;
  };
  /** Bytes per second the classrooms receive from the teacher, all together. */
  const received = async (rooms: SdkPage[], seconds: number) => {
    const bytes = () => Promise.all(rooms.map((room) => room.run<number>('return (await client.getReceiveStats()).filter((x) => x.participantId === "teacher").reduce((sum, x) => sum + (x.bytesReceived ?? 0), 0);')));
    const before = await bytes();
    await sleep(seconds * 1000);
    const after = await bytes();
    return after.reduce((sum, value, i) => sum + value - before[i]!, 0) / seconds;
  };

  progress('metro link: one classroom on the county nodes');
  const rooms: SdkPage[] = [];
  const addRoom = async (classroomId: string) => {
    const room = await open({ role: 'classroom', classroomId });
    await playRemoteMedia(room);
    await room.waitFor('const v = (await client.getReceiveStats()).find((x) => x.kind === "video" && x.participantId === "teacher"); return v && v.framesDecoded > 10;', undefined, 30_000);
    rooms.push(room);
  };
  await addRoom(CLASSROOMS[0]!);
  await sleep(2_000);
  const [oneRoomPipe, oneRoomReceived] = await Promise.all([metroLink(10), received(rooms, 10)]);
  progress(`metro link, 1 classroom: ${((oneRoomPipe * 8) / 1000).toFixed(0)} kbit/s`);
  for (const classroomId of CLASSROOMS.slice(1)) await addRoom(classroomId);
  await sleep(2_000);
  const [allRoomsPipe, allRoomsReceived] = await Promise.all([metroLink(10), received(rooms, 10)]);
  progress(`metro link, ${rooms.length} classrooms: ${((allRoomsPipe * 8) / 1000).toFixed(0)} kbit/s`);
  const countyPeers = await Promise.all([...remotes].filter(([id]) => id.startsWith('county')).map(async ([id, remote]) => [id, (await remote.stats()).peers] as const));

  const sfuFailover: number[] = [];
  const signalingFailover: number[] = [];
  const redisRefusal: number[] = [];
  const redisLeaseBack: number[] = [];
  const redisMediaReset: boolean[] = [];
  const everyoneBack = async (before: string[][]) => {
    await Promise.all(rooms.map((room, i) => room.waitFor(FRESH_TEACHER_VIDEO, { before: before[i] }, 30_000, 50)));
  };
  for (let trial = 1; trial <= trials; trial++) {
    // An SFU node: the busiest county node dies; its classrooms move to the other.
    const loads = await Promise.all([...remotes].filter(([id]) => id.startsWith('county') && sfuNodes.get(id)!.process.exitCode === null && sfuNodes.get(id)!.process.signalCode === null).map(async ([id, remote]) => [id, (await remote.stats()).peers] as const));
    const victim = loads.sort((a, b) => b[1] - a[1])[0]![0];
    let before = await Promise.all(rooms.map(consumerIds));
    let started = performance.now();
    await sfuNodes.get(victim)!.kill();
    await everyoneBack(before);
    sfuFailover.push(performance.now() - started);
    await remotes.get(victim)!.close();
    remotes.delete(victim);
    progress(`SFU node killed ${trial}/${trials}: media back in ${sfuFailover.at(-1)!.toFixed(0)} ms`);
    await startCountyNode();
    await sleep(2_000);

    // The signaling node serving the lesson dies; everyone reconnects through the balancer.
    const ownerId = await publisher.hGet(`classbridge:lease:${LESSON}`, 'node');
    const ownerIndex = ownerId === 'signal-1' ? 0 : 1;
    before = await Promise.all(rooms.map(consumerIds));
    started = performance.now();
    await signaling[ownerIndex]!.kill();
    await everyoneBack(before);
    signalingFailover.push(performance.now() - started);
    progress(`signaling node killed ${trial}/${trials}: media back in ${signalingFailover.at(-1)!.toFixed(0)} ms`);
    const replaced = signaling[ownerIndex]!;
    await replaced.stop();
    signaling[ownerIndex] = await startServerProcess({ ...SHARED_ENV, REDIS_URL: redis.url, SIGNALING_NODE_ID: `signal-${ownerIndex + 1}`, PORT: String(ports[ownerIndex]) });
    await sleep(2_000);

    // Redis restarts after 4 s (longer than a lesson lease).
    const owner = await publisher.hGet(`classbridge:lease:${LESSON}`, 'node');
    const observerToken = await mint({ role: 'observer', participantId: `bench-redis-${trial}` });
    before = await Promise.all(rooms.map(consumerIds));
    await redis.kill();
    started = performance.now();
    const attempt = await openSdkPage(browser, signaling.find((server) => server.alive())!.url, { url: balancer.url, token: observerToken, joinTimeoutMs: 10_000 }, { join: false });
    const refusedInMs = await attempt.run<number>('const t = performance.now(); try { await client.join(); return -1; } catch { return performance.now() - t; }');
    await attempt.page.context().close();
    redisRefusal.push(refusedInMs);
    await sleep(Math.max(0, 4_000 - (performance.now() - started)));
    await redis.start();
    const restarted = performance.now();
    while ((await publisher.hGet(`classbridge:lease:${LESSON}`, 'node').catch(() => null)) !== owner) {
      if (performance.now() - restarted > 30_000) throw new Error('the lesson lease did not come back after Redis restarted');
      await sleep(50);
    }
    redisLeaseBack.push(performance.now() - restarted);
    const after = await Promise.all(rooms.map(consumerIds));
    redisMediaReset.push(JSON.stringify(after) !== JSON.stringify(before));
    progress(`Redis restarted ${trial}/${trials}: join refused in ${refusedInMs.toFixed(0)} ms, lesson served again ${redisLeaseBack.at(-1)!.toFixed(0)} ms after the restart, media reset: ${redisMediaReset.at(-1)}`);
    await sleep(2_000);
  }

  const kbps = (bytesPerSecond: number) => Math.round((bytesPerSecond * 8) / 1000);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'cluster',
        description: 'a district cluster on loopback: Redis, SFU nodes (city, county ×2), two signaling nodes behind a TCP balancer, Chromium pages',
        joinMs: {
          description: 'join() → first decoded teacher frame',
          sameNode: summarize(sameNode),
          crossNode: summarize(crossNode),
          crossNodeFirst: Math.round(crossNode[0]!),
        },
        metroLink: {
          description: 'bytes/s arriving at the county nodes through pipes (teacher camera + microphone), against what the classrooms there receive',
          oneClassroom: { pipeKbps: kbps(oneRoomPipe), receivedKbps: kbps(oneRoomReceived) },
          classrooms: rooms.length,
          allClassrooms: { pipeKbps: kbps(allRoomsPipe), receivedKbps: kbps(allRoomsReceived) },
          pipeGrowth: Math.round((allRoomsPipe / oneRoomPipe) * 100) / 100,
          countyPeers: Object.fromEntries(countyPeers),
        },
        failoverMs: {
          description: 'fault → first teacher frame on a new consumer in every classroom',
          trials,
          sfuNodeKilled: summarize(sfuFailover),
          signalingNodeKilled: summarize(signalingFailover),
          redisRestarted: {
            joinRefusedMs: summarize(redisRefusal),
            lessonServedAgainMs: summarize(redisLeaseBack),
            mediaResets: redisMediaReset.filter(Boolean).length,
          },
        },
        environment: { cpus: os.availableParallelism(), node: process.version, chromium: browser.version(), lessonLeaseMs: 3000 },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  for (const page of pages) await page.page.context().close().catch(() => undefined);
  await browser?.close();
  await balancerClose?.();
  for (const server of signaling) await server.stop();
  for (const remote of remotes.values()) await remote.close().catch(() => undefined);
  for (const node of sfuNodes.values()) await node.kill();
  await Promise.all([publisher, subscriber].map((client) => client.quit().catch(() => undefined)));
  await redis.stop();
}
