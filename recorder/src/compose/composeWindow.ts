import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import type { FfmpegProgress } from '../ffmpeg/runFfmpeg.js';
import { runFfmpeg } from '../ffmpeg/runFfmpeg.js';
import type { CaptureFile, VideoLayer } from './filterGraph.js';
import { buildComposeCommand } from './filterGraph.js';
import type { AudioPlan, LayoutPlan, LayoutSegment, TimeRange } from './layoutPlan.js';

/** A track's capture files (and, optionally, when it had media: default the files' spans). */
export interface CaptureTrack {
  kind: 'audio' | 'video';
  files: readonly CaptureFile[];
  ranges?: readonly TimeRange[];
}

export interface ComposeOutputOptions {
  ffmpeg: string;
  width?: number;
  height?: number;
  fps?: number;
  signal?: AbortSignal;
  onProgress?: (progress: FfmpegProgress) => void;
  timeoutMs?: number;
  niceness?: number;
}

export interface ComposeSegmentOptions extends ComposeOutputOptions {
  segment: LayoutSegment;
  tracks: ReadonlyMap<string, CaptureTrack>;
  /** The window's audio plan; each track is heard in this segment where its ranges say. */
  audio: readonly AudioPlan[];
  /**
   * The planned window (LayoutPlan.window). Audio ranges reaching its edges are
   * known to be clipped there, which makes joints between windows seamless;
   * without it, the segment's own edges are taken for the window's.
   */
  window?: TimeRange;
  /** Where the MPEG-TS segment goes (written under a temporary name, then renamed). */
  output: string;
}

export interface ComposeSegmentResult {
  durationMs: number;
  bytes: number;
  elapsedMs: number;
}

/**
 * Composes one constant-layout segment of the recording timeline,
 * [segment.startMs, segment.endMs), into an MPEG-TS file (H.264 + AAC) whose
 * timestamps are that absolute time, so segments play on as one stream.
 */
export async function composeSegment(options: ComposeSegmentOptions): Promise<ComposeSegmentResult> {
  const { segment, tracks, output } = options;
  const videoLayer = (trackId: string): VideoLayer => {
    const track = tracks.get(trackId);
    if (!track || track.kind !== 'video') throw new Error(`segment ${segment.startMs}–${segment.endMs}: no video track ${trackId}`);
    return { files: track.files, ranges: track.ranges };
  };
  const audio = options.audio.map(({ trackId, ranges }) => {
    const track = tracks.get(trackId);
    if (!track || track.kind !== 'audio') throw new Error(`segment ${segment.startMs}–${segment.endMs}: no audio track ${trackId}`);
    return { files: track.files, ranges };
  });
  const temporary = `${output}.${randomBytes(4).toString('hex')}.partial`;
  const command = buildComposeCommand({
    segment,
    window: options.window,
    main: segment.main === null ? null : videoLayer(segment.main),
    pips: segment.pips.map(videoLayer),
    audio,
    output: temporary,
    width: options.width,
    height: options.height,
    fps: options.fps,
  });
  try {
    const { elapsedMs } = await runFfmpeg(options.ffmpeg, command.args, options);
    const { size } = await stat(temporary);
    await rename(temporary, output);
    return { durationMs: segment.endMs - segment.startMs, bytes: size, elapsedMs };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export interface ComposeWindowOptions extends ComposeOutputOptions {
  plan: LayoutPlan;
  tracks: ReadonlyMap<string, CaptureTrack>;
  /** The output path of the window's n-th segment. */
  outputFor: (segment: LayoutSegment, index: number) => string;
}

/** Composes a planned window's segments one after the other (ffmpeg already uses every core). */
export async function composeWindow(options: ComposeWindowOptions): Promise<Array<ComposeSegmentResult & { segment: LayoutSegment; output: string }>> {
  const results: Array<ComposeSegmentResult & { segment: LayoutSegment; output: string }> = [];
  for (const [index, segment] of options.plan.segments.entries()) {
    const output = options.outputFor(segment, index);
    const result = await composeSegment({ ...options, segment, audio: options.plan.audio, window: options.plan.window, output });
    results.push({ ...result, segment, output });
  }
  return results;
}
