import { createClient, type RedisClientType } from 'redis';
import { ErrorCode } from '@classbridge/protocol';
import { demoDistrict } from '@classbridge/seeds';
import { startRedisServer, type RedisServer } from '@classbridge/load-tests';
import { RedisDirectoryStore } from '../src/cluster/RedisDirectoryStore.js';

const lessonInput = {
  title: 'Music',
  subject: 'music',
  teacherId: 't-wang-li',
  mainClassroomId: 'qh-exp-g4-1',
  remoteClassroomIds: ['qh-shangling-g4'],
  scheduledStart: '2026-11-23T08:00:00.000Z',
  durationMinutes: 40,
  recording: true,
  language: 'zh' as const,
  captions: true,
};

/**
 * The cluster's directory: two signaling nodes (two stores, two connections) sharing one real
 * Redis must behave as the single-process store does under concurrency.
 */
describe('RedisDirectoryStore (real Redis, two nodes)', () => {
  let redis: RedisServer;
  const clients: RedisClientType[] = [];
  let run = 0;
  const twoNodes = async () => {
    const prefix = `dir${++run}:`;
    const stores: RedisDirectoryStore[] = [];
    for (let i = 0; i < 2; i++) {
      const client = createClient({ url: redis.url }) as RedisClientType;
      await client.connect();
      clients.push(client);
      stores.push(new RedisDirectoryStore(client, { prefix }));
    }
    return { a: stores[0]!, b: stores[1]!, prefix };
  };

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    for (const client of clients) await client.quit().catch(() => undefined);
    await redis?.stop();
  });

  it('starts empty, imports once whoever imports, and both nodes read the same', async () => {
    const { a, b } = await twoNodes();
    expect(await a.isEmpty()).toBe(true);
    await Promise.all([a.importDirectory(demoDistrict(new Date())), b.importDirectory(demoDistrict(new Date()))]);
    expect((await b.snapshot()).lessons.map((l) => l.id).sort()).toEqual(['demo-english-g4', 'demo-music-g4']);
    expect((await a.getClassroom('qh-shangling-g4'))?.name).toBe((await b.getClassroom('qh-shangling-g4'))?.name);
  });

  it('loses no lesson created on both nodes at once, and sees each node\'s writes on the other', async () => {
    const { a, b } = await twoNodes();
    await a.importDirectory(demoDistrict(new Date()));
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).createLesson({ ...lessonInput, id: `c${i}` })));
    for (const store of [a, b]) expect((await store.listLessons()).filter((l) => l.id.startsWith('c'))).toHaveLength(30);
    await expect(b.createLesson({ ...lessonInput, id: 'c3' })).rejects.toMatchObject({ code: ErrorCode.Conflict });
  });

  it('tells exactly one caller over both nodes that a lesson went live, and holds the open-lesson cap across nodes', async () => {
    const { a, b } = await twoNodes();
    await a.importDirectory(demoDistrict(new Date()));
    const starts = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).setLessonStatus('demo-music-g4', 'live')));
    expect(starts.filter((s) => s.changed)).toHaveLength(1);
    const open = (await a.listLessons()).filter((l) => l.status !== 'ended').length;
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).createLesson({ ...lessonInput, id: `cap${i}` }, { maxOpenLessons: open + 4 }).then(() => 'ok', (e: { code: string }) => e.code)),
    );
    expect(created.filter((r) => r === 'ok')).toHaveLength(4);
    expect(created.filter((r) => r === ErrorCode.LimitExceeded)).toHaveLength(8);
    const removals = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).removeParticipant('demo-music-g4', `student-${i}`)));
    expect(removals).toHaveLength(10);
    expect((await b.getLesson('demo-music-g4'))?.removedParticipantIds.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `student-${i}`).sort());
  });

  it('refuses a corrupt document instead of overwriting it', async () => {
    const { a, prefix } = await twoNodes();
    await clients.at(-1)!.set(`${prefix}directory`, '{"districts": [');
    await clients.at(-1)!.set(`${prefix}directory:version`, '7');
    await expect(a.listLessons()).rejects.toThrow(/not valid JSON/);
    await expect(a.importDirectory(demoDistrict(new Date()))).rejects.toThrow(/not valid JSON/);
    expect(await clients.at(-1)!.get(`${prefix}directory`)).toBe('{"districts": [');
  });
});
