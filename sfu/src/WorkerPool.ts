import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { resolveAnnouncedAddress } from './config.js';
import type { SfuConfig } from './config.js';
import { TypedEmitter } from './TypedEmitter.js';

/** One mediasoup worker and the WebRtcServer that gives all its transports a single port. */
export interface PooledWorker {
  index: number;
  worker: types.Worker;
  webRtcServer: types.WebRtcServer;
  /** Routers currently placed on this worker (its load). */
  routers: number;
}

interface WorkerPoolEvents extends Record<string, unknown> {
  /** The worker died; a replacement is being started. Its routers are already closed. */
  died: { index: number; pid: number };
  replaced: { index: number; pid: number };
}

/**
 * Keeps `numWorkers` mediasoup workers alive, one per core, and replaces any that dies.
 */
export class WorkerPool extends TypedEmitter<WorkerPoolEvents> {
  readonly #config: SfuConfig;
  readonly #logger: Logger;
  readonly #slots: Array<PooledWorker | undefined> = [];
  #restarts = 0;
  #closed = false;

  private constructor(config: SfuConfig, logger: Logger) {
    super();
    this.#config = config;
    this.#logger = logger;
  }

  static async start(config: SfuConfig, logger: Logger): Promise<WorkerPool> {
    const pool = new WorkerPool(config, logger);
    try {
      for (let index = 0; index < config.numWorkers; index++) await pool.#startWorker(index);
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get size(): number {
    return this.#slots.filter(Boolean).length;
  }

  /** CPU seconds (user + system) the live workers have used: a restarted worker starts from zero. */
  async cpuSeconds(): Promise<number> {
    const usages = await Promise.all(this.#slots.map((slot) => slot?.worker.getResourceUsage().catch(() => null)));
    return usages.reduce((sum, usage) => sum + (usage ? (usage.ru_utime + usage.ru_stime) / 1000 : 0), 0);
  }

  pids(): number[] {
    return this.#slots.flatMap((slot) => (slot ? [slot.worker.pid] : []));
  }

  /** The live worker with the fewest routers. */
  leastLoaded(): PooledWorker {
    let best: PooledWorker | undefined;
    for (const slot of this.#slots) if (slot && (!best || slot.routers < best.routers)) best = slot;
    if (!best) throw new Error('no live mediasoup worker');
    return best;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const slot of this.#slots) slot?.worker.close();
    this.#slots.length = 0;
    this.removeAllListeners();
  }

  async #startWorker(index: number): Promise<void> {
    const worker = await mediasoup.createWorker({ logLevel: this.#config.logLevel });
    const port = this.#config.rtcPort === 0 ? undefined : this.#config.rtcPort + index;
    const announcedAddress = resolveAnnouncedAddress(this.#config);
    const buffers = this.#config.socketBufferBytes > 0 ? { sendBufferSize: this.#config.socketBufferBytes, recvBufferSize: this.#config.socketBufferBytes } : {};
    const listen = { ip: this.#config.listenIp, ...(announcedAddress ? { announcedAddress } : {}), port, ...buffers };
    let webRtcServer: types.WebRtcServer;
    try {
      // UDP first; TCP on the same port for school firewalls that drop UDP.
      webRtcServer = await worker.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ...listen },
          { protocol: 'tcp', ...listen },
        ],
      });
    } catch (error) {
      worker.close();
      throw error;
    }
    const slot: PooledWorker = { index, worker, webRtcServer, routers: 0 };
    this.#slots[index] = slot;
    worker.observer.on('newrouter', (router) => {
      slot.routers++;
      router.observer.on('close', () => slot.routers--);
    });
    worker.on('died', (error) => this.#onDied(slot, error));
    this.#logger.info({ index, pid: worker.pid, port: port ?? 'random', announcedAddress: announcedAddress ?? this.#config.listenIp }, 'mediasoup worker started');
  }

  #onDied(slot: PooledWorker, error: Error): void {
    if (this.#closed) return;
    this.#slots[slot.index] = undefined;
    this.#restarts++;
    this.#logger.error({ index: slot.index, pid: slot.worker.pid, err: error.message }, 'mediasoup worker died; replacing it');
    this.emit('died', { index: slot.index, pid: slot.worker.pid });
    this.#startWorker(slot.index)
      .then(() => this.emit('replaced', { index: slot.index, pid: this.#slots[slot.index]?.worker.pid ?? -1 }))
      .catch((startError: unknown) =>
        this.#logger.fatal({ index: slot.index, err: String(startError) }, 'could not replace mediasoup worker'),
      );
  }
}
