import type { Logger } from 'pino';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { RoomEvent, SfuControl } from '@classbridge/sfu';
import type { DirectoryStore } from '../store/DirectoryStore.js';
import type { Lesson } from '../domain/schemas.js';
import { LiveLesson } from './LiveLesson.js';
import type { LessonChannel } from './LessonChannel.js';
import type { Caption, EchoWarning, LessonEventBus } from '@classbridge/protocol';

export interface LiveLessonRegistryOptions {
  sfu: SfuControl;
  store: DirectoryStore;
  events: LessonEventBus;
  logger: Logger;
  maxFloorHolders: number;
  /** Lessons with live state at once. */
  maxLiveLessons: number;
  maxParticipantsPerLesson: number;
  /** How long an empty lesson keeps its live state and media room before both are released. */
  idleGraceMs: number;
  channelFor(lessonId: string): LessonChannel;
  /** Whether a lesson is being recorded (the recorder's answer; absent: never). */
  isRecording?: (lessonId: string) => boolean;
}

/**
 * The live lessons this signaling process serves: loaded on the first join,
 * released (media room closed) once nobody has been connected for the grace
 * period, and dropped when they end. It also routes SFU events to the lesson
 * they belong to.
 */
export class LiveLessonRegistry {
  readonly #options: LiveLessonRegistryOptions;
  readonly #lessons = new Map<string, Promise<LiveLesson>>();
  readonly #resolved = new Map<string, LiveLesson>();
  readonly #idleTimers = new Map<string, NodeJS.Timeout>();
  /** Each live lesson's subscription to its media room's events. */
  readonly #roomSubscriptions = new Map<string, () => void>();
  #closed = false;

  constructor(options: LiveLessonRegistryOptions) {
    this.#options = options;
  }

  /**
   * The live lesson, loading it from the store on first use. Loading counts
   * against MAX_LIVE_LESSONS; only joins call this, so a lesson has live state
   * (and, on its first transport, a media room) only while someone is in it.
   */
  get(lessonId: string): Promise<LiveLesson> {
    if (this.#closed) return Promise.reject(new ClassBridgeError(ErrorCode.InvalidState, 'the server is shutting down'));
    let pending = this.#lessons.get(lessonId);
    if (!pending) {
      if (this.#lessons.size >= this.#options.maxLiveLessons) {
        return Promise.reject(new ClassBridgeError(ErrorCode.LimitExceeded, `this server runs its maximum of ${this.#options.maxLiveLessons} live lessons`));
      }
      pending = this.#load(lessonId);
      this.#lessons.set(lessonId, pending);
      pending.catch(() => {
        if (this.#lessons.get(lessonId) === pending) this.#lessons.delete(lessonId);
      });
    }
    return pending;
  }

  /** The live lesson if it is loaded. */
  async find(lessonId: string): Promise<LiveLesson | undefined> {
    return this.#lessons.get(lessonId)?.catch(() => undefined);
  }

  /** Throws NOT_FOUND or INVALID_STATE unless the lesson exists and has not ended (no live state is created). */
  async assertJoinable(lessonId: string): Promise<Lesson> {
    const lesson = await this.#options.store.getLesson(lessonId);
    if (!lesson) throw new ClassBridgeError(ErrorCode.NotFound, `no lesson ${lessonId}`);
    if (lesson.status === 'ended') throw new ClassBridgeError(ErrorCode.InvalidState, 'the lesson has ended');
    return lesson;
  }

  /**
   * Ends a lesson: its participants are told and every socket holding a token for
   * it is dropped, except `keepConnectionId` (the teacher asking, who gets an answer first).
   */
  async endLesson(lessonId: string, moderatorId: string | null, keepConnectionId?: string): Promise<void> {
    const lesson = await this.find(lessonId);
    if (lesson) {
      await lesson.end(moderatorId, keepConnectionId);
    } else {
      const { changed } = await this.#options.store.setLessonStatus(lessonId, 'ended');
      if (changed) this.#options.events.publish({ type: 'lesson.ended', lessonId, reason: moderatorId === null ? 'ended-by-admin' : 'ended-by-teacher' });
    }
    this.#options.channelFor(lessonId).disconnectAll(keepConnectionId);
    this.#forget(lessonId);
  }

  async connectedCount(): Promise<number> {
    const lessons = await Promise.all([...this.#lessons.values()].map((p) => p.catch(() => undefined)));
    return lessons.reduce((sum, lesson) => sum + (lesson?.connectedCount ?? 0), 0);
  }

  get size(): number {
    return this.#lessons.size;
  }

  /**
   * The classroom whose school's region should host a peer's media: its own, or for anyone
   * without one (the teacher, observers) and for the lesson's room itself (no peer) the lesson's
   * main classroom. Null if the lesson or the peer is unknown here.
   */
  classroomOfPeer(lessonId: string, peerId: string | null): string | null {
    const live = this.#live(lessonId);
    if (!live) return null;
    if (peerId === null) return live.mainClassroomId;
    const participant = live.participantOfPeer(peerId);
    return participant ? (participant.classroomId ?? live.mainClassroomId) : null;
  }

  /** Whether the lesson has live state here (loaded, or loading). */
  isLoaded(lessonId: string): boolean {
    return this.#lessons.has(lessonId);
  }

  /**
   * This node no longer serves the lesson (in a cluster, another node has it now): its live state
   * is dropped here without touching its media or the store, which belong to the new owner.
   */
  evict(lessonId: string): void {
    this.#live(lessonId)?.retire();
    this.#forget(lessonId);
  }

  /** Tells a lesson's participants that its recording started or stopped (no-op when nobody is in). */
  announceRecording(lessonId: string, recording: boolean): void {
    this.#live(lessonId)?.announceRecording(recording);
  }

  /** Connected participants of every live lesson by their last reported link score ('none': not yet, or nothing to measure). */
  networkQualityCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const live of this.#resolved.values()) {
      for (const score of live.networkScores()) {
        const key = score === null ? 'none' : String(score);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return counts;
  }

  announceCaption(lessonId: string, caption: Caption): void {
    this.#live(lessonId)?.announceCaption(caption);
  }

  announceEcho(lessonId: string, participantId: string, echo: EchoWarning | null): void {
    this.#live(lessonId)?.announceEcho(participantId, echo);
  }

  /** Stops the idle timers (server shutdown). */
  close(): void {
    this.#closed = true;
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
  }

  #live(lessonId: string): LiveLesson | undefined {
    return this.#resolved.get(lessonId);
  }

  async #load(lessonId: string): Promise<LiveLesson> {
    const { sfu, store, events, logger, maxFloorHolders, maxParticipantsPerLesson, channelFor } = this.#options;
    const lesson = await this.assertJoinable(lessonId);
    const live = new LiveLesson({ lesson, sfu, store, events, logger, maxFloorHolders, maxParticipants: maxParticipantsPerLesson, channel: channelFor(lessonId), isRecording: () => this.#options.isRecording?.(lessonId) ?? false });
    live.onEmpty(() => this.#scheduleRelease(lessonId, live));
    this.#resolved.set(lessonId, live);
    this.#roomSubscriptions.set(lessonId, sfu.onRoom(lessonId, (event) => routeRoomEvent(live, event)));
    try {
      // Opened now, so the lesson's own region picks its first node (in a cluster) before any participant's does.
      const { nodeId } = await sfu.openRoom(lessonId);
      logger.info({ lessonId, nodeId }, 'lesson media room open');
    } catch (error) {
      this.#forget(lessonId);
      throw error;
    }
    // A lesson loaded for a join that then fails must not stay loaded either.
    this.#scheduleRelease(lessonId, live);
    return live;
  }

  /** After the grace period, an empty lesson gives back its live state and its media room. */
  #scheduleRelease(lessonId: string, live: LiveLesson): void {
    clearTimeout(this.#idleTimers.get(lessonId));
    const timer = setTimeout(() => {
      this.#idleTimers.delete(lessonId);
      if (this.#resolved.get(lessonId) !== live || live.connectedCount > 0 || live.ended) return;
      live.retire();
      this.#forget(lessonId);
      this.#options.sfu.closeRoom(lessonId).catch((error: unknown) => this.#options.logger.warn({ lessonId, err: String(error) }, 'closing an idle room failed'));
      this.#options.logger.info({ lessonId }, 'idle lesson released');
    }, this.#options.idleGraceMs);
    timer.unref();
    this.#idleTimers.set(lessonId, timer);
  }

  #forget(lessonId: string): void {
    this.#roomSubscriptions.get(lessonId)?.();
    this.#roomSubscriptions.delete(lessonId);
    clearTimeout(this.#idleTimers.get(lessonId));
    this.#idleTimers.delete(lessonId);
    this.#lessons.delete(lessonId);
    this.#resolved.delete(lessonId);
  }
}

/** An SFU event of a lesson's room, to the lesson. */
function routeRoomEvent(live: LiveLesson, event: RoomEvent): void {
  switch (event.type) {
    case 'producerClosed':
      return live.onProducerClosed(event.producerId);
    case 'consumerClosed':
      return live.onConsumerClosed(event.peerId, event.consumerId);
    case 'consumerLayersChanged':
      return live.onConsumerLayersChanged(event.peerId, { consumerId: event.consumerId, spatialLayer: event.spatialLayer, temporalLayer: event.temporalLayer });
    case 'activeSpeaker':
      return live.onActiveSpeaker(event.peerId);
    case 'audioLevels':
      return live.onAudioLevels(event.levels);
    case 'roomClosed':
      if (event.reason === 'worker-died') live.onMediaReset(event.reason);
      return;
    default:
      // Media taps are the recorder's and the caption service's business.
      return;
  }
}
