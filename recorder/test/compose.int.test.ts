import { jest } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { composeSegment } from '../src/compose/composeWindow.js';
import type { CaptureTrack } from '../src/compose/composeWindow.js';
import { pipBox } from '../src/compose/filterGraph.js';
import type { CaptureFile } from '../src/compose/filterGraph.js';
import { planLayout } from '../src/compose/layoutPlan.js';
import type { LayoutSegment, PlanTrack } from '../src/compose/layoutPlan.js';
import { renderVodPlaylist } from '../src/replay/hlsPlaylist.js';
import { buildMp4, makeThumbnail } from '../src/replay/finalizeReplay.js';
import { FfmpegError, runFfmpeg } from '../src/ffmpeg/runFfmpeg.js';
import type { FfmpegProgress } from '../src/ffmpeg/runFfmpeg.js';
import {
  FFMPEG,
  averageColour,
  decodeErrors,
  decodeMono,
  makeAudioCapture,
  makeSwitchingVideoCapture,
  makeVideoCapture,
  packetTimes,
  probe,
  sineFitResidual,
  toneAmplitude,
  truncateTail,
} from './support/composeFixtures.js';

jest.setTimeout(120_000);

/*
 * A 20 s lesson, composed in 10 s windows with the real ffmpeg: the teacher's
 * camera (two files, 0–12 s blue then white, 12–20 s green, its picture
 * size switching at 16 s) and microphone (1 kHz, DTX gap
 * 5–7 s); a classroom that holds the floor 8–16 s, with a red camera (its file
 * cut short, as by a crash) and a 440 Hz microphone that is live 6–18 s but
 * must only be heard while it holds the floor.
 */
describe('composing a lesson into HLS segments and an MP4', () => {
  const WINDOW_MS = 10_000;
  const LESSON_MS = 20_000;
  let dir: string;
  const composed: Array<{ segment: LayoutSegment; file: string; elapsedMs: number }> = [];
  let mp4: string;
  let classCamPath: string;
  let teacherMicFile: CaptureFile;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'classbridge-compose-'));
    const [teacherCamA, teacherCamB, classCam, teacherMic, classMic] = await Promise.all([
      // Blue, turning white at 6 s between key frames (0 s, 10 s): shows whether frames land at their times.
      makeVideoCapture(dir, 'teacher-cam-1.webm', "color=c=blue:size=640x480:rate=15,drawbox=c=white:t=fill:enable='gte(t,6)'", 0, 12_000),
      // Green, switching from 4:3 to a 16:9 layer at 16 s.
      makeSwitchingVideoCapture(dir, 'teacher-cam-2.webm', ['color=c=lime:size=640x480:rate=15', 'color=c=lime:size=1280x720:rate=15'], 12_000, 4_000),
      makeVideoCapture(dir, 'class-cam.webm', 'color=c=red:size=640x360:rate=10,noise=alls=20:allf=t', 8_000, 8_000),
      makeAudioCapture(dir, 'teacher-mic.webm', 1000, 0, LESSON_MS, [{ startMs: 5_000, endMs: 7_000 }]),
      makeAudioCapture(dir, 'class-mic.webm', 440, 6_000, 12_000),
    ]);
    await truncateTail(classCam.path, 20_000);
    classCamPath = classCam.path;
    teacherMicFile = teacherMic;

    const tracks: PlanTrack[] = [
      { trackId: 'tcam', participantId: 'teacher', kind: 'video', source: 'camera', participantRole: 'teacher', ranges: [teacherCamA, teacherCamB] },
      { trackId: 'tmic', participantId: 'teacher', kind: 'audio', source: 'microphone', participantRole: 'teacher', ranges: [teacherMic] },
      { trackId: 'ccam', participantId: 'class', kind: 'video', source: 'camera', participantRole: 'classroom', ranges: [classCam] },
      { trackId: 'cmic', participantId: 'class', kind: 'audio', source: 'microphone', participantRole: 'classroom', ranges: [classMic] },
    ];
    const inputs = new Map<string, CaptureTrack>([
      ['tcam', { kind: 'video', files: [teacherCamA, teacherCamB] }],
      ['tmic', { kind: 'audio', files: [teacherMic] }],
      ['ccam', { kind: 'video', files: [classCam] }],
      ['cmic', { kind: 'audio', files: [classMic] }],
    ]);
    const floor = [{ participantId: 'class', startMs: 8_000, endMs: 16_000 }];
    for (let startMs = 0; startMs < LESSON_MS; startMs += WINDOW_MS) {
      const plan = planLayout({ startMs, endMs: startMs + WINDOW_MS }, tracks, floor);
      for (const segment of plan.segments) {
        const file = path.join(dir, `seg-${composed.length}.ts`);
        const { elapsedMs } = await composeSegment({ ffmpeg: FFMPEG, segment, tracks: inputs, audio: plan.audio, window: plan.window, output: file });
        composed.push({ segment, file, elapsedMs });
      }
    }
    await writeFile(
      path.join(dir, 'index.m3u8'),
      renderVodPlaylist(
        composed.map(({ segment, file }) => ({ uri: path.basename(file), durationMs: segment.endMs - segment.startMs })),
        { ended: true },
      ),
    );
    mp4 = path.join(dir, 'lesson.mp4');
    await buildMp4({ ffmpeg: FFMPEG, segmentPaths: composed.map(({ file }) => file), output: mp4 });
  });

  afterAll(async () => {
    // KEEP_COMPOSE=1 leaves the files for a look with ffprobe or a player.
    if (dir && !process.env.KEEP_COMPOSE) await rm(dir, { recursive: true, force: true });
  });

  it('splits the windows where the classroom takes and gives back the floor', () => {
    expect(composed.map(({ segment }) => segment)).toEqual([
      { startMs: 0, endMs: 8_000, main: 'tcam', pips: [] },
      { startMs: 8_000, endMs: 10_000, main: 'tcam', pips: ['ccam'] },
      { startMs: 10_000, endMs: 16_000, main: 'tcam', pips: ['ccam'] },
      { startMs: 16_000, endMs: 20_000, main: 'tcam', pips: [] },
    ]);
  });

  it('writes segments, playlist and MP4 that decode without errors', async () => {
    for (const file of [...composed.map(({ file }) => file), path.join(dir, 'index.m3u8'), mp4]) {
      expect({ file: path.basename(file), errors: await decodeErrors(file) }).toEqual({ file: path.basename(file), errors: '' });
    }
  });

  it('stamps each segment at its place on the recording timeline', async () => {
    // MPEG-TS adds a constant mux delay; what matters is that it is the same for every segment.
    const offsets = await Promise.all(composed.map(async ({ segment, file }) => (await packetTimes(file, 'v'))[0]! - segment.startMs / 1000));
    for (const offset of offsets) expect(offset).toBeCloseTo(offsets[0]!, 3);
    for (const { segment, file } of composed) {
      const frames = await packetTimes(file, 'v');
      expect(frames).toHaveLength(Math.round(((segment.endMs - segment.startMs) * 15) / 1000));
    }
  });

  it('tiles the AAC frames of consecutive segments without overlap or gap', async () => {
    const times = await packetTimes(mp4, 'a');
    const steps = times.slice(1).map((time, i) => time - times[i]!);
    expect(Math.min(...steps)).toBeCloseTo(1024 / 48_000, 4);
    expect(Math.max(...steps)).toBeCloseTo(1024 / 48_000, 4);
    expect(times[0]).toBeCloseTo(0, 3);
  });

  it('makes an MP4 as long as the lesson', async () => {
    const { format, streams } = await probe(mp4);
    expect(Math.abs(Number(format.duration) - LESSON_MS / 1000)).toBeLessThan(0.2);
    for (const stream of streams) expect(Math.abs(Number(stream.duration) - LESSON_MS / 1000)).toBeLessThan(0.2);
    expect(streams.map((stream) => stream.codec_name).sort()).toEqual(['aac', 'h264']);
  });

  it('shows the teacher throughout and the classroom PiP only while it holds the floor', async () => {
    const box = pipBox(1280, 720, 0);
    const pipRegion = { x: box.right - box.width + 40, y: box.bottom - box.height + 30, width: box.width - 80, height: box.height - 60 };
    const centre = { x: 560, y: 280, width: 160, height: 160 };
    // Left of a 4:3 picture letterboxed into 16:9 is background; a 16:9 picture fills it.
    const leftBarRegion = { x: 20, y: 300, width: 100, height: 100 };
    const expected = [
      { at: 5, teacher: 'blue', pip: false, leftBar: 'background' },
      { at: 9, teacher: 'white', pip: true, leftBar: 'background' },
      { at: 11.5, teacher: 'white', pip: true, leftBar: 'background' },
      { at: 12.5, teacher: 'green', pip: true, leftBar: 'background' },
      { at: 15, teacher: 'green', pip: true, leftBar: 'background' },
      { at: 17, teacher: 'green', pip: false, leftBar: 'green' },
      { at: 19.5, teacher: 'green', pip: false, leftBar: 'green' },
    ];
    // The classroom's capture file was cut short (a crash): no frozen frame after its last one.
    const lastClassFrame = (await packetTimes(classCamPath, 'v')).at(-1)!;
    expect(lastClassFrame).toBeLessThan(15.7);
    expected.push({ at: lastClassFrame + 0.25, teacher: 'green', pip: false, leftBar: 'background' });
    for (const { at, teacher, pip, leftBar } of expected) {
      const seen = {
        at,
        teacher: colourName(await averageColour(mp4, at, centre)),
        pip: colourName(await averageColour(mp4, at, pipRegion)) === 'red',
        leftBar: colourName(await averageColour(mp4, at, leftBarRegion)),
      };
      expect(seen).toEqual({ at, teacher, pip, leftBar });
    }
  });

  it('mixes the teacher at full level throughout and the classroom only 8–16 s', async () => {
    const rate = 48_000;
    const samples = await decodeMono(mp4, rate);
    expect(samples.length / rate).toBeCloseTo(LESSON_MS / 1000, 1);
    // Each second, leaving 50 ms at both ends for the joints.
    const level = (frequency: number, second: number) => toneAmplitude(samples, rate, frequency, Math.round((second + 0.05) * rate), Math.round((second + 0.95) * rate));
    for (let second = 0; second < LESSON_MS / 1000; second++) {
      const teacherSpeaks = second < 5 || second >= 7;
      const classroomHeard = second >= 8 && second < 16;
      // lavfi's sine is 1/8 of full scale.
      if (teacherSpeaks) expect({ second, teacher: level(1000, second) }).toEqual({ second, teacher: expect.closeTo(0.125, 1) });
      else expect({ second, teacher: level(1000, second) < 0.005 }).toEqual({ second, teacher: true });
      if (classroomHeard) expect({ second, classroom: level(440, second) }).toEqual({ second, classroom: expect.closeTo(0.125, 1) });
      else expect({ second, classroom: level(440, second) < 0.005 }).toEqual({ second, classroom: true });
    }
    // To the 10 ms: heard from the floor's start to its end, not as its microphone comes on at 6 s.
    const classroom = (from: number) => toneAmplitude(samples, rate, 440, Math.round(from * rate), Math.round((from + 0.1) * rate));
    expect([6, 7.9, 8, 15.9, 16.01].map((from) => ({ from, heard: classroom(from) > 0.08, silent: classroom(from) < 0.005 }))).toEqual([
      { from: 6, heard: false, silent: true },
      { from: 7.9, heard: false, silent: true },
      { from: 8, heard: true, silent: false },
      { from: 15.9, heard: true, silent: false },
      { from: 16.01, heard: false, silent: true },
    ]);
  });

  it('joins the segments seamlessly: tones run on across the window joint', async () => {
    const rate = 48_000;
    const samples = await decodeMono(mp4, rate);
    // 10 ms stretches from 50 ms before to 50 ms after the joint (the AAC splice is at 10.0053 s).
    for (let start = 9.95; start < 10.05; start += 0.01) {
      const from = Math.round(start * rate);
      const residual = sineFitResidual(samples, rate, [1000, 440], from, from + rate / 100);
      expect({ at: start.toFixed(2), clean: residual < 0.005 }).toEqual({ at: start.toFixed(2), clean: true });
    }
  });

  it('joins segments whose bounds fall between video frames without drift', async () => {
    const bounds = [0, 1_234, 2_500];
    const files: string[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const segment = { startMs: bounds[i]!, endMs: bounds[i + 1]!, main: null, pips: [] };
      files.push(path.join(dir, `odd-${i}.ts`));
      await composeSegment({ ffmpeg: FFMPEG, segment, tracks: new Map([['tmic', { kind: 'audio', files: [teacherMicFile] }]]), audio: [{ trackId: 'tmic', ranges: [{ startMs: 0, endMs: 2_500 }] }], output: files[i]! });
    }
    const joined = path.join(dir, 'odd.mp4');
    await buildMp4({ ffmpeg: FFMPEG, segmentPaths: files, output: joined });
    const audio = await packetTimes(joined, 'a');
    const steps = audio.slice(1).map((time, i) => time - audio[i]!);
    expect([Math.min(...steps), Math.max(...steps)].map((step) => step.toFixed(5))).toEqual(['0.02133', '0.02133']);
    // The second segment's first frame sits at 1.234 s, where it belongs.
    const video = (await packetTimes(joined, 'v')).sort((a, b) => a - b);
    expect(video).toHaveLength(19 + 19);
    expect(video[19]).toBeCloseTo(1.234, 3);
  });

  it('composes faster than real time', () => {
    const seconds = composed.reduce((sum, { elapsedMs }) => sum + elapsedMs, 0) / 1000;
    expect(seconds).toBeLessThan(LESSON_MS / 1000);
  });

  it('makes a 320x180 JPEG thumbnail', async () => {
    const output = path.join(dir, 'thumbnail.jpg');
    await makeThumbnail({ ffmpeg: FFMPEG, input: mp4, atSeconds: 12, output });
    const bytes = await readFile(output);
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    const { streams } = await probe(output);
    expect([streams[0]!.width, streams[0]!.height]).toEqual([320, 180]);
    expect(colourName(await averageColour(output, 0, { x: 250, y: 140, width: 40, height: 20 }))).toBe('red');
  });
});

function colourName([r, g, b]: [number, number, number]): string {
  // #1b1f24, give or take the encoding.
  if (Math.abs(r - 0x1b) < 8 && Math.abs(g - 0x1f) < 8 && Math.abs(b - 0x24) < 8) return 'background';
  if (r > 200 && g > 200 && b > 200) return 'white';
  if (r > 180 && g < 80 && b < 80) return 'red';
  if (g > 180 && r < 80 && b < 80) return 'green';
  if (b > 180 && r < 80 && g < 80) return 'blue';
  return `rgb(${r}, ${g}, ${b})`;
}

describe('runFfmpeg', () => {
  const testSource = (seconds: number, realtime = false) => [...(realtime ? ['-re'] : []), '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:d=${seconds}`];

  it('reports progress as it encodes', async () => {
    const reports: FfmpegProgress[] = [];
    const { elapsedMs } = await runFfmpeg(FFMPEG, [...testSource(2), '-f', 'null', '-'], { onProgress: (p) => reports.push(p) });
    expect(elapsedMs).toBeGreaterThan(0);
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.at(-1)!.outTimeMs).toBeGreaterThan(1_900);
    expect(reports.at(-1)!.outTimeMs).toBeLessThanOrEqual(2_000);
  });

  it('keeps the last 40 lines of what ffmpeg says', async () => {
    // showinfo logs a line per frame: 50 of them.
    const { stderrTail } = await runFfmpeg(FFMPEG, [...testSource(2), '-vf', 'showinfo', '-f', 'null', '-'], { niceness: 5 });
    const lines = stderrTail.split('\n');
    expect(lines).toHaveLength(40);
    expect(stderrTail).toMatch(/n:\s*49 /);
    expect(stderrTail).not.toMatch(/n:\s*0 /);
  });

  it('rejects with the exit code and what ffmpeg said', async () => {
    const error = await runFfmpeg(FFMPEG, ['-i', '/nonexistent/capture.webm', '-f', 'null', '-']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegError);
    expect(error).toMatchObject({ failure: 'exit', exitCode: 1, stderrTail: expect.stringContaining('No such file or directory') });
    expect((error as Error).message).toContain('/nonexistent/capture.webm');
  });

  it('kills ffmpeg when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const running = runFfmpeg(FFMPEG, [...testSource(60, true), '-f', 'null', '-'], { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(running).rejects.toMatchObject({ failure: 'aborted', exitCode: null });
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(runFfmpeg(FFMPEG, ['-version'], { signal: controller.signal })).rejects.toMatchObject({ failure: 'aborted' });
  });

  it('kills ffmpeg on timeout', async () => {
    const started = Date.now();
    await expect(runFfmpeg(FFMPEG, [...testSource(60, true), '-f', 'null', '-'], { timeoutMs: 300 })).rejects.toMatchObject({ failure: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('says so when the binary cannot be run', async () => {
    await expect(runFfmpeg('/nonexistent/ffmpeg', ['-version'])).rejects.toMatchObject({ failure: 'spawn' });
  });
});
