import pino from 'pino';
import { ErrorCode } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import { LessonOwnership } from '../src/cluster/LessonOwnership.js';
import type { LessonLease, LessonLeases } from '../src/routing/LessonLeases.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Leases as Redis would keep them, with a switch for Redis being away (every call fails) and a way
 * for "another node" to take a lesson meanwhile. RedisLessonLeases itself is tested against a real
 * Redis in lessonLeases.int; this tests what LessonOwnership does with what leases say.
 */
class ScriptedLeases implements LessonLeases {
  readonly nodeId = 'signal-1';
  readonly ttlMs = 600;
  redisAway = false;
  /** How long Redis keeps a lease: longer than ttlMs plays a lease that outlived this node's view of it. */
  redisTtlMs = 600;
  readonly #owners = new Map<string, { nodeId: string; token: number; until: number }>();
  #tokens = 0;

  async acquire(lessonId: string): Promise<LessonLease | null> {
    this.#check();
    const current = this.#owners.get(lessonId);
    if (current && current.until > Date.now() && current.nodeId !== this.nodeId) return null;
    const token = current && current.until > Date.now() ? current.token : ++this.#tokens;
    this.#owners.set(lessonId, { nodeId: this.nodeId, token, until: Date.now() + this.redisTtlMs });
    return { lessonId, nodeId: this.nodeId, token, expiresAtMs: Date.now() + this.ttlMs };
  }
  async renew(lease: LessonLease): Promise<LessonLease | null> {
    this.#check();
    const current = this.#owners.get(lease.lessonId);
    if (current?.token !== lease.token || current.until <= Date.now()) return null;
    current.until = Date.now() + this.redisTtlMs;
    return { ...lease, expiresAtMs: Date.now() + this.ttlMs };
  }
  async release(lease: LessonLease): Promise<void> {
    this.#check();
    if (this.#owners.get(lease.lessonId)?.token === lease.token) this.#owners.delete(lease.lessonId);
  }
  async owner(lessonId: string) {
    this.#check();
    const current = this.#owners.get(lessonId);
    return current && current.until > Date.now() ? { nodeId: current.nodeId, token: current.token } : null;
  }
  /** Another node takes the lesson, and holds it for `holdMs` (0: it lets go at once). */
  takenElsewhere(lessonId: string, holdMs = 0): void {
    this.#owners.set(lessonId, { nodeId: 'signal-2', token: ++this.#tokens, until: Date.now() + holdMs });
  }
  #check(): void {
    if (this.redisAway) throw new Error('The client is offline');
  }
}

function ownership() {
  const leases = new ScriptedLeases();
  const lost: string[] = [];
  const closedRooms: string[] = [];
  const sfu = { closeRoom: async (roomId: string) => void closedRooms.push(roomId) } as unknown as SfuControl;
  const owner = new LessonOwnership({ leases, sfu, logger: pino({ level: 'silent' }), isInUse: () => true, onLost: (lessonId) => lost.push(lessonId) });
  return { leases, owner, lost, closedRooms };
}

describe('LessonOwnership', () => {
  it('a lease that lapses while Redis is away suspends the lesson (UNAVAILABLE), and it resumes when Redis is back, media untouched', async () => {
    const { leases, owner, lost, closedRooms } = ownership();
    expect(await owner.locate('L1')).toEqual({ here: true });
    expect(closedRooms).toEqual(['L1']); // taken over: whatever an earlier owner left is cleared
    leases.redisAway = true;
    await sleep(900);
    expect(owner.isSuspended('L1')).toBe(true);
    expect(() => owner.assertServing('L1')).toThrow(expect.objectContaining({ code: ErrorCode.Unavailable }));
    await expect(owner.locate('L1')).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    leases.redisAway = false;
    await sleep(600);
    expect(owner.isSuspended('L1')).toBe(false);
    expect(owner.holds('L1')).toBe(true);
    expect(lost).toEqual([]);
    expect(closedRooms).toEqual(['L1']); // no second takeover: the lesson went on
    await owner.close();
  });

  it('gives the lesson up if another node served it while this one was cut off', async () => {
    const { leases, owner, lost } = ownership();
    await owner.locate('L1');
    leases.redisAway = true;
    await sleep(900);
    expect(owner.isSuspended('L1')).toBe(true);
    leases.takenElsewhere('L1');
    leases.redisAway = false;
    await sleep(600);
    expect(lost).toEqual(['L1']);
    expect(owner.isSuspended('L1')).toBe(false);
    expect(owner.holds('L1')).toBe(false);
    await owner.close();
  });

  it('resumes when the lease outlived this node\'s view of it (the same token: nobody else could have had it)', async () => {
    const { leases, owner, lost } = ownership();
    leases.redisTtlMs = 5_000;
    await owner.locate('L1');
    leases.redisAway = true;
    await sleep(900);
    expect(owner.isSuspended('L1')).toBe(true);
    leases.redisAway = false;
    await sleep(600);
    expect(lost).toEqual([]);
    expect(owner.holds('L1')).toBe(true);
    await owner.close();
  });

  it('sends a lesson another node holds there, and takes one whose owner let go', async () => {
    const { leases, owner, closedRooms } = ownership();
    leases.takenElsewhere('L2', 10_000);
    expect(await owner.locate('L2')).toEqual({ here: false, nodeId: 'signal-2' });
    leases.takenElsewhere('L3');
    expect(await owner.locate('L3')).toEqual({ here: true });
    expect(closedRooms).toEqual(['L3']);
    await owner.close();
  });
});
