/** What the watch concludes from one sample. */
export type MediaPathVerdict =
  /** Packets arrive (or nothing is expected). */
  | 'flowing'
  /** Nothing arrived for `silenceMs` while media should: the path is dead; a restart is already under way. */
  | 'dead'
  /** Dead, and an ICE restart is due now (the first one, or the next after `retryMs`). */
  | 'restart';

export interface MediaPathWatchOptions {
  /** Silence on a transport that carries media before its path counts as dead. Default 1000 ms (Opus DTX still sends every 400 ms). */
  silenceMs?: number;
  /** While still dead, the next ICE restart after this long. Default 3000 ms. */
  retryMs?: number;
}

/**
 * Notices a dead media path faster than ICE does (Chromium says "disconnected" only after
 * seconds of missed consent checks): a transport that carries media always receives something —
 * RTP, or the SFU's RTCP reports and feedback, several a second — so bytes received on its active
 * candidate pair that stop growing for `silenceMs` mean the path is gone. Pure: the client samples
 * the transport's stats and brings the clock.
 */
export class MediaPathWatch {
  readonly #silenceMs: number;
  readonly #retryMs: number;
  #lastBytes: number | null = null;
  #lastChangeMs: number | null = null;
  #restartedMs: number | null = null;
  #dead = false;

  constructor(options: MediaPathWatchOptions = {}) {
    this.#silenceMs = options.silenceMs ?? 1_000;
    this.#retryMs = options.retryMs ?? 3_000;
  }

  get dead(): boolean {
    return this.#dead;
  }

  /**
   * One sample: bytes received on the transport's active candidate pair (null: no pair yet), at
   * `nowMs`; `carrying`: the transport has unpaused producers or consumers, so packets must come.
   */
  sample(bytesReceived: number | null, nowMs: number, carrying: boolean): MediaPathVerdict {
    if (!carrying || bytesReceived === null || bytesReceived !== this.#lastBytes || this.#lastChangeMs === null) {
      // Any change counts as traffic (a new pair after a restart starts from zero).
      this.#lastBytes = bytesReceived;
      this.#lastChangeMs = nowMs;
      this.#dead = false;
      this.#restartedMs = null;
      return 'flowing';
    }
    if (nowMs - this.#lastChangeMs < this.#silenceMs) return this.#dead ? 'dead' : 'flowing';
    this.#dead = true;
    if (this.#restartedMs === null || nowMs - this.#restartedMs >= this.#retryMs) {
      this.#restartedMs = nowMs;
      return 'restart';
    }
    return 'dead';
  }
}
