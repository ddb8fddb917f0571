/** 1 ms buckets up to 10 s; later arrivals land in the last. */
const BUCKETS = 10_000;

/** One-way delays of many streams in 1 ms buckets: cheap to add to, to window, to merge. */
export class DelayHistogram {
  readonly counts: Uint32Array;

  constructor(counts?: Uint32Array) {
    this.counts = counts ?? new Uint32Array(BUCKETS);
  }

  add(delayMs: number): void {
    this.counts[Math.min(BUCKETS - 1, Math.max(0, Math.floor(delayMs)))]!++;
  }

  get samples(): number {
    let total = 0;
    for (const count of this.counts) total += count;
    return total;
  }

  /** A copy, to subtract from later. */
  snapshot(): DelayHistogram {
    return new DelayHistogram(this.counts.slice());
  }

  /** What arrived since `before` (a snapshot of this histogram). */
  since(before: DelayHistogram): DelayHistogram {
    const counts = new Uint32Array(BUCKETS);
    for (let i = 0; i < BUCKETS; i++) counts[i] = this.counts[i]! - before.counts[i]!;
    return new DelayHistogram(counts);
  }

  /** Adds another histogram's counts into this one. */
  merge(other: DelayHistogram | Uint32Array | readonly number[]): void {
    const counts = other instanceof DelayHistogram ? other.counts : other;
    for (let i = 0; i < Math.min(BUCKETS, counts.length); i++) this.counts[i]! += counts[i]!;
  }

  /** The p-th percentile (0..100) in ms (bucket middle); null without samples. */
  percentile(p: number): number | null {
    const total = this.samples;
    if (total === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i + 0.5;
    }
    return BUCKETS - 0.5;
  }
}
