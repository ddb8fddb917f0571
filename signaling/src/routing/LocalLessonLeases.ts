import type { LessonLease, LessonLeases } from './LessonLeases.js';

/** The embedded server: one node, which owns every lesson it opens, for as long as it likes. */
export class LocalLessonLeases implements LessonLeases {
  readonly nodeId: string;
  readonly ttlMs = Number.POSITIVE_INFINITY;
  readonly #tokens = new Map<string, number>();
  #nextToken = 0;

  constructor(nodeId = 'local') {
    this.nodeId = nodeId;
  }

  async acquire(lessonId: string): Promise<LessonLease> {
    let token = this.#tokens.get(lessonId);
    if (token === undefined) this.#tokens.set(lessonId, (token = ++this.#nextToken));
    return { lessonId, nodeId: this.nodeId, token, expiresAtMs: Number.POSITIVE_INFINITY };
  }

  async renew(lease: LessonLease): Promise<LessonLease | null> {
    return this.#tokens.get(lease.lessonId) === lease.token ? lease : null;
  }

  async release(lease: LessonLease): Promise<void> {
    if (this.#tokens.get(lease.lessonId) === lease.token) this.#tokens.delete(lease.lessonId);
  }

  async owner(lessonId: string): Promise<{ nodeId: string; token: number } | null> {
    const token = this.#tokens.get(lessonId);
    return token === undefined ? null : { nodeId: this.nodeId, token };
  }
}
