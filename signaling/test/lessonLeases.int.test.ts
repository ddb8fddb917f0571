import { createClient, type RedisClientType } from 'redis';
import { ImpairmentTcpProxy, startRedisServer, type RedisServer } from '@classbridge/load-tests';
import { RedisLessonLeases } from '../src/cluster/RedisLessonLeases.js';
import { LessonLeaseKeeper } from '../src/routing/LessonLeaseKeeper.js';
import { LocalLessonLeases } from '../src/routing/LocalLessonLeases.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('lesson leases in a real Redis: one owner per lesson, fenced, lost on a partition before anyone else takes it', () => {
  let redis: RedisServer;
  let proxy: ImpairmentTcpProxy;
  const clients: RedisClientType[] = [];
  const connect = async (url: string) => {
    const client = createClient({ url, socket: { reconnectStrategy: 100 } }) as RedisClientType;
    client.on('error', () => undefined); // a partitioned client reports errors; the leases handle them
    await client.connect();
    clients.push(client);
    return client;
  };
  let run = 0;
  const nodes = async (ttlMs = 1_500) => {
    const prefix = `test${++run}:`;
    // Node A reaches Redis through a proxy that can cut it off; node B directly.
    const a = new RedisLessonLeases(await connect(`redis://127.0.0.1:${proxy.port}`), { nodeId: 'node-a', ttlMs, prefix });
    const b = new RedisLessonLeases(await connect(redis.url), { nodeId: 'node-b', ttlMs, prefix });
    return { a, b };
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    proxy = new ImpairmentTcpProxy({ target: `127.0.0.1:${redis.port}` });
    await proxy.start();
  });
  afterAll(async () => {
    // Not quit(): node A's connection may still be cut off, and its QUIT would wait for the link.
    for (const client of clients) await client.disconnect().catch(() => undefined);
    await proxy?.close();
    await redis?.stop();
  });

  it('gives each lesson to exactly one of two nodes racing for it', async () => {
    const { a, b } = await nodes();
    const lessons = Array.from({ length: 40 }, (_, i) => `lesson-${i}`);
    const attempts = await Promise.all(
      lessons.flatMap((lessonId, i) => [
        sleep(i % 3).then(() => a.acquire(lessonId)),
        sleep((i + 1) % 3).then(() => b.acquire(lessonId)),
      ]),
    );
    for (const [i, lessonId] of lessons.entries()) {
      const [fromA, fromB] = [attempts[2 * i], attempts[2 * i + 1]];
      expect([fromA, fromB].filter(Boolean)).toHaveLength(1);
      const winner = (fromA ?? fromB)!;
      expect(await a.owner(lessonId)).toEqual({ nodeId: winner.nodeId, token: winner.token });
    }
  });

  it('fences a former owner: a new owner gets a larger token and the old lease renews no more', async () => {
    const { a, b } = await nodes();
    const first = (await a.acquire('fenced'))!;
    expect(await b.acquire('fenced')).toBeNull();
    expect((await a.acquire('fenced'))?.token).toBe(first.token); // asking again renews
    await a.release(first);
    const second = (await b.acquire('fenced'))!;
    expect(second.token).toBeGreaterThan(first.token);
    expect(await a.renew(first)).toBeNull();
    expect(await a.acquire('fenced')).toBeNull();
    await b.release(first); // a stale release changes nothing
    expect(await b.owner('fenced')).toEqual({ nodeId: 'node-b', token: second.token });
  });

  it('a node cut off from Redis stops serving its lesson before another node can take it', async () => {
    const ttlMs = 1_500;
    const { a, b } = await nodes(ttlMs);
    const keeper = new LessonLeaseKeeper(a);
    try {
      expect(await keeper.hold('partitioned')).not.toBeNull();
      await sleep(2 * ttlMs); // renewed meanwhile: still held
      expect(keeper.lease('partitioned')).not.toBeNull();
      expect(await b.acquire('partitioned')).toBeNull();

      let lostAt: number | null = null;
      keeper.on('lost', ({ lessonId, reason }) => {
        if (lessonId === 'partitioned') lostAt = Date.now();
        expect(reason).toBe('expired');
      });
      const cutAt = Date.now();
      proxy.outage(4 * ttlMs, 'both');
      let takenAt: number | null = null;
      while (takenAt === null && Date.now() - cutAt < 3 * ttlMs) {
        if (await b.acquire('partitioned')) takenAt = Date.now();
        else await sleep(20);
      }
      process.stdout.write(`[leases] cut off at 0 ms: node A gave the lesson up at ${lostAt! - cutAt} ms, node B took it at ${takenAt! - cutAt} ms (lease ${ttlMs} ms)\n`);
      expect(lostAt).not.toBeNull();
      expect(takenAt).not.toBeNull();
      expect(lostAt!).toBeLessThan(takenAt!);
      expect(keeper.lease('partitioned')).toBeNull();
    } finally {
      await keeper.close();
    }
    // Its own waits add up to 2 × ttl held, then up to 3 × ttl for the takeover: past jest's 5 s default.
  }, 20_000);

  it('the embedded server owns every lesson it opens', async () => {
    const local = new LocalLessonLeases();
    const lease = (await local.acquire('l'))!;
    expect(await local.owner('l')).toEqual({ nodeId: 'local', token: lease.token });
    expect(await local.renew(lease)).toEqual(lease);
    await local.release(lease);
    expect(await local.owner('l')).toBeNull();
    expect(await local.renew(lease)).toBeNull();
  });
});
