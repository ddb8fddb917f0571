import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { LessonEvent, LessonEventBus } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import { TypedEmitter } from '@classbridge/sfu';
import { LessonRecording } from './LessonRecording.js';
import type { KnownParticipant } from './LessonRecording.js';
import { MANIFEST_FILE, parseManifest } from './manifest/RecordingManifest.js';
import type { LessonDescription, RecordingManifest } from './manifest/RecordingManifest.js';
import type { RecordingStorage } from './storage/RecordingStorage.js';
import { isRecordingId } from './storage/RecordingStorage.js';
import { ProcessingQueue } from './processing/ProcessingQueue.js';
import { PLAYLIST_FILE, RecordingProcessor } from './processing/RecordingProcessor.js';
import type { OutputFormat } from './processing/RecordingProcessor.js';
import { RecorderMetrics } from './RecorderMetrics.js';
import type { FfmpegBinaries } from './ffmpeg/resolveFfmpeg.js';

/** A file served to replay viewers. */
export interface ReplayFile {
  bytes: number;
  modifiedAt: Date;
  /** The whole file, or a byte range (inclusive end). */
  open(range?: { start: number; end: number }): Readable;
}

/** What the recorder needs to know about a lesson (the directory answers; in a cluster, over Redis). */
export interface LessonCatalog {
  /** null: no such lesson. */
  describe(lessonId: string): Promise<{ record: boolean; lesson: LessonDescription } | null>;
}

export interface RecorderOptions {
  sfu: SfuControl;
  events: LessonEventBus;
  storage: RecordingStorage;
  lessons: LessonCatalog;
  ffmpeg: FfmpegBinaries;
  registry: Registry;
  logger: Logger;
  /** Composition window and HLS segment length (default 10 s). */
  windowMs?: number;
  /** IP the recorder receives plain RTP on (default loopback: the SFU runs in this process). */
  listenIp?: string;
  /** Recordings older than this are deleted (0: kept forever). */
  retentionDays: number;
  /** How often expired recordings are looked for (default hourly). */
  sweepIntervalMs?: number;
  output?: Partial<OutputFormat>;
}

interface RecorderEvents extends Record<string, unknown> {
  /** A lesson's recording started or stopped: live pages show an indicator. */
  recordingChanged: { lessonId: string; recording: boolean };
  /** A replay is ready (or failed): the manifest says which. */
  recordingFinished: { manifest: RecordingManifest };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The lesson recorder service: follows the server-side lesson event stream,
 * records every lesson that has recording on (a LessonRecording each), takes
 * media only through the SFU's control interface, finishes recordings a crash
 * interrupted, and deletes recordings past their retention.
 */
export class Recorder extends TypedEmitter<RecorderEvents> {
  readonly metrics: RecorderMetrics;
  readonly #options: RecorderOptions;
  readonly #logger: Logger;
  readonly #queue = new ProcessingQueue();
  readonly #processor: RecordingProcessor;
  readonly #active = new Map<string, LessonRecording>();
  /** Lessons whose recording is being started, with the events that arrived meanwhile. */
  readonly #starting = new Map<string, LessonEvent[]>();
  /** Who is in which lesson, from participant.joined: names and roles for the manifest. */
  readonly #participants = new Map<string, Map<string, KnownParticipant>>();
  readonly #finishing = new Set<Promise<unknown>>();
  /** Lessons with recording off, so their joins do not ask the catalog again. */
  readonly #notRecorded = new Set<string>();
  readonly #unsubscribe: () => void;
  readonly #onSenderReport: (report: { roomId: string; tapId: string; ssrc: number; ntpMs: number; rtpTimestamp: number }) => void;
  #sweepTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Recordings a crash interrupted, finished in the background after start. */
  readonly recovered: Promise<RecordingManifest[]>;

  private constructor(options: RecorderOptions) {
    super();
    this.#options = options;
    this.#logger = options.logger;
    this.metrics = new RecorderMetrics(options.registry, () => this.#queue.length);
    this.#processor = new RecordingProcessor({
      ffmpeg: options.ffmpeg,
      storage: options.storage,
      queue: this.#queue,
      metrics: this.metrics,
      logger: options.logger,
      windowMs: options.windowMs ?? 10_000,
      output: options.output ?? {},
    });
    this.#unsubscribe = options.events.subscribe((event) => this.#onEvent(event));
    // Sender reports keep each participant's camera and microphone in sync (see RtpClock).
    this.#onSenderReport = (report) => this.#active.get(report.roomId)?.onSenderReport(report);
    options.sfu.on('mediaTapSenderReport', this.#onSenderReport);
    this.recovered = this.#recover();
    if (options.retentionDays > 0) {
      this.#sweepTimer = setInterval(() => void this.sweepExpired(), options.sweepIntervalMs ?? 60 * 60 * 1000);
      this.#sweepTimer.unref();
      void this.sweepExpired();
    }
  }

  static start(options: RecorderOptions): Recorder {
    return new Recorder(options);
  }

  /** Whether a lesson is being recorded now. */
  isRecording(lessonId: string): boolean {
    return this.#active.get(lessonId)?.capturing ?? false;
  }

  /** Every recording's manifest, newest first; damaged ones are skipped (and logged). */
  async list(filter: { lessonId?: string } = {}): Promise<RecordingManifest[]> {
    const manifests: RecordingManifest[] = [];
    for (const recordingId of await this.#options.storage.list()) {
      const manifest = await this.get(recordingId);
      if (manifest && (!filter.lessonId || manifest.lessonId === filter.lessonId)) manifests.push(manifest);
    }
    return manifests.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /** One recording's manifest (the live one while it records), or null. */
  async get(recordingId: string): Promise<RecordingManifest | null> {
    if (!isRecordingId(recordingId)) return null;
    for (const recording of this.#active.values()) if (recording.recordingId === recordingId) return structuredClone(recording.manifest);
    try {
      return parseManifest((await this.#options.storage.read(recordingId, MANIFEST_FILE)).toString('utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#logger.warn({ recordingId, err: (error as Error).message }, 'unreadable recording manifest');
      return null;
    }
  }

  /**
   * A replay file of a recording: its playlist, a segment the playlist lists, the MP4, the
   * thumbnail or the captions. Capture files and anything the manifest does not name are not
   * served (null), so nothing can be listed or guessed through this.
   */
  async replayFile(recordingId: string, name: string): Promise<ReplayFile | null> {
    const manifest = await this.get(recordingId);
    if (!manifest) return null;
    const allowed = new Set<string>([PLAYLIST_FILE, ...manifest.segments.map((segment) => segment.name)]);
    if (manifest.replay) {
      allowed.add(manifest.replay.mp4);
      if (manifest.replay.thumbnail) allowed.add(manifest.replay.thumbnail);
      if (manifest.replay.captions) allowed.add(manifest.replay.captions);
    }
    if (!allowed.has(name)) return null;
    const { storage } = this.#options;
    const stat = await storage.stat(recordingId, name);
    if (!stat) return null;
    return { ...stat, open: (range) => storage.openRead(recordingId, name, range) };
  }

  /** Deletes every file of a recording; one still being made cannot be deleted. */
  async delete(recordingId: string): Promise<boolean> {
    if ([...this.#active.values()].some((recording) => recording.recordingId === recordingId)) {
      throw new ClassBridgeError(ErrorCode.Conflict, 'this recording is still being made; delete it once the lesson ended');
    }
    if (!(await this.get(recordingId)) && (await this.#options.storage.files(recordingId).catch(() => [])).length === 0) return false;
    await this.#options.storage.delete(recordingId);
    this.#logger.info({ recordingId }, 'recording deleted');
    return true;
  }

  /** Deletes recordings older than the retention period; returns their ids. */
  async sweepExpired(now = Date.now()): Promise<string[]> {
    const { retentionDays } = this.#options;
    if (retentionDays <= 0) return [];
    const deleted: string[] = [];
    for (const manifest of await this.list()) {
      if (manifest.state === 'recording' || manifest.state === 'processing') continue;
      const at = Date.parse(manifest.endedAt ?? manifest.startedAt);
      if (now - at > retentionDays * DAY_MS && (await this.delete(manifest.recordingId).catch(() => false))) deleted.push(manifest.recordingId);
    }
    if (deleted.length > 0) this.#logger.info({ count: deleted.length, retentionDays }, 'expired recordings deleted');
    return deleted;
  }

  /** Resolves once nothing is being finished or composed (tests, benchmarks, shutdown). */
  async idle(): Promise<void> {
    await this.recovered;
    while (this.#finishing.size > 0) await Promise.all([...this.#finishing]);
    await this.#queue.whenIdle();
  }

  /**
   * Stops capturing; recordings in progress stay 'recording' on disk and are
   * finished by the next start (a shutdown must not wait for composition).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#options.sfu.off('mediaTapSenderReport', this.#onSenderReport);
    clearInterval(this.#sweepTimer);
    await Promise.all([...this.#active.values()].map((recording) => recording.abandon()));
    this.#active.clear();
    this.#queue.close();
    await Promise.allSettled([...this.#finishing]);
    this.removeAllListeners();
  }

  #onEvent(event: LessonEvent): void {
    if (this.#closed) return;
    const { lessonId } = event;
    if (event.type === 'participant.joined') {
      let known = this.#participants.get(lessonId);
      if (!known) this.#participants.set(lessonId, (known = new Map()));
      known.set(event.participant.participantId, { displayName: event.participant.displayName, role: event.participant.role });
    }
    const starting = this.#starting.get(lessonId);
    if (starting && event.type !== 'lesson.ended') {
      starting.push(event);
      return;
    }
    const active = this.#active.get(lessonId);
    switch (event.type) {
      case 'lesson.started':
      case 'participant.joined':
        // A lesson live before a restart is recorded again from its first (re)join.
        if (!active && !this.#notRecorded.has(lessonId)) void this.#startRecording(lessonId);
        break;
      case 'lesson.ended':
        this.#participants.delete(lessonId);
        this.#notRecorded.delete(lessonId);
        if (starting) starting.push(event);
        if (active) this.#finish(active);
        break;
      default:
        active?.handle(event);
    }
  }

  async #startRecording(lessonId: string): Promise<void> {
    this.#starting.set(lessonId, []);
    let recording: LessonRecording | undefined;
    try {
      const described = await this.#options.lessons.describe(lessonId);
      if (!described?.record || this.#closed) {
        if (described) this.#notRecorded.add(lessonId);
        return;
      }
      recording = await LessonRecording.start(
        {
          sfu: this.#options.sfu,
          storage: this.#options.storage,
          processor: this.#processor,
          metrics: this.metrics,
          logger: this.#logger,
          windowMs: this.#options.windowMs ?? 10_000,
          listenIp: this.#options.listenIp ?? '127.0.0.1',
          participant: (lesson, participantId) => this.#participants.get(lesson)?.get(participantId),
        },
        { recordingId: crypto.randomBytes(16).toString('base64url'), lessonId, lesson: described.lesson },
      );
    } catch (error) {
      this.metrics.failures.inc({ reason: 'start' });
      this.#logger.error({ lessonId, err: (error as Error).message }, 'recording could not start; the lesson goes on unrecorded');
      return;
    } finally {
      const queued = this.#starting.get(lessonId) ?? [];
      this.#starting.delete(lessonId);
      if (recording) this.#adopt(recording, queued);
    }
  }

  #adopt(recording: LessonRecording, queued: LessonEvent[]): void {
    const { lessonId } = recording;
    this.#active.set(lessonId, recording);
    this.metrics.active.inc();
    recording.on('captureStopped', () => this.emit('recordingChanged', { lessonId, recording: false }));
    this.emit('recordingChanged', { lessonId, recording: true });
    void recording.adoptProducers();
    for (const event of queued) {
      if (event.type === 'lesson.ended') {
        this.#finish(recording);
        return;
      }
      recording.handle(event);
    }
  }

  #finish(recording: LessonRecording): void {
    if (this.#active.get(recording.lessonId) === recording) this.#active.delete(recording.lessonId);
    const wasCapturing = recording.capturing;
    const finishing = recording.stop().then(
      () => {
        this.metrics.active.dec();
        this.metrics.processingLagSeconds.remove({ recording: recording.recordingId });
        if (wasCapturing) this.emit('recordingChanged', { lessonId: recording.lessonId, recording: false });
        this.emit('recordingFinished', { manifest: recording.manifest });
      },
      (error: unknown) => this.#logger.error({ err: (error as Error).message }, 'recording did not finish'),
    );
    this.#finishing.add(finishing);
    void finishing.finally(() => this.#finishing.delete(finishing));
  }

  /** Recordings left 'recording' or 'processing' by a crash are finished from what is on disk. */
  async #recover(): Promise<RecordingManifest[]> {
    const finished: RecordingManifest[] = [];
    let ids: string[];
    try {
      ids = await this.#options.storage.list();
    } catch (error) {
      this.#logger.error({ err: (error as Error).message }, 'recordings directory unreadable');
      return finished;
    }
    for (const recordingId of ids) {
      const manifest = await this.get(recordingId);
      if (!manifest || (manifest.state !== 'recording' && manifest.state !== 'processing')) continue;
      this.#logger.warn({ recordingId, lessonId: manifest.lessonId, state: manifest.state }, 'finishing a recording interrupted by a crash');
      try {
        await this.#processor.recover(manifest, {
          save: () => this.#options.storage.writeAtomic(recordingId, MANIFEST_FILE, JSON.stringify(manifest, null, 1)),
        });
      } catch (error) {
        this.#logger.error({ recordingId, err: (error as Error).message }, 'interrupted recording could not be finished');
      }
      finished.push(manifest);
      this.emit('recordingFinished', { manifest });
    }
    return finished;
  }
}
