/** A node's right to serve a lesson (its roster, floor and hands) until `expiresAtMs`. */
export interface LessonLease {
  lessonId: string;
  nodeId: string;
  /**
   * Fencing token: larger for every new owner of the lesson. A write that carries an older token
   * comes from a node that lost the lesson and must be refused.
   */
  token: number;
  /** When this node must stop serving the lesson unless renewed — on its own clock, counted from before it asked. */
  expiresAtMs: number;
}

/**
 * Who owns each live lesson, so that exactly one node holds its state. The embedded server owns
 * every lesson it opens (LocalLessonLeases); a cluster keeps leases in Redis that expire unless
 * renewed, so a node cut off from the others loses its lessons rather than keeping them while
 * another node takes them (RedisLessonLeases).
 */
export interface LessonLeases {
  readonly nodeId: string;
  /** How long a lease lasts without renewal, ms. */
  readonly ttlMs: number;
  /** Takes the lesson for this node, or renews it if this node has it; null: another node owns it. */
  acquire(lessonId: string): Promise<LessonLease | null>;
  /** Extends a lease this node holds; null: lost (expired, and perhaps taken) — stop serving the lesson. */
  renew(lease: LessonLease): Promise<LessonLease | null>;
  /** Gives the lesson up (it ended here, or this node is leaving). */
  release(lease: LessonLease): Promise<void>;
  /** Who owns the lesson now (null: nobody). */
  owner(lessonId: string): Promise<{ nodeId: string; token: number } | null>;
}
