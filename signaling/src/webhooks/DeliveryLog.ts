import type { DeliveryQuery, DeliveryRecord } from './schemas.js';

/**
 * The most recent deliveries, for operators asking "did the platform get it?".
 * Bounded: past `capacity` the oldest record is forgotten (a pending one keeps being delivered).
 * Records are live: the dispatcher updates them in place.
 */
export class DeliveryLog {
  readonly #capacity: number;
  readonly #records = new Map<string, DeliveryRecord>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  add(record: DeliveryRecord): void {
    this.#records.set(record.id, record);
    for (const id of this.#records.keys()) {
      if (this.#records.size <= this.#capacity) break;
      this.#records.delete(id);
    }
  }

  /** Newest first. */
  list({ state, limit = this.#capacity }: DeliveryQuery = {}): DeliveryRecord[] {
    const newestFirst = [...this.#records.values()].reverse();
    return (state ? newestFirst.filter((record) => record.state === state) : newestFirst).slice(0, limit);
  }

  get size(): number {
    return this.#records.size;
  }
}
