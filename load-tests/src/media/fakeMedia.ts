import path from 'node:path';
import { LOOP_S, SYNC_PATTERN_S, quantizeToFrames } from './syncPattern.js';
import { fillFrame, fillRect, writeY4m } from './y4m.js';
import type { Yuv } from './y4m.js';
import { writeWav } from './wav.js';

/*
 * Known media for Chromium's fake camera and microphone, one pair of files per
 * participant (the flags are per browser, so each participant kind needs its own browser).
 *
 * Teacher: dark grey picture that turns white for exactly two frames at each pattern
 * instant, and a silent track with a 1 kHz beep starting on the same sample. Classroom:
 * a blue picture without flashes and a steady 440 Hz tone, so its presence in a mix can
 * be measured. Both loop at the same length, so flash and beep stay aligned loop after loop.
 *
 * How Chromium loops them (measured with Chromium 156, see fakeMedia.e2e.test.ts):
 * - Y4M: read frame by frame, paced by a wall-clock timer at the header's integer rate;
 *   at the end it rewinds and shows frame 0 twice. So the file holds one frame fewer than
 *   the loop, and the repeated frame 0 fills the last slot: every loop is loopS long.
 * - WAV: read whole, pulled in buffers of the capture's 10 ms, and rewound only between
 *   buffers, the last partial one padded with silence. A file at the capture rate with a
 *   whole number of buffers loops seamlessly; at any other rate it is resampled and
 *   each loop comes out 5–15 ms longer, differently each time.
 * - Both run on their own wall-clock timers from when each device starts, so flash and
 *   beep arrive with a constant skew of a few tens of ms (measure it, don't assume 0).
 *   Neither catches up when late: under CPU load the audio skips whole 10 ms buffers.
 * - Audio processing (the SDK's default) turns the steady classroom tone down from
 *   −14 to about −33 dBFS within 3 s (noise suppression); beeps pass.
 */

export type FakeMediaKind = 'teacher' | 'classroom';

export interface FakeMediaOptions {
  kind: FakeMediaKind;
  /** Loop length (s); must be a whole number of frames and of audio samples. Default LOOP_S (10 s). */
  durationS?: number;
  /** Default 640x360: the simulcast ladder gets two layers, and 149 frames make a 51 MB file. */
  width?: number;
  height?: number;
  /** Default 15; an integer, because Chromium reads the Y4M rate as one. */
  fps?: number;
  /**
   * WAV sample rate; must be the rate Chromium captures at (MediaStreamTrack.getSettings().sampleRate),
   * or Chromium resamples and the audio loop drifts from the video. Default DEFAULT_FAKE_AUDIO_RATE
   * (48 kHz, processing on); RAW_CAPTURE_AUDIO_RATE (44.1 kHz) for a capture with processing off.
   */
  audioRate?: number;
  /** Flash/beep instants within the loop (s), teacher only. Default SYNC_PATTERN_S. */
  pattern?: readonly number[];
}

export interface FakeMedia {
  videoPath: string;
  audioPath: string;
  /** Flash/beep instants within one loop (s), snapped to frame starts; empty for a classroom. */
  events: number[];
  loopS: number;
  fps: number;
  audioRate: number;
  /** Frames in the Y4M: one fewer than the loop, for the frame 0 Chromium repeats at each rewind. */
  y4mFrames: number;
  width: number;
  height: number;
}

/**
 * The rate headless Chromium's fake microphone captures at with audio processing on, as
 * the SDK asks by default (getSettings(): 48000 Hz, 10 ms). With processing off (music
 * mode) it captures at 44100 Hz: pass `audioRate: RAW_CAPTURE_AUDIO_RATE` then. Mono; Chromium upmixes.
 */
export const DEFAULT_FAKE_AUDIO_RATE = 48_000;
/** Chromium's fake microphone rate with echo cancellation, noise suppression and gain control all off. */
export const RAW_CAPTURE_AUDIO_RATE = 44_100;
export const BEEP_HZ = 1000;
export const BEEP_S = 0.1;
/** Peak amplitude of the beep (−6 dBFS): loud, without clipping after a codec. */
export const BEEP_AMPLITUDE = 0.5;
export const FLASH_FRAMES = 2;
export const CLASSROOM_TONE_HZ = 440;
/** Peak amplitude of the classroom tone (−14 dBFS): clearly present, quieter than the beeps. */
export const CLASSROOM_TONE_AMPLITUDE = 0.2;

export const TEACHER_BACKGROUND: Yuv = { y: 40, u: 128, v: 128 };
export const FLASH_WHITE: Yuv = { y: 235, u: 128, v: 128 };
export const CLASSROOM_BACKGROUND: Yuv = { y: 86, u: 187, v: 102 }; // ≈ sRGB (40, 80, 200)
const MARKER: Yuv = { y: 200, u: 128, v: 128 };
const BAR: Yuv = { y: 210, u: 150, v: 100 };

/** Writes `<kind>.y4m` and `<kind>.wav` into `dir` (no '%' in it: Chromium splits the flag on '%'). */
export async function writeFakeMedia(dir: string, options: FakeMediaOptions): Promise<FakeMedia> {
  const loopS = options.durationS ?? LOOP_S;
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const fps = options.fps ?? 15;
  const audioRate = options.audioRate ?? DEFAULT_FAKE_AUDIO_RATE;
  const loopFrames = Math.round(loopS * fps);
  const sampleCount = Math.round(loopS * audioRate);
  // Both loops must be exactly as long, or flash and beep drift apart at every rewind;
  // whole 10 ms buffers, or Chromium pads the last one with silence.
  if (Math.abs(loopFrames / fps - loopS) > 1e-9 || Math.abs((loopS * 100) % 1) > 1e-9 || sampleCount % (audioRate / 100) !== 0) {
    throw new Error(`a ${loopS} s loop is not a whole number of frames at ${fps} fps and of 10 ms buffers at ${audioRate} Hz`);
  }
  const y4mFrames = loopFrames - 1;
  if (dir.includes('%')) throw new Error(`Chromium cannot take a path with '%': ${dir}`);

  const videoPath = path.join(dir, `${options.kind}.y4m`);
  const audioPath = path.join(dir, `${options.kind}.wav`);
  const events = options.kind === 'teacher' ? quantizeToFrames(options.pattern ?? SYNC_PATTERN_S, fps) : [];
  for (const t of events) {
    // The flash must end before the repeated frame 0 (the loop's last slot).
    if (t < 0 || t * fps + FLASH_FRAMES > y4mFrames || t + BEEP_S > loopS) throw new Error(`event at ${t} s does not fit in the ${loopS} s loop`);
  }

  if (options.kind === 'teacher') {
    const flashFrames = new Set(events.flatMap((t) => Array.from({ length: FLASH_FRAMES }, (_, i) => Math.round(t * fps) + i)));
    await writeY4m(videoPath, { width, height, fps, frameCount: y4mFrames }, (i, frame) => {
      if (flashFrames.has(i)) return fillFrame(frame, FLASH_WHITE);
      fillFrame(frame, TEACHER_BACKGROUND);
      // A small square crossing the picture once per loop: the encoder keeps sending frames.
      const side = evenAtLeast2(height / 10);
      fillRect(frame, ((width - side) * i) / loopFrames, height - 2 * side, side, side, MARKER);
    });
    await writeWav(audioPath, teacherAudio(sampleCount, events, audioRate), audioRate);
  } else {
    await writeY4m(videoPath, { width, height, fps, frameCount: y4mFrames }, (i, frame) => {
      fillFrame(frame, CLASSROOM_BACKGROUND);
      const bar = evenAtLeast2(width / 20);
      fillRect(frame, ((width - bar) * i) / loopFrames, 0, bar, height, BAR);
    });
    await writeWav(audioPath, classroomAudio(sampleCount, audioRate), audioRate);
  }
  return { videoPath, audioPath, events, loopS, fps, audioRate, y4mFrames, width, height };
}

/** Chromium flags that make `media` the fake camera and microphone (with --use-fake-device-for-media-stream). */
export function fakeCaptureArgs(media: Pick<FakeMedia, 'videoPath' | 'audioPath'>): string[] {
  // No '%noloop': Chromium loops both files by default, which is what keeps them aligned.
  return [`--use-file-for-fake-video-capture=${media.videoPath}`, `--use-file-for-fake-audio-capture=${media.audioPath}`];
}

/** Silence with a beep starting exactly on each event's sample, at sine phase 0 (a sharp onset). */
export function teacherAudio(sampleCount: number, events: readonly number[], sampleRate = DEFAULT_FAKE_AUDIO_RATE): Float32Array {
  const samples = new Float32Array(sampleCount);
  const beepLength = Math.round(BEEP_S * sampleRate);
  for (const t of events) {
    const start = Math.round(t * sampleRate);
    // 100 ms of 1 kHz is 100 whole cycles: it also ends at a zero crossing, without a click.
    for (let n = 0; n < beepLength && start + n < sampleCount; n++) {
      samples[start + n] = BEEP_AMPLITUDE * Math.sin((2 * Math.PI * BEEP_HZ * n) / sampleRate);
    }
  }
  return samples;
}

/** A steady tone; 440 Hz fills a 10 s loop with whole cycles, so the rewind is seamless. */
export function classroomAudio(sampleCount: number, sampleRate = DEFAULT_FAKE_AUDIO_RATE): Float32Array {
  const samples = new Float32Array(sampleCount);
  for (let n = 0; n < sampleCount; n++) samples[n] = CLASSROOM_TONE_AMPLITUDE * Math.sin((2 * Math.PI * CLASSROOM_TONE_HZ * n) / sampleRate);
  return samples;
}

const evenAtLeast2 = (x: number) => Math.max(2, 2 * Math.round(x / 2));
