import { spawn } from 'node:child_process';
import { LOOP_S, fitPattern } from './syncPattern.js';
import type { PatternFit } from './syncPattern.js';
import { BEEP_HZ } from './fakeMedia.js';

/*
 * Measures a recording of the fake media: when the picture flashes, when the beeps
 * start, how far apart they are, and how loud a given tone is second by second.
 *
 * ffmpeg decodes; the measuring happens here. One ffmpeg run decodes both streams, so
 * flash and beep instants share its timeline (0 = the file's earliest stream start).
 */

/** Debian's ffmpeg; override with FFMPEG_PATH. */
export const defaultFfmpegPath = process.env['FFMPEG_PATH'] ?? '/usr/bin/ffmpeg';

/** Rate the audio is decoded at: plenty for 1 kHz and 440 Hz, and small. */
export const ANALYSIS_RATE = 16_000;

export interface AnalyzeOptions {
  /** The flash/beep instants within one loop (FakeMedia.events); adds `pattern` fits to the result. */
  pattern?: readonly number[];
  /** Loop length for the pattern (s). Default LOOP_S. */
  loopS?: number;
  /** Beeps farther than this from every flash are left unpaired (ms). Default 400. */
  matchWindowMs?: number;
  /**
   * Part of the picture to watch, as fractions of its size, when the teacher is one tile
   * of a composed layout. Default: the whole picture.
   */
  videoRegion?: { x: number; y: number; width: number; height: number };
}

export interface MediaAnalysis {
  /** Length of the decoded media (s): the later of the last frame's end and the last sample. */
  durationS: number;
  video: {
    /** Presentation time of each decoded frame (s). */
    frameTimes: number[];
    /** Mean luma of each frame (0–255, as decoded to 8-bit grey). */
    meanLuma: number[];
    /** Onset of each flash (s): the first frame above the threshold after frames below it. */
    flashes: number[];
  };
  audio: {
    /** Decoded audio length (s). */
    durationS: number;
    /** Onset of each 1 kHz beep (s). */
    beeps: number[];
    /**
     * Level of a tone, one value per whole second of audio: its peak amplitude, linear
     * (a full-scale sine is 1, silence 0), so levels compare as ratios; toDbfs() to print.
     */
    toneLevelPerSecond(freqHz: number): number[];
  };
  /** beep − flash for each beep paired with a flash (ms); positive: audio late. */
  syncOffsetsMs: number[];
  /** NaN when nothing paired. */
  medianOffsetMs: number;
  maxAbsOffsetMs: number;
  /** How flashes and beeps line up with the known pattern, when one was given (`missing`: 0.2 s in from either end). */
  pattern?: { video: PatternFit; audio: PatternFit };
}

/**
 * Decodes `file` (MP4, WebM, MPEG-TS, an HLS playlist: anything ffmpeg reads) with the
 * ffmpeg at `ffmpegPath` and measures flashes, beeps and their offsets.
 */
export async function analyzeMedia(ffmpegPath: string, file: string, options: AnalyzeOptions = {}): Promise<MediaAnalysis> {
  const { samples, ...video } = await decode(ffmpegPath, file, options.videoRegion);
  const flashes = detectFlashes(video.frameTimes, video.meanLuma);
  const beeps = detectToneOnsets(samples, ANALYSIS_RATE, BEEP_HZ);
  const syncOffsetsMs = pairOffsetsMs(flashes, beeps, options.matchWindowMs ?? 400);

  const frameInterval = median(diffs(video.frameTimes));
  const videoEnd = video.frameTimes.length ? video.frameTimes.at(-1)! + (Number.isNaN(frameInterval) ? 0 : frameInterval) : 0;
  const audioDurationS = samples.length / ANALYSIS_RATE;
  const durationS = Math.max(videoEnd, audioDurationS);

  const analysis: MediaAnalysis = {
    durationS,
    video: { ...video, flashes },
    audio: { durationS: audioDurationS, beeps, toneLevelPerSecond: (freqHz) => toneLevelPerSecond(samples, ANALYSIS_RATE, freqHz) },
    syncOffsetsMs,
    medianOffsetMs: median(syncOffsetsMs),
    maxAbsOffsetMs: syncOffsetsMs.length ? maxOf(syncOffsetsMs.map(Math.abs)) : Number.NaN,
  };
  if (options.pattern) {
    // A flash or beep cut by either end of the file (0.2 s margins) is not reported missing.
    const fit = (events: number[], end: number) => fitPattern(events, options.pattern!, { loopS: options.loopS ?? LOOP_S, spanS: [0.2, end - 0.2] });
    analysis.pattern = { video: fit(flashes, videoEnd), audio: fit(beeps, audioDurationS) };
  }
  return analysis;
}

/**
 * Power of `samples` at `freqHz` (Goertzel), scaled so that a sine of peak amplitude A
 * spanning the window gives about A² (A in the samples' own unit).
 */
export function goertzelPower(samples: ArrayLike<number>, sampleRate: number, freqHz: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * freqHz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = samples[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const magnitudeSquared = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (4 * magnitudeSquared) / (n * n);
}

/** A tone's peak amplitude (linear, full scale 1) in each whole second of `samples`. */
export function toneLevelPerSecond(samples: Float32Array, sampleRate: number, freqHz: number): number[] {
  const levels: number[] = [];
  for (let start = 0; start + sampleRate <= samples.length; start += sampleRate) {
    levels.push(Math.sqrt(goertzelPower(samples.subarray(start, start + sampleRate), sampleRate, freqHz)));
  }
  return levels;
}

/** A linear amplitude in dBFS (a full-scale sine is 0 dB), floored at −120 for silence. */
export function toDbfs(amplitude: number): number {
  return Math.max(-120, 20 * Math.log10(amplitude));
}

const ONSET_WINDOW_S = 0.01; // 10 cycles of 1 kHz: short enough to place an onset, long enough to tell 1 kHz from 440 Hz
const ONSET_HOP_S = 0.005;
/** A beep quieter than this (peak amplitude, −30 dBFS) is leakage from other sounds, not a beep. */
const MIN_TONE_AMPLITUDE = 0.0316;

/**
 * Onsets of bursts of `freqHz`: the instant a sliding-window amplitude reaches half the
 * burst's own peak. For a sharp onset at t0 a rectangular window is half covered, so at
 * half amplitude, when its centre is at t0; interpolating between hops places it to
 * well under a millisecond.
 */
export function detectToneOnsets(samples: Float32Array, sampleRate: number, freqHz: number): number[] {
  const win = Math.round(ONSET_WINDOW_S * sampleRate);
  const hop = Math.round(ONSET_HOP_S * sampleRate);
  const env: number[] = [];
  for (let start = 0; start + win <= samples.length; start += hop) {
    env.push(Math.sqrt(goertzelPower(samples.subarray(start, start + win), sampleRate, freqHz)));
  }
  const peak = maxOf(env);
  if (peak < MIN_TONE_AMPLITUDE) return [];

  const onsets: number[] = [];
  const lookahead = Math.round(0.15 / ONSET_HOP_S);
  let armed = true;
  for (let k = 0; k < env.length; k++) {
    if (!armed) {
      // Re-arm only once the burst has clearly ended.
      if (env[k]! < 0.2 * peak) armed = true;
      continue;
    }
    if (env[k]! < 0.3 * peak) continue;
    armed = false;
    // Half of this burst's own peak, so a quieter beep (gain control, a mix) is placed alike.
    const localPeak = maxOf(env.slice(k, k + lookahead));
    const half = localPeak / 2;
    let j = k;
    while (env[j]! < half) j++;
    while (j > 0 && env[j - 1]! >= half) j--;
    const before = j > 0 ? env[j - 1]! : 0;
    const fraction = env[j]! > before ? (half - before) / (env[j]! - before) : 0;
    const windowStart = (j - 1 + Math.min(1, Math.max(0, fraction))) * hop;
    onsets.push((windowStart + win / 2) / sampleRate);
  }
  return onsets;
}

/** A flash must lift the mean luma at least this much above the picture's usual level. */
const MIN_FLASH_CONTRAST = 25;

/**
 * Flash onsets: frames whose mean luma rises past halfway between the picture's usual
 * level (its 20th percentile) and its brightest frame, after frames below a quarter of the way.
 */
export function detectFlashes(frameTimes: number[], meanLuma: number[]): number[] {
  if (meanLuma.length === 0) return [];
  const base = [...meanLuma].sort((a, b) => a - b)[Math.floor(meanLuma.length * 0.2)]!;
  const peak = maxOf(meanLuma);
  if (peak - base < MIN_FLASH_CONTRAST) return [];
  const high = base + (peak - base) / 2;
  const low = base + (peak - base) / 4;
  const flashes: number[] = [];
  let armed = true;
  meanLuma.forEach((luma, i) => {
    if (armed && luma > high) {
      flashes.push(frameTimes[i]!);
      armed = false;
    } else if (!armed && luma < low) {
      armed = true;
    }
  });
  return flashes;
}

/** Pairs each beep with the nearest flash within ±windowMs; returns beep − flash (ms). */
export function pairOffsetsMs(flashes: number[], beeps: number[], windowMs: number): number[] {
  const offsets: number[] = [];
  for (const beep of beeps) {
    let best = Number.NaN;
    for (const flash of flashes) {
      const offset = (beep - flash) * 1000;
      if (Math.abs(offset) <= windowMs && !(Math.abs(offset) >= Math.abs(best))) best = offset;
    }
    if (!Number.isNaN(best)) offsets.push(best);
  }
  return offsets;
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Math.max without spreading: an hour of 5 ms hops is too many arguments. 0 for none. */
const maxOf = (values: number[]) => values.reduce((a, b) => (b > a ? b : a), 0);

const diffs = (values: number[]) => values.slice(1).map((v, i) => v - values[i]!);

/** Input options: an HLS playlist may name segments with extensions ffmpeg refuses by default. */
const inputArgs = (file: string) => [...(/\.m3u8$/i.test(file) ? ['-allowed_extensions', 'ALL'] : []), '-i', file];

interface Decoded {
  frameTimes: number[];
  meanLuma: number[];
  /** Mono at ANALYSIS_RATE, in [-1, 1]. */
  samples: Float32Array;
}

/**
 * One ffmpeg run decodes both streams, because ffmpeg picks time 0 from the streams it
 * reads: decoding MPEG-TS audio alone moves its start to 0 and hides any offset.
 *
 * Video: each frame as a 16x9 grey raster (its mean is the frame's mean luma) with its
 * pts from showinfo; passthrough keeps one raster per decoded frame, VFR stays VFR.
 * Audio: mono, sample 0 at time 0: aresample pads a late start and every gap over 10 ms
 * (e.g. Opus DTX in a WebRTC recording) with silence, so a sample's index is its time.
 */
async function decode(ffmpegPath: string, file: string, region?: AnalyzeOptions['videoRegion']): Promise<Decoded> {
  const streams = (await runFfmpeg(ffmpegPath, inputArgs(file), { probe: true })).stderr;
  const hasVideo = /Stream #0:\d+.*?: Video: (?!.*attached pic)/.test(streams);
  const hasAudio = /Stream #0:\d+.*?: Audio: /.test(streams);
  const crop = region ? `crop=iw*${region.width}:ih*${region.height}:iw*${region.x}:ih*${region.y},` : '';
  const graph = [
    ...(hasVideo ? [`[0:v:0]${crop}scale=16:9:flags=area,format=gray,showinfo[v]`] : []),
    ...(hasAudio ? [`[0:a:0]aresample=async=1:min_hard_comp=0.01:first_pts=0,aresample=${ANALYSIS_RATE},aformat=sample_fmts=s16:channel_layouts=mono[a]`] : []),
  ];
  if (graph.length === 0) return { frameTimes: [], meanLuma: [], samples: new Float32Array(0) };
  const { stdout, pipe3, stderr } = await runFfmpeg(ffmpegPath, [
    ...inputArgs(file),
    '-filter_complex', graph.join(';'),
    ...(hasVideo ? ['-map', '[v]', '-fps_mode', 'passthrough', '-f', 'rawvideo', 'pipe:1'] : []),
    ...(hasAudio ? ['-map', '[a]', '-f', 's16le', '-c:a', 'pcm_s16le', 'pipe:3'] : []),
  ]);

  const frameTimes = [...stderr.matchAll(/Parsed_showinfo.*?\bpts_time:\s*(-?[\d.]+)/g)].map((m) => Number(m[1]));
  const pixels = 16 * 9;
  const meanLuma: number[] = [];
  for (let offset = 0; offset + pixels <= stdout.length; offset += pixels) {
    let sum = 0;
    for (let i = offset; i < offset + pixels; i++) sum += stdout[i]!;
    meanLuma.push(sum / pixels);
  }
  if (meanLuma.length !== frameTimes.length) {
    throw new Error(`ffmpeg gave ${meanLuma.length} frames but ${frameTimes.length} timestamps for ${file}`);
  }
  const samples = new Float32Array(pipe3.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = pipe3.readInt16LE(i * 2) / 32768;
  return { frameTimes, meanLuma, samples };
}

/**
 * Runs ffmpeg to completion, collecting stdout (pipe:1), fd 3 (pipe:3) and stderr.
 * `probe`: run with no output, only to read the stream list ffmpeg prints (it then exits 1).
 */
function runFfmpeg(ffmpegPath: string, args: string[], options: { probe?: boolean } = {}): Promise<{ stdout: Buffer; pipe3: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', ...args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const collect = (stream: NodeJS.ReadableStream | null) => {
      const chunks: Buffer[] = [];
      stream?.on('data', (chunk: Buffer) => chunks.push(chunk));
      return chunks;
    };
    const out = collect(child.stdout);
    const err = collect(child.stderr);
    const fd3 = collect(child.stdio[3] as NodeJS.ReadableStream | null);
    child.on('error', reject);
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0 || (options.probe && /Stream #0/.test(stderr))) return resolve({ stdout: Buffer.concat(out), pipe3: Buffer.concat(fd3), stderr });
      reject(new Error(`ffmpeg ${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
}
