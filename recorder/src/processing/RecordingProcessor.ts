import type { Logger } from 'pino';
import type { RecordingManifest, RecordedTrack } from '../manifest/RecordingManifest.js';
import type { RecordingStorage } from '../storage/RecordingStorage.js';
import type { ProcessingQueue } from './ProcessingQueue.js';
import type { RecorderMetrics } from '../RecorderMetrics.js';
import type { FfmpegBinaries } from '../ffmpeg/resolveFfmpeg.js';
import { intersectRanges, planLayout } from '../compose/layoutPlan.js';
import type { PlanTrack, TimeRange } from '../compose/layoutPlan.js';
import { composeSegment } from '../compose/composeWindow.js';
import { renderVodPlaylist } from '../replay/hlsPlaylist.js';
import { buildMp4, makeThumbnail } from '../replay/finalizeReplay.js';
import { scanWebm } from '../webm/scanWebm.js';

export interface OutputFormat {
  width: number;
  height: number;
  fps: number;
}

export interface ProcessorOptions {
  ffmpeg: FfmpegBinaries;
  storage: RecordingStorage;
  queue: ProcessingQueue;
  metrics: RecorderMetrics;
  logger: Logger;
  windowMs: number;
  output: Partial<OutputFormat>;
}

interface Persist {
  /** Writes the manifest (atomically). */
  save(): Promise<void>;
}

export const PLAYLIST_FILE = 'index.m3u8';
export const MP4_FILE = 'lesson.mp4';
export const THUMBNAIL_FILE = 'thumbnail.jpg';

/**
 * Turns capture files into the replay: composes the lesson window by window
 * while it runs (HLS segments and a growing EVENT playlist), and at the end the
 * last windows, the VOD playlist, the MP4 (a remux of the segments) and a
 * thumbnail. The same steps finish a recording a crash interrupted.
 */
export class RecordingProcessor {
  readonly #options: ProcessorOptions;
  readonly #output: OutputFormat;

  constructor(options: ProcessorOptions) {
    this.#options = options;
    this.#output = { width: 1280, height: 720, fps: 15, ...options.output };
  }

  /** Composes whole windows up to `untilMs` (and a last partial one when `untilMs` is the recording's end). */
  async composeUntil(manifest: RecordingManifest, untilMs: number, { urgent, save }: Persist & { urgent: boolean }): Promise<void> {
    const { windowMs } = this.#options;
    while (manifest.composedUntilMs < untilMs) {
      const startMs = manifest.composedUntilMs;
      const endMs = Math.min(untilMs, (Math.floor(startMs / windowMs) + 1) * windowMs);
      await this.#options.queue.run(() => this.#composeWindow(manifest, startMs, endMs), { urgent });
      await this.#writePlaylist(manifest, false);
      await save();
    }
  }

  /** The lesson ended: compose the rest, then the VOD playlist, the MP4 and the thumbnail. */
  async finish(manifest: RecordingManifest, persist: Persist): Promise<void> {
    const { metrics, logger } = this.#options;
    const log = logger.child({ recordingId: manifest.recordingId, lessonId: manifest.lessonId });
    try {
      const durationMs = manifest.durationMs ?? manifest.composedUntilMs;
      await this.composeUntil(manifest, durationMs, { urgent: true, save: persist.save });
      await this.#options.queue.run(() => this.#finalize(manifest), { urgent: true });
      manifest.state = 'ready';
      const endedAt = manifest.endedAt ? Date.parse(manifest.endedAt) : Date.now();
      const readyAfter = manifest.interrupted ? null : Math.max(0, (Date.now() - endedAt) / 1000);
      manifest.replay!.readyAfterEndSeconds = readyAfter === null ? null : Math.round(readyAfter * 10) / 10;
      if (readyAfter !== null) metrics.readyAfterEndSeconds.observe(readyAfter);
      log.info({ durationMs: manifest.durationMs, segments: manifest.segments.length, readyAfterEndSeconds: manifest.replay!.readyAfterEndSeconds }, 'replay ready');
    } catch (error) {
      metrics.failures.inc({ reason: 'finalize' });
      manifest.state = 'failed';
      manifest.error ??= { code: 'PROCESSING_FAILED', message: (error as Error).message.slice(0, 500) };
      log.error({ err: (error as Error).message }, 'replay failed');
      // What was composed stays watchable.
      await this.#writePlaylist(manifest, true).catch(() => undefined);
    }
    await persist.save();
  }

  /**
   * A crash left this recording unfinished: the capture files say how far it
   * got (their complete clusters), and it is finished from there.
   */
  async recover(manifest: RecordingManifest, persist: Persist): Promise<void> {
    const { storage } = this.#options;
    let lastMs = manifest.composedUntilMs;
    for (const track of manifest.tracks) {
      const files = new Set(track.files.map((file) => file.name));
      // Files opened after the last manifest write are on disk but not yet listed.
      for (const name of await storage.files(manifest.recordingId)) {
        if (name.startsWith(`${track.trackId}-`) && /\.(webm|mkv)$/.test(name) && !files.has(name)) track.files.push({ name, startMs: null, endMs: null });
      }
      track.files.sort((a, b) => a.name.localeCompare(b.name));
      for (const file of track.files) {
        const scan = await scanWebm(storage.localPath(manifest.recordingId, file.name)).catch(() => null);
        file.startMs = scan?.firstMs ?? null;
        file.endMs = scan?.lastMs === null || scan?.lastMs === undefined ? null : scan.lastMs + (track.kind === 'audio' ? 20 : 66);
        if (file.endMs !== null) lastMs = Math.max(lastMs, file.endMs);
      }
      track.files = track.files.filter((file) => file.startMs !== null);
    }
    const durationMs = manifest.durationMs ?? lastMs;
    manifest.durationMs = durationMs;
    manifest.endedAt ??= new Date(Date.parse(manifest.startedAt) + durationMs).toISOString();
    manifest.interrupted = manifest.state === 'recording' || manifest.interrupted;
    for (const track of manifest.tracks) for (const range of track.live) if (range.endMs === null) range.endMs = durationMs;
    for (const entry of [...manifest.floor, ...manifest.spotlight]) if (entry.endMs === null) entry.endMs = durationMs;
    // Segments listed but missing (killed while writing one) are composed again.
    const present = new Set(await storage.files(manifest.recordingId));
    const firstMissing = manifest.segments.findIndex((segment) => !present.has(segment.name));
    if (firstMissing >= 0) {
      manifest.composedUntilMs = firstMissing === 0 ? 0 : manifest.segments[firstMissing - 1]!.endMs;
      manifest.segments.splice(firstMissing);
    }
    manifest.state = 'processing';
    await persist.save();
    await this.finish(manifest, persist);
  }

  async #composeWindow(manifest: RecordingManifest, startMs: number, endMs: number): Promise<void> {
    const { storage, metrics, ffmpeg } = this.#options;
    const window = { startMs, endMs };
    // A track has media where it has frames and its producer was not paused.
    const mediaRanges = new Map(manifest.tracks.map((track) => [track.trackId, intersectRanges(intersectRanges(fileSpans(track), liveRanges(track, endMs)), [window])]));
    const tracks: PlanTrack[] = manifest.tracks.map((track) => ({
      trackId: track.trackId,
      participantId: track.participantId,
      kind: track.kind,
      source: track.source,
      participantRole: planRole(track.role),
      ranges: mediaRanges.get(track.trackId) ?? [],
    }));
    const floor = manifest.floor.map((entry) => ({ participantId: entry.participantId, startMs: entry.startMs, endMs: entry.endMs ?? endMs }));
    const plan = planLayout(window, tracks, floor);
    const inputs = new Map(
      manifest.tracks.map((track) => [
        track.trackId,
        {
          kind: track.kind,
          ranges: mediaRanges.get(track.trackId) ?? [],
          files: track.files
            .filter((file) => file.startMs !== null && file.endMs !== null)
            .map((file) => ({ path: storage.localPath(manifest.recordingId, file.name), startMs: file.startMs!, endMs: file.endMs! })),
        },
      ]),
    );
    const started = Date.now();
    for (const segment of plan.segments) {
      const name = `seg-${String(manifest.segments.length).padStart(5, '0')}.ts`;
      const result = await composeSegment({
        ffmpeg: ffmpeg.ffmpeg,
        segment,
        audio: plan.audio,
        tracks: inputs,
        output: storage.localPath(manifest.recordingId, name),
        ...this.#output,
      });
      manifest.segments.push({ name, startMs: segment.startMs, endMs: segment.endMs, bytes: result.bytes });
    }
    manifest.composedUntilMs = endMs;
    const seconds = (endMs - startMs) / 1000;
    metrics.recordedSeconds.inc(seconds);
    metrics.composedSeconds.inc(seconds);
    metrics.processingSeconds.inc((Date.now() - started) / 1000);
  }

  async #finalize(manifest: RecordingManifest): Promise<void> {
    const { storage, ffmpeg } = this.#options;
    await this.#writePlaylist(manifest, true);
    const segmentPaths = manifest.segments.map((segment) => storage.localPath(manifest.recordingId, segment.name));
    await buildMp4({ ffmpeg: ffmpeg.ffmpeg, segmentPaths, output: storage.localPath(manifest.recordingId, MP4_FILE) });
    const durationS = (manifest.durationMs ?? 0) / 1000;
    let thumbnail: string | null = THUMBNAIL_FILE;
    try {
      await makeThumbnail({
        ffmpeg: ffmpeg.ffmpeg,
        input: storage.localPath(manifest.recordingId, MP4_FILE),
        atSeconds: Math.min(10, durationS / 3),
        output: storage.localPath(manifest.recordingId, THUMBNAIL_FILE),
      });
    } catch (error) {
      thumbnail = null;
      this.#options.logger.warn({ recordingId: manifest.recordingId, err: (error as Error).message }, 'no thumbnail');
    }
    manifest.replay = { playlist: PLAYLIST_FILE, mp4: MP4_FILE, thumbnail, captions: manifest.replay?.captions ?? null, readyAfterEndSeconds: null };
  }

  async #writePlaylist(manifest: RecordingManifest, ended: boolean): Promise<void> {
    const text = renderVodPlaylist(
      manifest.segments.map((segment) => ({ uri: segment.name, durationMs: segment.endMs - segment.startMs })),
      { ended },
    );
    await this.#options.storage.writeAtomic(manifest.recordingId, PLAYLIST_FILE, text);
  }
}

function fileSpans(track: RecordedTrack): TimeRange[] {
  return track.files.filter((file) => file.startMs !== null && file.endMs !== null).map((file) => ({ startMs: file.startMs!, endMs: file.endMs! }));
}

function liveRanges(track: RecordedTrack, openEndMs: number): TimeRange[] {
  return track.live.map((range) => ({ startMs: range.startMs, endMs: range.endMs ?? openEndMs }));
}

/** Roles the layout knows; a recorder or captioner never publishes, anything else counts as a classroom. */
function planRole(role: RecordedTrack['role']): PlanTrack['participantRole'] {
  return role === 'teacher' || role === 'student' || role === 'observer' ? role : 'classroom';
}
