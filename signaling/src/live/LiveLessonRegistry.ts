import type { Logger } from 'pino';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import type { DirectoryStore } from '../store/DirectoryStore.js';
import { LiveLesson } from './LiveLesson.js';
import type { LessonChannel } from './LessonChannel.js';

export interface LiveLessonRegistryOptions {
  sfu: SfuControl;
  store: DirectoryStore;
  logger: Logger;
  maxFloorHolders: number;
  channelFor(lessonId: string): LessonChannel;
}

/**
 * The live lessons this signaling process serves, created on first join and
 * dropped when they end. It also routes SFU events to the lesson they belong to.
 */
export class LiveLessonRegistry {
  readonly #options: LiveLessonRegistryOptions;
  readonly #lessons = new Map<string, Promise<LiveLesson>>();

  constructor(options: LiveLessonRegistryOptions) {
    this.#options = options;
    const { sfu } = options;
    sfu.on('producerClosed', ({ roomId, producerId }) => this.#live(roomId)?.onProducerClosed(producerId));
    sfu.on('consumerClosed', ({ roomId, peerId, consumerId }) => this.#live(roomId)?.onConsumerClosed(peerId, consumerId));
    sfu.on('activeSpeaker', ({ roomId, peerId }) => this.#live(roomId)?.onActiveSpeaker(peerId));
    sfu.on('audioLevels', ({ roomId, levels }) => this.#live(roomId)?.onAudioLevels(levels));
    sfu.on('roomClosed', ({ roomId, reason }) => {
      if (reason === 'worker-died') this.#live(roomId)?.onMediaReset(reason);
    });
  }

  /** The live lesson, loading it from the store on first use. */
  get(lessonId: string): Promise<LiveLesson> {
    let pending = this.#lessons.get(lessonId);
    if (!pending) {
      pending = this.#load(lessonId);
      this.#lessons.set(lessonId, pending);
      pending.catch(() => this.#lessons.delete(lessonId));
    }
    return pending;
  }

  /** The live lesson if it is loaded. */
  async find(lessonId: string): Promise<LiveLesson | undefined> {
    return this.#lessons.get(lessonId)?.catch(() => undefined);
  }

  async endLesson(lessonId: string, moderatorId: string | null): Promise<void> {
    const lesson = await this.find(lessonId);
    if (lesson) {
      await lesson.end(moderatorId);
    } else {
      await this.#options.store.setLessonStatus(lessonId, 'ended');
    }
    this.#lessons.delete(lessonId);
    this.#resolved.delete(lessonId);
  }

  async connectedCount(): Promise<number> {
    const lessons = await Promise.all([...this.#lessons.values()].map((p) => p.catch(() => undefined)));
    return lessons.reduce((sum, lesson) => sum + (lesson?.connectedCount ?? 0), 0);
  }

  get size(): number {
    return this.#lessons.size;
  }

  #live(lessonId: string): LiveLesson | undefined {
    return this.#resolved.get(lessonId);
  }

  readonly #resolved = new Map<string, LiveLesson>();

  async #load(lessonId: string): Promise<LiveLesson> {
    const { store, sfu, logger, maxFloorHolders, channelFor } = this.#options;
    const lesson = await store.getLesson(lessonId);
    if (!lesson) throw new ClassBridgeError(ErrorCode.NotFound, `no lesson ${lessonId}`);
    if (lesson.status === 'ended') throw new ClassBridgeError(ErrorCode.InvalidState, 'the lesson has ended');
    const live = new LiveLesson({ lesson, sfu, store, logger, maxFloorHolders, channel: channelFor(lessonId) });
    this.#resolved.set(lessonId, live);
    return live;
  }
}
