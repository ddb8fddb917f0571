/** A span of a link's clock during which it carries nothing: [startMs, endMs). */
export interface OutageWindow {
  startMs: number;
  endMs: number;
}

/**
 * When a link is down. Windows may overlap; ones that have ended are pruned as
 * the clock passes them, so a long benchmark adding outages stays small.
 */
export class OutageSchedule {
  private windows: OutageWindow[] = [];

  /** Down from `startMs` until `endMs` (exclusive). */
  add(startMs: number, endMs: number): void {
    if (!(endMs >= startMs)) throw new RangeError(`an outage must end after it starts (${startMs} → ${endMs})`);
    if (endMs > startMs) this.windows.push({ startMs, endMs });
  }

  /** Down for `durationMs` from `nowMs`. */
  addFor(nowMs: number, durationMs: number): void {
    if (!(durationMs >= 0)) throw new RangeError(`an outage lasts 0 ms or more, got ${durationMs}`);
    this.add(nowMs, nowMs + durationMs);
  }

  /** Whether the link is down at `nowMs`. */
  isDown(nowMs: number): boolean {
    if (this.windows.length === 0) return false;
    this.windows = this.windows.filter((w) => w.endMs > nowMs);
    return this.windows.some((w) => w.startMs <= nowMs);
  }

  /** When the outage in force at `nowMs` ends (the latest end among chained windows), or `nowMs` if up. */
  upAgainAt(nowMs: number): number {
    let at = nowMs;
    for (let changed = true; changed; ) {
      changed = false;
      for (const w of this.windows) {
        if (w.startMs <= at && w.endMs > at) {
          at = w.endMs;
          changed = true;
        }
      }
    }
    return at;
  }

  /** The windows not yet over at `nowMs`. */
  pending(nowMs: number): OutageWindow[] {
    return this.windows.filter((w) => w.endMs > nowMs).map((w) => ({ ...w }));
  }

  /** Cancels every outage. */
  clear(): void {
    this.windows = [];
  }
}
