import type { RedisClientType } from 'redis';
import type { LessonLease, LessonLeases } from '../routing/LessonLeases.js';

/*
 * Lease keys: `${prefix}lease:${lessonId}` is a hash { node, token } that expires with the lease;
 * `${prefix}lease-token:${lessonId}` counts owners and never expires, so tokens only grow.
 * Each operation is one Lua script: Redis runs it atomically.
 */
const ACQUIRE = `
local node = redis.call('HGET', KEYS[1], 'node')
if node then
  if node == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(redis.call('HGET', KEYS[1], 'token'))
  end
  return -1
end
local token = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'node', ARGV[1], 'token', token)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return token`;
const RENEW = `
if redis.call('HGET', KEYS[1], 'node') == ARGV[1] and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0`;
const RELEASE = `
if redis.call('HGET', KEYS[1], 'node') == ARGV[1] and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * Lesson leases in Redis, with fencing. A lease is counted from before the request that took or
 * renewed it was sent, on this node's clock, so this node always believes it expired no later
 * than Redis does: by the time another node can take a lesson, its former owner has stopped.
 */
export class RedisLessonLeases implements LessonLeases {
  readonly nodeId: string;
  readonly ttlMs: number;
  readonly #redis: RedisClientType;
  readonly #prefix: string;

  constructor(redis: RedisClientType, options: { nodeId: string; ttlMs?: number; prefix?: string }) {
    this.#redis = redis;
    this.nodeId = options.nodeId;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.#prefix = options.prefix ?? 'classbridge:';
  }

  async acquire(lessonId: string): Promise<LessonLease | null> {
    const askedAt = performance.now();
    const token = Number(await this.#redis.eval(ACQUIRE, { keys: this.#keys(lessonId), arguments: [this.nodeId, String(this.ttlMs)] }));
    return token < 0 ? null : this.#lease(lessonId, token, askedAt);
  }

  async renew(lease: LessonLease): Promise<LessonLease | null> {
    const askedAt = performance.now();
    const renewed = Number(await this.#redis.eval(RENEW, { keys: [this.#keys(lease.lessonId)[0]], arguments: [this.nodeId, String(lease.token), String(this.ttlMs)] }));
    return renewed === 1 ? this.#lease(lease.lessonId, lease.token, askedAt) : null;
  }

  async release(lease: LessonLease): Promise<void> {
    await this.#redis.eval(RELEASE, { keys: [this.#keys(lease.lessonId)[0]], arguments: [this.nodeId, String(lease.token)] });
  }

  async owner(lessonId: string): Promise<{ nodeId: string; token: number } | null> {
    const owner = await this.#redis.hGetAll(this.#keys(lessonId)[0]);
    return owner['node'] ? { nodeId: owner['node'], token: Number(owner['token']) } : null;
  }

  #keys(lessonId: string): [string, string] {
    return [`${this.#prefix}lease:${lessonId}`, `${this.#prefix}lease-token:${lessonId}`];
  }

  /** expiresAtMs on the wall clock, from the monotonic time the request was sent. */
  #lease(lessonId: string, token: number, askedAtMonotonic: number): LessonLease {
    const sinceAsked = performance.now() - askedAtMonotonic;
    return { lessonId, nodeId: this.nodeId, token, expiresAtMs: Date.now() - sinceAsked + this.ttlMs };
  }
}
