import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { CLASSROOM_TONE_HZ, analyzeMedia, defaultFfmpegPath, toDbfs, writeFakeMedia } from '../src/media/index.js';
import type { FakeMedia, MediaAnalysis } from '../src/media/index.js';

jest.setTimeout(60_000);

const run = promisify(execFile);

/**
 * The analyzer against real ffmpeg: our Y4M and WAV encoded with a known audio delay
 * must come back with that delay, in the containers a recording may use.
 */
describe('analyzeMedia with ffmpeg', () => {
  let dir: string;
  let teacher: FakeMedia;
  let classroom: FakeMedia;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'analyze-media-'));
    // 320x180 keeps encoding fast; the analyzer looks at a 16x9 raster anyway.
    teacher = await writeFakeMedia(dir, { kind: 'teacher', width: 320, height: 180 });
    classroom = await writeFakeMedia(dir, { kind: 'classroom', width: 320, height: 180 });
  });
  afterAll(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

  /** Encodes the teacher's files into `name`; a positive delay makes the audio late, a negative one the video. */
  async function encodeTeacher(name: string, delayS: number, output: string[]): Promise<string> {
    const file = path.join(dir, name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const video = [...(delayS < 0 ? ['-itsoffset', String(-delayS)] : []), '-i', teacher.videoPath];
    const audio = [...(delayS > 0 ? ['-itsoffset', String(delayS)] : []), '-i', teacher.audioPath];
    await run(defaultFfmpegPath, ['-y', '-v', 'error', ...video, ...audio, '-map', '0:v', '-map', '1:a', ...output, file]);
    return file;
  }

  function expectAllEvents(analysis: MediaAnalysis) {
    expect(analysis.video.flashes).toHaveLength(teacher.events.length);
    expect(analysis.audio.beeps).toHaveLength(teacher.events.length);
    expect(analysis.syncOffsetsMs).toHaveLength(teacher.events.length);
    expect(analysis.pattern!.video.missing).toEqual([]);
    expect(analysis.pattern!.audio.missing).toEqual([]);
    expect(analysis.pattern!.video.unexpected).toEqual([]);
    expect(analysis.pattern!.audio.unexpected).toEqual([]);
  }

  it('finds every flash and beep in sync in an MP4 (H.264 + AAC) without delay', async () => {
    const file = await encodeTeacher('sync.mp4', 0, [...h264, '-c:a', 'aac']);
    const analysis = await analyzeMedia(defaultFfmpegPath, file, { pattern: teacher.events });
    expectAllEvents(analysis);
    analysis.video.flashes.forEach((t, i) => expect(t).toBeCloseTo(teacher.events[i]!, 3));
    expect(analysis.pattern!.video.phaseS).toBeCloseTo(0, 3);
    expect(Math.abs(analysis.medianOffsetMs)).toBeLessThanOrEqual(15);
    expect(analysis.maxAbsOffsetMs).toBeLessThanOrEqual(15);
    expect(analysis.durationS).toBeGreaterThan(9.9);
    expect(analysis.durationS).toBeLessThan(10.2);
  });

  it('measures a 120 ms audio delay in an MP4', async () => {
    const file = await encodeTeacher('late-audio.mp4', 0.12, [...h264, '-c:a', 'aac']);
    const analysis = await analyzeMedia(defaultFfmpegPath, file, { pattern: teacher.events });
    expectAllEvents(analysis);
    expect(analysis.medianOffsetMs).toBeGreaterThanOrEqual(105);
    expect(analysis.medianOffsetMs).toBeLessThanOrEqual(135);
    expect(analysis.pattern!.audio.phaseS - analysis.pattern!.video.phaseS).toBeCloseTo(0.12, 1);
  });

  it('gives early audio a negative offset', async () => {
    const file = await encodeTeacher('late-video.mp4', -0.08, [...h264, '-c:a', 'aac']);
    const analysis = await analyzeMedia(defaultFfmpegPath, file, { pattern: teacher.events });
    expectAllEvents(analysis);
    expect(analysis.medianOffsetMs).toBeGreaterThanOrEqual(-95);
    expect(analysis.medianOffsetMs).toBeLessThanOrEqual(-65);
  });

  it('reads an HLS playlist of MPEG-TS segments, keeping the delay across both streams', async () => {
    // Decoding TS audio on its own would move it to time 0 and hide the delay.
    const file = await encodeTeacher('hls/index.m3u8', 0.12, [...h264, '-c:a', 'aac', '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod']);
    const analysis = await analyzeMedia(defaultFfmpegPath, file, { pattern: teacher.events });
    expectAllEvents(analysis);
    expect(analysis.medianOffsetMs).toBeGreaterThanOrEqual(105);
    expect(analysis.medianOffsetMs).toBeLessThanOrEqual(135);
  });

  it('reads WebM (VP8 + Opus), as MediaRecorder writes', async () => {
    const file = await encodeTeacher('sync.webm', 0, ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-c:a', 'libopus']);
    const analysis = await analyzeMedia(defaultFfmpegPath, file, { pattern: teacher.events });
    expectAllEvents(analysis);
    // ffmpeg's Matroska muxer rounds Opus's 6.5 ms pre-skip to whole ms: about −7 ms.
    expect(Math.abs(analysis.medianOffsetMs)).toBeLessThanOrEqual(15);
  });

  it('shows the classroom tone only in the seconds it is mixed in (4–8 s), and the beeps still in sync', async () => {
    const file = path.join(dir, 'mix.mp4');
    await run(defaultFfmpegPath, [
      '-y', '-v', 'error',
      '-i', teacher.videoPath, '-i', teacher.audioPath, '-i', classroom.audioPath,
      '-filter_complex', // Cut 4–8 s of the room tone and put it back at 4 s (volume's enable switches per frame, too coarse).
      '[2:a]atrim=4:8,asetpts=PTS-STARTPTS,adelay=4000:all=1[room];[1:a][room]amix=inputs=2:normalize=0:duration=first[mix]',
      '-map', '0:v', '-map', '[mix]', ...h264, '-c:a', 'aac', '-b:a', '128k', file,
    ]);
    const analysis = await analyzeMedia(defaultFfmpegPath, file, { pattern: teacher.events });
    expectAllEvents(analysis);
    expect(Math.abs(analysis.medianOffsetMs)).toBeLessThanOrEqual(15);
    const levels = analysis.audio.toneLevelPerSecond(CLASSROOM_TONE_HZ);
    expect(levels).toHaveLength(10);
    levels.forEach((level, second) => {
      if (second >= 4 && second < 8) {
        expect(toDbfs(level)).toBeGreaterThan(-16); // mixed in at −14 dBFS
        expect(toDbfs(level)).toBeLessThan(-12);
      } else {
        expect(toDbfs(level)).toBeLessThan(-50);
      }
    });
    // Linear, so presence compares as a ratio.
    expect(Math.min(...levels.slice(4, 8))).toBeGreaterThan(100 * Math.max(...levels.slice(0, 4), ...levels.slice(8)));
  });

  it('analyzes a file without video: beeps, no flashes, nothing paired', async () => {
    const analysis = await analyzeMedia(defaultFfmpegPath, teacher.audioPath);
    expect(analysis.video.frameTimes).toEqual([]);
    expect(analysis.video.flashes).toEqual([]);
    analysis.audio.beeps.forEach((t, i) => expect(t).toBeCloseTo(teacher.events[i]!, 3));
    expect(analysis.syncOffsetsMs).toEqual([]);
    expect(Number.isNaN(analysis.medianOffsetMs)).toBe(true);
    expect(analysis.durationS).toBeCloseTo(10, 3);
  });

  it('fails loudly on a file ffmpeg cannot read', async () => {
    const file = path.join(dir, 'garbage.mp4');
    await fs.writeFile(file, 'not a video');
    await expect(analyzeMedia(defaultFfmpegPath, file)).rejects.toThrow(/ffmpeg/);
  });
});
