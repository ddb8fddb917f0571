import type { Logger } from 'pino';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { FloorState, LessonEvent, Role, WireRtpCapabilities } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import { TrackCapture } from './capture/TrackCapture.js';
import { SenderClock } from './rtp/SenderClock.js';
import { captureClock } from './capture/captureClock.js';
import { MANIFEST_FILE } from './manifest/RecordingManifest.js';
import type { LessonDescription, RecordedTrack, RecordingManifest } from './manifest/RecordingManifest.js';
import type { RecordingStorage } from './storage/RecordingStorage.js';
import type { RecordingProcessor } from './processing/RecordingProcessor.js';
import type { RecorderMetrics } from './RecorderMetrics.js';
import { TypedEmitter } from '@classbridge/sfu';

export interface KnownParticipant {
  displayName: string;
  role: Role;
}

export interface LessonRecordingDeps {
  sfu: SfuControl;
  storage: RecordingStorage;
  processor: RecordingProcessor;
  metrics: RecorderMetrics;
  logger: Logger;
  /** Composition window (and HLS segment) length. */
  windowMs: number;
  listenIp: string;
  /** Who a participant is (from participant.joined events the recorder saw). */
  participant(lessonId: string, participantId: string): KnownParticipant | undefined;
}

interface RecordingEvents extends Record<string, unknown> {
  /** Ready, failed, or stopped capturing (disk full): the recorder forgets it once finished. */
  finished: { manifest: RecordingManifest };
  /** Capture stopped before the lesson ended (disk full); the lesson goes on unrecorded. */
  captureStopped: { reason: string };
}

/** Switch capture files this long before a window boundary, so the new file's key frame arrives in time. */
const ROTATE_LEAD_MS = 1000;
/** Compose a window this long after it ended: frames still in flight have been written by then. */
const SETTLE_MS = 800;

/**
 * One recording of one lesson, from its start to its replay: taps and capture
 * files for every producer, the floor and spotlight timelines, composition of
 * each window while the lesson runs, and the finished replay at the end.
 * The manifest on disk is rewritten (atomically) after every change.
 */
export class LessonRecording extends TypedEmitter<RecordingEvents> {
  readonly recordingId: string;
  readonly lessonId: string;
  readonly #deps: LessonRecordingDeps;
  readonly #logger: Logger;
  readonly #manifest: RecordingManifest;
  readonly #originMs: number;
  readonly #captures = new Map<string, TrackCapture>();
  /** Each participant's capture clock, shared by its tracks. */
  readonly #senderClocks = new Map<string, SenderClock>();
  /** Producers whose tap is being opened, so an event for them meanwhile is not lost. */
  readonly #opening = new Map<string, Promise<TrackCapture | undefined>>();
  #rtpCapabilities: WireRtpCapabilities | undefined;
  #timers: NodeJS.Timeout[] = [];
  #nextBoundary = 1;
  #capturing = true;
  #stopping: Promise<void> | undefined;
  #saving: Promise<void> = Promise.resolve();
  #composing: Promise<void> = Promise.resolve();

  private constructor(deps: LessonRecordingDeps, manifest: RecordingManifest, originMs: number) {
    super();
    this.#deps = deps;
    this.recordingId = manifest.recordingId;
    this.lessonId = manifest.lessonId;
    this.#manifest = manifest;
    this.#originMs = originMs;
    this.#logger = deps.logger.child({ lessonId: manifest.lessonId, recordingId: manifest.recordingId });
  }

  /** Creates the recording's directory and manifest and starts taking the lesson's producers. */
  static async start(deps: LessonRecordingDeps, init: { recordingId: string; lessonId: string; lesson: LessonDescription }): Promise<LessonRecording> {
    await deps.storage.create(init.recordingId);
    const originMs = captureClock();
    const now = new Date(originMs).toISOString();
    const manifest: RecordingManifest = {
      version: 1,
      recordingId: init.recordingId,
      lessonId: init.lessonId,
      lesson: init.lesson,
      state: 'recording',
      startedAt: now,
      endedAt: null,
      durationMs: null,
      interrupted: false,
      error: null,
      tracks: [],
      floor: [],
      spotlight: [],
      segments: [],
      composedUntilMs: 0,
      replay: null,
      updatedAt: now,
    };
    const recording = new LessonRecording(deps, manifest, originMs);
    await recording.#save();
    recording.#scheduleBoundary();
    recording.#logger.info('recording started');
    return recording;
  }

  /** Records the producers that exist already (the recording started after them). */
  async adoptProducers(): Promise<void> {
    const producers = await this.#deps.sfu.listProducers(this.lessonId).catch(() => []);
    for (const producer of producers) this.#addProducer(producer.producerId, producer.peerId, producer.source, producer.paused);
  }

  get manifest(): RecordingManifest {
    return this.#manifest;
  }

  /** Capturing media now (false once the lesson ended or capture had to stop). */
  get capturing(): boolean {
    return this.#capturing;
  }

  /** Milliseconds on this recording's timeline now. */
  now(): number {
    return Math.max(0, Math.round(captureClock() - this.#originMs));
  }

  /** Follows the lesson's events (the recorder routes this lesson's events here). */
  handle(event: LessonEvent): void {
    if (!this.#capturing) return;
    switch (event.type) {
      case 'producer.added':
        this.#addProducer(event.producerId, event.participantId, event.source, event.paused);
        break;
      case 'producer.removed':
        void this.#removeProducer(event.producerId);
        break;
      case 'producer.paused':
        this.#setLive(event.producerId, false);
        break;
      case 'producer.resumed':
        this.#setLive(event.producerId, true);
        break;
      case 'floor.changed':
        this.#onFloor(event.floor);
        break;
      case 'spotlight.changed':
        this.#onSpotlight(event.participantId);
        break;
      default:
        break;
    }
  }

  /** A sender report for one of this recording's taps (routed by the recorder from the SFU). */
  onSenderReport(report: { tapId: string; ssrc: number; ntpMs: number; rtpTimestamp: number }): void {
    for (const capture of this.#captures.values()) if (capture.tap.tapId === report.tapId) capture.onSenderReport(report);
  }

  /** The lesson ended: stop capturing, compose what is left, build the replay. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Server shutdown: stop capturing and leave the rest to the next start's recovery (fast, nothing lost). */
  async abandon(): Promise<void> {
    this.#capturing = false;
    for (const timer of this.#timers) clearTimeout(timer);
    await Promise.all([...this.#captures.values()].map((capture) => capture.close()));
    this.#syncFiles();
    await this.#save();
  }

  async #stop(): Promise<void> {
    const endMs = this.now();
    const wasCapturing = this.#capturing;
    this.#capturing = false;
    for (const timer of this.#timers) clearTimeout(timer);
    await Promise.all([...this.#opening.values()]);
    await Promise.all([...this.#captures.values()].map((capture) => capture.close()));
    this.#syncFiles();
    const manifest = this.#manifest;
    // After a capture failure (disk full) the recording ends where capture ended.
    if (wasCapturing) manifest.endedAt = new Date(this.#originMs + endMs).toISOString();
    manifest.durationMs ??= endMs;
    this.#closeOpenRanges(manifest.durationMs);
    manifest.state = 'processing';
    await this.#save();
    this.#logger.info({ durationMs: manifest.durationMs }, 'recording stopped; finishing the replay');
    await this.#composing;
    try {
      await this.#deps.processor.finish(manifest, { save: () => this.#save() });
    } catch (error) {
      this.#logger.error({ err: (error as Error).message }, 'replay could not be finished');
    }
    this.emit('finished', { manifest });
  }

  #scheduleBoundary(): void {
    if (!this.#capturing) return;
    const { windowMs } = this.#deps;
    const boundaryMs = this.#nextBoundary * windowMs;
    this.#nextBoundary++;
    const rotateIn = Math.max(0, boundaryMs - ROTATE_LEAD_MS - this.now());
    const composeIn = Math.max(0, boundaryMs + SETTLE_MS - this.now());
    // The previous boundary's timers have fired (the last of them is what calls this).
    this.#timers = [
      setTimeout(() => {
        for (const capture of this.#captures.values()) void capture.rotate(boundaryMs);
      }, rotateIn),
      setTimeout(() => {
        this.#scheduleBoundary();
        void this.#composeUntil(boundaryMs, false);
      }, composeIn),
    ];
  }

  /** Composes the windows up to `untilMs` in order (one chain per recording). */
  #composeUntil(untilMs: number, urgent: boolean): Promise<void> {
    this.#composing = this.#composing.then(async () => {
      if (this.#manifest.composedUntilMs >= untilMs) return;
      await Promise.all([...this.#captures.values()].map((capture) => capture.flush()));
      this.#syncFiles();
      try {
        await this.#deps.processor.composeUntil(this.#manifest, untilMs, { urgent, save: () => this.#save() });
      } catch (error) {
        // A window that cannot be composed is logged and retried with the next one (or at the end).
        this.#deps.metrics.failures.inc({ reason: 'compose' });
        this.#logger.error({ err: (error as Error).message, untilMs }, 'window composition failed');
      }
      this.#deps.metrics.processingLagSeconds.set({ recording: this.recordingId }, Math.max(0, this.now() - this.#manifest.composedUntilMs) / 1000);
    });
    return this.#composing;
  }

  #addProducer(producerId: string, participantId: string, source: RecordedTrack['source'], paused: boolean): void {
    if (!this.#capturing || this.#captures.has(producerId) || this.#opening.has(producerId)) return;
    const who = this.#deps.participant(this.lessonId, participantId);
    const opening = this.#openCapture(producerId, participantId, source, paused, who);
    this.#opening.set(producerId, opening);
    void opening.finally(() => this.#opening.delete(producerId));
  }

  async #openCapture(producerId: string, participantId: string, source: RecordedTrack['source'], paused: boolean, who: KnownParticipant | undefined): Promise<TrackCapture | undefined> {
    try {
      this.#rtpCapabilities ??= recorderCapabilities(await this.#deps.sfu.getRouterRtpCapabilities(this.lessonId));
      const capture = await TrackCapture.open({
        sfu: this.#deps.sfu,
        lessonId: this.lessonId,
        producerId,
        // Unique within the recording: a rejoining participant's producers have new ids.
        trackId: `${source}-${producerId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`,
        rtpCapabilities: this.#rtpCapabilities,
        pathFor: (name) => this.#deps.storage.localPath(this.recordingId, name),
        originMs: this.#originMs,
        listenIp: this.#deps.listenIp,
        logger: this.#logger,
        senderClock: this.#senderClock(participantId),
        onFailure: (error) => void this.#onCaptureFailure(error),
      });
      if (!this.#capturing) {
        await capture.close();
        return undefined;
      }
      this.#captures.set(producerId, capture);
      const nowMs = this.now();
      this.#manifest.tracks.push({
        trackId: capture.trackId,
        producerId,
        participantId,
        participantName: who?.displayName ?? participantId,
        role: who?.role ?? 'classroom',
        kind: capture.kind,
        source,
        codec: capture.codec,
        files: capture.files(),
        live: paused || capture.tap.producerPaused ? [] : [{ startMs: nowMs, endMs: null }],
      });
      this.#logger.info({ producerId, participantId, source, codec: capture.codec }, 'recording a producer');
      await this.#save();
      return capture;
    } catch (error) {
      // The producer went away meanwhile, or its codec cannot be recorded: the lesson goes on.
      const code = error instanceof ClassBridgeError ? error.code : 'ERROR';
      if (code !== ErrorCode.NotFound) this.#deps.metrics.failures.inc({ reason: 'tap' });
      this.#logger.warn({ producerId, code, err: (error as Error).message }, 'producer not recorded');
      return undefined;
    }
  }

  #senderClock(participantId: string): SenderClock {
    let clock = this.#senderClocks.get(participantId);
    if (!clock) this.#senderClocks.set(participantId, (clock = new SenderClock()));
    return clock;
  }

  async #removeProducer(producerId: string): Promise<void> {
    await this.#opening.get(producerId);
    const capture = this.#captures.get(producerId);
    if (!capture) return;
    this.#captures.delete(producerId);
    this.#setLive(producerId, false);
    await capture.close();
    this.#syncFiles(capture);
    await this.#save();
  }

  #setLive(producerId: string, live: boolean): void {
    const track = this.#manifest.tracks.find((entry) => entry.producerId === producerId);
    if (!track) {
      // Still opening: apply once the track exists.
      void this.#opening.get(producerId)?.then(() => this.#manifest.tracks.some((entry) => entry.producerId === producerId) && this.#setLive(producerId, live));
      return;
    }
    const open = track.live.at(-1);
    const nowMs = this.now();
    if (live && (!open || open.endMs !== null)) track.live.push({ startMs: nowMs, endMs: null });
    if (!live && open && open.endMs === null) open.endMs = nowMs;
    void this.#save();
  }

  #onFloor(floor: FloorState): void {
    const nowMs = this.now();
    const holders = new Set(floor.holders);
    for (const entry of this.#manifest.floor) {
      if (entry.endMs === null && !holders.has(entry.participantId)) entry.endMs = nowMs;
    }
    for (const participantId of holders) {
      if (!this.#manifest.floor.some((entry) => entry.endMs === null && entry.participantId === participantId)) {
        this.#manifest.floor.push({ participantId, startMs: nowMs, endMs: null });
      }
    }
    void this.#save();
  }

  #onSpotlight(participantId: string | null): void {
    const nowMs = this.now();
    const open = this.#manifest.spotlight.at(-1);
    if (open && open.endMs === null) open.endMs = nowMs;
    if (participantId) this.#manifest.spotlight.push({ participantId, startMs: nowMs, endMs: null });
    void this.#save();
  }

  async #onCaptureFailure(error: Error): Promise<void> {
    if (!this.#capturing) return;
    const code = (error as NodeJS.ErrnoException).code === 'ENOSPC' ? 'DISK_FULL' : 'CAPTURE_FAILED';
    this.#deps.metrics.failures.inc({ reason: code === 'DISK_FULL' ? 'disk-full' : 'capture' });
    this.#manifest.error = { code, message: code === 'DISK_FULL' ? 'the recordings disk is full; recording stopped' : error.message };
    this.#logger.error({ code, err: error.message }, 'recording stopped early; the lesson goes on');
    this.#manifest.endedAt = new Date().toISOString();
    this.#manifest.durationMs = this.now();
    this.emit('captureStopped', { reason: code });
    await this.stop();
  }

  #closeOpenRanges(endMs: number): void {
    for (const track of this.#manifest.tracks) for (const range of track.live) if (range.endMs === null) range.endMs = endMs;
    for (const entry of [...this.#manifest.floor, ...this.#manifest.spotlight]) if (entry.endMs === null) entry.endMs = endMs;
  }

  /** Copies the captures' file lists (with their ranges) into the manifest. */
  #syncFiles(only?: TrackCapture): void {
    for (const capture of only ? [only] : this.#captures.values()) {
      const track = this.#manifest.tracks.find((entry) => entry.trackId === capture.trackId);
      if (track) track.files = capture.files();
    }
  }

  /** Manifest writes are serialized; each is atomic. */
  #save(): Promise<void> {
    this.#saving = this.#saving.then(async () => {
      this.#manifest.updatedAt = new Date().toISOString();
      try {
        await this.#deps.storage.writeAtomic(this.recordingId, MANIFEST_FILE, JSON.stringify(this.#manifest, null, 1));
      } catch (error) {
        this.#logger.error({ err: (error as Error).message }, 'manifest could not be written');
      }
    });
    return this.#saving;
  }
}

/** The router's codecs the recorder can depacketize (Opus, VP8, H264), with their payload types. */
export function recorderCapabilities(router: WireRtpCapabilities): WireRtpCapabilities {
  const wanted = new Set(['audio/opus', 'video/vp8', 'video/h264']);
  return {
    codecs: (router.codecs ?? []).filter((codec) => wanted.has(codec.mimeType.toLowerCase())),
    headerExtensions: [],
  };
}
