import type { TimeRange } from './layoutPlan.js';
import { intersectRanges, unionRanges } from './layoutPlan.js';

/*
 * The ffmpeg command line that composes one constant-layout segment: pure, so
 * the timeline arithmetic is unit-tested without running ffmpeg.
 *
 * Timeline: inputs are read with -copyts, so their frames keep the absolute
 * recording-timeline pts of the capture files; every chain shifts them by the
 * segment start, and -output_ts_offset puts the segment back at its place, so
 * consecutive segments have continuous timestamps.
 */

/** A capture file: one track, absolute block timestamps covering [startMs, endMs). */
export interface CaptureFile {
  path: string;
  startMs: number;
  endMs: number;
}

export interface VideoLayer {
  files: readonly CaptureFile[];
  /** When the track had media; default: the files' spans. Outside, the layer shows nothing. */
  ranges?: readonly TimeRange[];
}

export interface AudioLayer {
  files: readonly CaptureFile[];
  /** When the track is audible (muted outside). */
  ranges: readonly TimeRange[];
}

export interface ComposeJob {
  segment: TimeRange;
  /**
   * The planned window the segment belongs to (default: the segment). Audible
   * ranges reaching its edges were clipped there and are taken to go on.
   */
  window?: TimeRange;
  main: VideoLayer | null;
  /** Bottom-right first, each next one stacked above. */
  pips: readonly VideoLayer[];
  audio: readonly AudioLayer[];
  /** Output path; written as MPEG-TS whatever its name. */
  output: string;
  width?: number;
  height?: number;
  fps?: number;
}

export const COMPOSE_DEFAULTS = {
  width: 1280,
  height: 720,
  fps: 15,
  background: '0x1b1f24',
  crf: 26,
  audioBitrate: '96k',
} as const;

export const SAMPLE_RATE = 48_000;
/** AAC frame: the audio of every segment is a whole number of these on a grid from time zero. */
export const AAC_FRAME = 1024;
/** Real audio encoded before and after a segment's own AAC frames, then dropped (see aacSpan). */
const AUDIO_LEAD_SAMPLES = 2 * AAC_FRAME;
/** Opus decoders need ~80 ms of preceding packets to converge after a seek. */
const AUDIO_SEEK_PREROLL_MS = 200;

export interface ComposeCommand {
  args: string[];
  filterGraph: string;
  /** Video frames in the segment (its duration at the output frame rate, rounded). */
  frames: number;
  /** The AAC frames kept in the output, as absolute sample numbers at 48 kHz. */
  audio: { firstSample: number; endSample: number };
}

/** One PiP's box: the output's aspect at a quarter of its width, bottom-right with a margin, index 0 lowest. */
export function pipBox(width: number, height: number, index: number): { width: number; height: number; right: number; bottom: number } {
  const boxWidth = even(width / 4);
  const boxHeight = even(height / 4);
  const margin = Math.round(width / 80);
  return { width: boxWidth, height: boxHeight, right: width - margin, bottom: height - margin - index * (boxHeight + margin) };
}

/**
 * The AAC frames a segment carries: from the first 1024-sample grid point at or
 * after its start to the first at or after its end. Consecutive segments so
 * tile exactly (no encoder priming overlap, no gap): each is encoded with
 * real audio before and after, and only these frames are kept.
 */
export function aacSpan(segment: TimeRange): { firstSample: number; endSample: number } {
  const gridPoint = (ms: number) => Math.ceil((ms * SAMPLE_RATE) / 1000 / AAC_FRAME) * AAC_FRAME;
  return { firstSample: gridPoint(segment.startMs), endSample: gridPoint(segment.endMs) };
}

/** Video frames in a segment: one every 1/fps from its start, the last one starting before its end. */
export function segmentFrames(segment: TimeRange, fps: number): number {
  return Math.max(1, Math.round(((segment.endMs - segment.startMs) * fps) / 1000));
}

/** Builds the ffmpeg arguments (without the ones runFfmpeg adds) for one segment. */
export function buildComposeCommand(job: ComposeJob): ComposeCommand {
  const width = job.width ?? COMPOSE_DEFAULTS.width;
  const height = job.height ?? COMPOSE_DEFAULTS.height;
  const fps = job.fps ?? COMPOSE_DEFAULTS.fps;
  const { startMs, endMs } = job.segment;
  if (!(endMs > startMs)) throw new RangeError(`empty segment ${startMs}–${endMs}`);
  const frames = segmentFrames(job.segment, fps);
  const inputs: string[] = [];
  const graph: string[] = [];
  let inputCount = 0;
  const addInput = (file: CaptureFile, seekMs: number, video: boolean) => {
    // Resolution switches must not rebuild the graph (that would restart the
    // background and the audio); scale and overlay follow frame sizes instead.
    if (video) inputs.push('-reinit_filter', '0');
    // Seek to the key frame at or before the target, absolute timestamps, no trimming: a
    // frame from before the segment is held at its start (variable frame rate).
    if (seekMs > file.startMs) inputs.push('-noaccurate_seek', '-seek_timestamp', '1', '-ss', seconds(seekMs));
    inputs.push('-i', file.path);
    return inputCount++;
  };

  graph.push(`color=c=${COMPOSE_DEFAULTS.background}:s=${width}x${height}:r=${fps},trim=end_frame=${frames},setsar=1[bg]`);
  let base = 'bg';
  let layer = 0;
  const overlay = (video: VideoLayer, box: { width: number; height: number; x: string; y: string }) => {
    const mediaRanges = video.ranges ? unionRanges(video.ranges) : unionRanges(video.files);
    for (const file of video.files) {
      const visible = intersectRanges(intersectRanges([file], mediaRanges), [job.segment]);
      if (visible.length === 0) continue;
      const index = addInput(file, startMs, true);
      const scaled = `v${layer}`;
      const out = `o${layer++}`;
      graph.push(
        `[${index}:v]setpts=PTS-${seconds(startMs)}/TB,` +
          `scale=${box.width}:${box.height}:force_original_aspect_ratio=decrease:force_divisible_by=2[${scaled}]`,
      );
      // eof_action=pass: nothing once the file ends (a truncated file shows no frozen frame).
      const enable = timeline(visible, startMs, job.segment);
      graph.push(`[${base}][${scaled}]overlay=x=${box.x}:y=${box.y}:eof_action=pass${enable ? `:enable='${enable}'` : ''}[${out}]`);
      base = out;
    }
  };
  if (job.main) overlay(job.main, { width, height, x: '(main_w-overlay_w)/2', y: '(main_h-overlay_h)/2' });
  job.pips.forEach((pip, i) => {
    const box = pipBox(width, height, i);
    // Aligned to the box's bottom-right corner whatever the PiP's aspect.
    overlay(pip, { width: box.width, height: box.height, x: `${box.right}-overlay_w`, y: `${box.bottom}-overlay_h` });
  });
  graph.push(`[${base}]format=yuv420p[vout]`);

  // Audio: every chain covers the same samples [first, first + count) around the kept AAC frames.
  const aac = aacSpan(job.segment);
  const segmentStartSample = (startMs * SAMPLE_RATE) / 1000;
  const firstSample = aac.firstSample - AUDIO_LEAD_SAMPLES;
  const sampleCount = aac.endSample + AUDIO_LEAD_SAMPLES - firstSample;
  const chainFirstPts = Math.round(firstSample - segmentStartSample);
  const chainSpan = { startMs: (firstSample * 1000) / SAMPLE_RATE, endMs: ((firstSample + sampleCount) * 1000) / SAMPLE_RATE };
  // A silent bed fixes the length and the start; amix follows its first input.
  graph.push(`anullsrc=r=${SAMPLE_RATE}:cl=stereo,atrim=end_sample=${sampleCount},asetpts=PTS+(${chainFirstPts})/(${SAMPLE_RATE}*TB)[abed]`);
  const mixInputs = ['abed'];
  for (const track of job.audio) {
    const audible = widenAtEdges(unionRanges(track.ranges), job.window ?? job.segment);
    const when = timeline(audible, startMs, chainSpan);
    // Muting works on whole frames: 5 ms ones put the switch within 5 ms.
    const gate = when ? `,asetnsamples=n=${SAMPLE_RATE / 200}:p=0,volume=0:enable='not(${when})'` : '';
    for (const file of track.files) {
      if (intersectRanges(intersectRanges([file], audible), [chainSpan]).length === 0) continue;
      const index = addInput(file, chainSpan.startMs - AUDIO_SEEK_PREROLL_MS, false);
      const label = `a${mixInputs.length}`;
      graph.push(
        `[${index}:a]asetpts=PTS-${seconds(startMs)}/TB,` +
          // Places the audio at its timestamps: silence before it and in its gaps (Opus DTX), pre-roll dropped.
          `aresample=${SAMPLE_RATE}:async=1:min_hard_comp=0.01:first_pts=${chainFirstPts},` +
          `aformat=sample_fmts=fltp:sample_rates=${SAMPLE_RATE}:channel_layouts=stereo,atrim=end_sample=${sampleCount}${gate}[${label}]`,
      );
      mixInputs.push(label);
    }
  }
  // normalize=0: mixing in a classroom must not lower the teacher's volume.
  graph.push(`${mixInputs.map((label) => `[${label}]`).join('')}amix=inputs=${mixInputs.length}:duration=first:dropout_transition=0:normalize=0[aout]`);

  // The encoder's n-th packet holds samples from chainFirstPts + (n - 1) * 1024 (packet 0 is its priming).
  const keep = { from: (aac.firstSample - firstSample) / AAC_FRAME + 1, to: (aac.endSample - firstSample) / AAC_FRAME + 1 };
  const filterGraph = graph.join(';');
  const args = [
    '-loglevel',
    'warning',
    '-y',
    // Absolute input timestamps; the graph does the alignment.
    '-copyts',
    ...inputs,
    '-filter_complex',
    filterGraph,
    '-map',
    '[vout]',
    '-map',
    '[aout]',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-profile:v',
    'main',
    '-pix_fmt',
    'yuv420p',
    '-crf',
    String(COMPOSE_DEFAULTS.crf),
    // One GOP: a key frame at the start (HLS segments must start with one) and no other.
    '-g',
    String(frames),
    '-keyint_min',
    String(frames),
    '-sc_threshold',
    '0',
    '-c:a',
    'aac',
    '-b:a',
    COMPOSE_DEFAULTS.audioBitrate,
    '-ar',
    String(SAMPLE_RATE),
    '-ac',
    '2',
    // Keep only this segment's AAC frames: the encoder's priming frame and the
    // lead-in/lead-out belong to the neighbours. By packet number, because in
    // ffmpeg 5.1 this filter's `tb` is stale (1/48000 while pts is in 1/90000).
    '-bsf:a',
    `noise=drop='lt(n\\,${keep.from})+gte(n\\,${keep.to})'`,
    // Otherwise the B-frame delay of a segment at 0 would shift it (and it alone) by two frames.
    '-avoid_negative_ts',
    'disabled',
    '-output_ts_offset',
    seconds(startMs),
    '-f',
    'mpegts',
    job.output,
  ];
  return { args, filterGraph, frames, audio: aac };
}

/**
 * Audible ranges reaching a window edge are taken to go on past it: they were
 * clipped there, and both segments at a joint must encode the same audio in
 * their lead-in/lead-out for the joint to be seamless. Inside a window the
 * ranges are exact (a floor change), and so is the muting on both sides.
 */
function widenAtEdges(ranges: TimeRange[], window: TimeRange): TimeRange[] {
  return ranges.map((range) => ({
    startMs: range.startMs <= window.startMs ? -Infinity : range.startMs,
    endMs: range.endMs >= window.endMs ? Infinity : range.endMs,
  }));
}

/**
 * A timeline expression, true inside the ranges, for the span `cover`: t is in
 * seconds from originMs. Empty when the ranges cover the whole span.
 */
function timeline(ranges: readonly TimeRange[], originMs: number, cover: TimeRange): string {
  const terms: string[] = [];
  for (const range of ranges) {
    if (range.endMs <= cover.startMs || range.startMs >= cover.endMs) continue;
    const from = range.startMs > cover.startMs ? `gte(t,${seconds(range.startMs - originMs)})` : null;
    const to = range.endMs < cover.endMs ? `lt(t,${seconds(range.endMs - originMs)})` : null;
    if (!from && !to) return '';
    terms.push([from, to].filter(Boolean).join('*'));
  }
  return terms.length > 0 ? terms.join('+') : '0';
}

/** ms as decimal seconds, exactly (ms are integers in practice; µs precision otherwise). */
function seconds(ms: number): string {
  return String(Math.round(ms * 1000) / 1_000_000);
}

function even(value: number): number {
  return 2 * Math.round(value / 2);
}
