import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BEEP_AMPLITUDE,
  BEEP_HZ,
  CLASSROOM_TONE_AMPLITUDE,
  CLASSROOM_TONE_HZ,
  DEFAULT_FAKE_AUDIO_RATE,
  LOOP_S,
  SYNC_PATTERN_S,
  Y4M_FRAME_MARKER,
  decodeWav,
  detectFlashes,
  detectToneOnsets,
  encodeWav,
  expandPattern,
  fakeCaptureArgs,
  fitPattern,
  goertzelPower,
  i420Size,
  pairOffsetsMs,
  quantizeToFrames,
  teacherAudio,
  toDbfs,
  toneLevelPerSecond,
  writeFakeMedia,
  y4mHeader,
} from '../src/media/index.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fake-media-unit-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Splits a Y4M file into its header and the luma planes of its frames. */
async function readY4m(file: string) {
  const bytes = await fs.readFile(file);
  const headerEnd = bytes.indexOf(0x0a) + 1;
  const header = bytes.subarray(0, headerEnd).toString('ascii');
  const [, w, h] = /W(\d+) H(\d+)/.exec(header)!;
  const width = Number(w);
  const height = Number(h);
  const frameBytes = Y4M_FRAME_MARKER.length + i420Size(width, height);
  expect((bytes.length - headerEnd) % frameBytes).toBe(0);
  const frames: { marker: string; y: Buffer; u: Buffer }[] = [];
  for (let at = headerEnd; at < bytes.length; at += frameBytes) {
    const pixels = at + Y4M_FRAME_MARKER.length;
    frames.push({
      marker: bytes.subarray(at, pixels).toString('ascii'),
      y: bytes.subarray(pixels, pixels + width * height),
      u: bytes.subarray(pixels + width * height, pixels + (width * height * 5) / 4),
    });
  }
  return { header, frames };
}

const mean = (values: Uint8Array) => values.reduce((a, b) => a + b, 0) / values.length;
const sine = (n: number, rate: number, freq: number, amplitude: number, start = 0) =>
  Float32Array.from({ length: n }, (_, i) => (i >= start ? amplitude * Math.sin((2 * Math.PI * freq * (i - start)) / rate) : 0));

describe('sync pattern', () => {
  it('is irregular: no other phase of the loop lines up more than 3 of its 8 instants', () => {
    const gaps = SYNC_PATTERN_S.map((t, i) => ((SYNC_PATTERN_S[i + 1] ?? SYNC_PATTERN_S[0]! + LOOP_S) - t));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0.8 - 1e-9); // nearest-flash pairing is safe up to ±400 ms
    for (let shift = 0.2; shift < LOOP_S - 0.1; shift += 0.2) {
      const shifted = SYNC_PATTERN_S.map((t) => (t + shift) % LOOP_S);
      const coinciding = shifted.filter((s) => SYNC_PATTERN_S.some((t) => Math.abs(t - s) < 0.1)).length;
      expect(coinciding).toBeLessThanOrEqual(3);
    }
  });

  it('snaps to frame starts and expands over loops', () => {
    expect(quantizeToFrames([0.7, 1.9], 15)).toEqual([11 / 15, 29 / 15]);
    expect(quantizeToFrames(SYNC_PATTERN_S, 15)).toEqual(SYNC_PATTERN_S.map((t) => Math.round(t * 15) / 15));
    expect(expandPattern([1, 3], 10, 0.5, 0, 25)).toEqual([1.5, 3.5, 11.5, 13.5, 21.5, 23.5]);
    expect(expandPattern([1, 3], 10, 0.5, 12, 14)).toEqual([13.5]);
  });

  it('fits an hour of instants quickly', () => {
    const hour = expandPattern(SYNC_PATTERN_S, LOOP_S, 7.1, 0, 3600);
    const started = Date.now();
    const fit = fitPattern(hour, SYNC_PATTERN_S, { spanS: [0, 3600] });
    // ~0.1 s in plain Node, ~2 s under jest's VM; fitting every pair against every pair took minutes.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(fit.phaseS).toBeCloseTo(7.1, 3);
    expect(fit.fitted).toBe(hour.length);
  });

  it('fits the loop phase, and names spurious and lost instants', () => {
    const detected = expandPattern(SYNC_PATTERN_S, LOOP_S, 3.3, 0, 22).map((t, i) => t + (i % 2 ? 0.004 : -0.004));
    const fit = fitPattern(detected, SYNC_PATTERN_S, { spanS: [0, 22] });
    expect(fit.phaseS).toBeCloseTo(3.3, 2);
    expect(fit.fitted).toBe(detected.length);
    expect(fit.unexpected).toEqual([]);
    expect(fit.missing).toEqual([]);
    expect(fit.maxResidualMs).toBeCloseTo(4, 0);

    const lost = detected[5]!;
    const damaged = [...detected.filter((t) => t !== lost), 6.5].sort((a, b) => a - b);
    const refit = fitPattern(damaged, SYNC_PATTERN_S, { spanS: [0, 22] });
    expect(refit.phaseS).toBeCloseTo(3.3, 2);
    expect(refit.unexpected).toEqual([6.5]);
    expect(refit.missing).toHaveLength(1);
    expect(refit.missing[0]).toBeCloseTo(lost, 1);
  });
});

describe('Y4M writer', () => {
  it('writes the header Chromium parses and one frame fewer than the loop', async () => {
    expect(y4mHeader(640, 360, 15)).toBe('YUV4MPEG2 W640 H360 F15:1 Ip A1:1 C420jpeg\n');
    expect(() => y4mHeader(641, 360, 15)).toThrow(/even/);
    expect(() => y4mHeader(640, 360, 29.97)).toThrow(/integer/);
    const media = await writeFakeMedia(dir, { kind: 'teacher', width: 64, height: 36 });
    const { header, frames } = await readY4m(media.videoPath);
    expect(header).toBe('YUV4MPEG2 W64 H36 F15:1 Ip A1:1 C420jpeg\n');
    // Chromium shows frame 0 twice at each rewind: that repeat is the loop's 150th frame.
    expect(frames).toHaveLength(LOOP_S * 15 - 1);
    expect(media.y4mFrames).toBe(frames.length);
    expect(frames.every((f) => f.marker === 'FRAME\n')).toBe(true);
    expect((await fs.stat(media.videoPath)).size).toBe(header.length + frames.length * (6 + 64 * 36 * 1.5));
  });

  it('flashes the whole teacher frame white for exactly two frames at each event, dark grey otherwise', async () => {
    const media = await writeFakeMedia(dir, { kind: 'teacher', width: 64, height: 36 });
    expect(media.events).toEqual([...SYNC_PATTERN_S]);
    const { frames } = await readY4m(media.videoPath);
    const flashFrames = new Set(media.events.flatMap((t) => [Math.round(t * 15), Math.round(t * 15) + 1]));
    expect(flashFrames.size).toBe(16);
    frames.forEach((frame, i) => {
      if (flashFrames.has(i)) {
        expect(frame.y.every((v) => v === 235)).toBe(true);
      } else {
        expect(frame.y.filter((v) => v === 40).length).toBeGreaterThan(frame.y.length * 0.95);
        expect(frame.y.some((v) => v === 200)).toBe(true); // the moving square
      }
    });
    // The square moves.
    expect(frames[1]!.y.indexOf(200)).not.toBe(frames[60]!.y.indexOf(200));
  });

  it('paints the classroom blue with a moving bar and never flashes', async () => {
    const media = await writeFakeMedia(dir, { kind: 'classroom', width: 64, height: 36 });
    expect(media.events).toEqual([]);
    const { frames } = await readY4m(media.videoPath);
    expect(frames).toHaveLength(149);
    for (const frame of frames) {
      expect(mean(frame.y)).toBeLessThan(110);
      expect(mean(frame.u)).toBeGreaterThan(170); // blue: Cb well above neutral
    }
    expect(frames[0]!.y.indexOf(210)).not.toBe(frames[100]!.y.indexOf(210));
  });

  it('refuses loops the two files cannot both repeat exactly', async () => {
    await expect(writeFakeMedia(dir, { kind: 'teacher', durationS: 10.05 })).rejects.toThrow(/whole number/);
    await expect(writeFakeMedia(dir, { kind: 'teacher', pattern: [9.9] })).rejects.toThrow(/does not fit/);
    await expect(writeFakeMedia(path.join(dir, '50%'), { kind: 'teacher' })).rejects.toThrow(/%/);
  });
});

describe('WAV writer', () => {
  it('writes a 16-bit PCM header and reads back what it wrote', () => {
    const samples = Float32Array.from([0, 0.5, -0.5, 1, -1, 2]);
    const file = encodeWav(samples, 48_000, 2);
    expect(file.toString('ascii', 0, 4)).toBe('RIFF');
    expect(file.readUInt32LE(4)).toBe(file.length - 8);
    expect(file.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(file.readUInt16LE(20)).toBe(1); // PCM
    expect(file.readUInt16LE(22)).toBe(2);
    expect(file.readUInt32LE(24)).toBe(48_000);
    expect(file.readUInt32LE(28)).toBe(48_000 * 4);
    expect(file.readUInt16LE(32)).toBe(4);
    expect(file.toString('ascii', 36, 40)).toBe('data');
    expect(file.readUInt32LE(40)).toBe(samples.length * 4);
    expect(file.readInt16LE(44 + 4 * 5)).toBe(32767); // clipped
    const back = decodeWav(file);
    expect(back.channels).toBe(2);
    expect(Array.from(back.samples).map((s) => Math.round(s * 100) / 100)).toEqual([0, 0.5, -0.5, 1, -1, 1]);
  });

  it('beeps at 1 kHz for 100 ms starting exactly on each event sample, silent elsewhere', async () => {
    const media = await writeFakeMedia(dir, { kind: 'teacher', width: 64, height: 36 });
    const wav = decodeWav(await fs.readFile(media.audioPath));
    expect(wav.sampleRate).toBe(DEFAULT_FAKE_AUDIO_RATE);
    expect(wav.channels).toBe(1);
    expect(wav.samples).toHaveLength(LOOP_S * DEFAULT_FAKE_AUDIO_RATE);
    const rate = wav.sampleRate;
    const beepLength = 0.1 * rate;
    const inBeep = new Uint8Array(wav.samples.length);
    for (const t of media.events) {
      const start = Math.round(t * rate);
      inBeep.fill(1, start, start + beepLength);
      // Sine phase 0: sample `start` is 0, the next one is already rising.
      expect(wav.samples[start - 1]).toBe(0);
      expect(wav.samples[start]).toBe(0);
      expect(wav.samples[start + 1]!).toBeGreaterThan(0.03);
      const burst = wav.samples.subarray(start, start + beepLength);
      expect(Math.sqrt(goertzelPower(burst, rate, BEEP_HZ))).toBeCloseTo(BEEP_AMPLITUDE, 2);
    }
    wav.samples.forEach((s, i) => {
      if (!inBeep[i] && s !== 0) throw new Error(`sound outside a beep at sample ${i}`);
    });
  });

  it('plays the classroom tone at 440 Hz, −14 dBFS, with whole cycles per loop', async () => {
    const media = await writeFakeMedia(dir, { kind: 'classroom', width: 64, height: 36 });
    const wav = decodeWav(await fs.readFile(media.audioPath));
    expect(Math.sqrt(goertzelPower(wav.samples, wav.sampleRate, CLASSROOM_TONE_HZ))).toBeCloseTo(CLASSROOM_TONE_AMPLITUDE, 3);
    // Seamless rewind: the sample after the last one would be the first again.
    expect(Math.abs(wav.samples.at(-1)! - (wav.samples[0]! - (wav.samples[1]! - wav.samples[0]!)))).toBeLessThan(1e-3);
  });

  it('makes the Chromium flags, looping (no %noloop)', () => {
    expect(fakeCaptureArgs({ videoPath: '/m/t.y4m', audioPath: '/m/t.wav' })).toEqual([
      '--use-file-for-fake-video-capture=/m/t.y4m',
      '--use-file-for-fake-audio-capture=/m/t.wav',
    ]);
  });
});

describe('Goertzel and the detectors', () => {
  it('gives A² for a sine of amplitude A at its frequency and next to nothing elsewhere', () => {
    const tone = sine(16_000, 16_000, 1000, 0.5);
    expect(goertzelPower(tone, 16_000, 1000)).toBeCloseTo(0.25, 4);
    expect(goertzelPower(tone, 16_000, 440)).toBeLessThan(1e-6);
    // Not a whole number of cycles in the window: still close.
    expect(goertzelPower(sine(1000, 16_000, 440, 0.2), 16_000, 440)).toBeCloseTo(0.04, 2);
    expect(goertzelPower([], 16_000, 440)).toBe(0);
  });

  it('gives a tone level per second, linear, and dBFS on demand', () => {
    const rate = 8000;
    const signal = new Float32Array(3.5 * rate);
    signal.set(sine(rate, rate, 440, 0.2), rate); // the tone only in second 1
    const levels = toneLevelPerSecond(signal, rate, 440);
    expect(levels).toHaveLength(3); // whole seconds only
    expect(levels[0]).toBe(0);
    expect(levels[1]).toBeCloseTo(0.2, 3);
    expect(levels[2]).toBe(0);
    expect(toDbfs(levels[1]!)).toBeCloseTo(-14, 0);
    expect(toDbfs(0)).toBe(-120);
  });

  it('places beep onsets within a millisecond, even over a 440 Hz tone', () => {
    const rate = 16_000;
    const truth = [0.6, 1.8, 2.6037, 4.2011];
    const signal = teacherAudio(5 * rate, truth, rate);
    const bed = sine(signal.length, rate, 440, 0.2);
    for (const mix of [signal, signal.map((s, i) => s + bed[i]!)]) {
      const onsets = detectToneOnsets(mix, rate, 1000);
      expect(onsets).toHaveLength(truth.length);
      onsets.forEach((t, i) => expect(Math.abs(t - truth[i]!)).toBeLessThan(0.001));
    }
    expect(detectToneOnsets(bed, rate, 1000)).toEqual([]); // the tone alone is no beep
    expect(detectToneOnsets(new Float32Array(rate), rate, 1000)).toEqual([]);
  });

  it('finds flash onsets as the first bright frame, also when a flash lifts only part of the picture', () => {
    const times = Array.from({ length: 40 }, (_, i) => i / 10);
    const luma = times.map((_, i) => (i === 5 || i === 6 || i === 30 ? 255 : 30 + (i % 3)));
    expect(detectFlashes(times, luma)).toEqual([0.5, 3.0]);
    const tile = luma.map((l) => 30 + (l - 30) / 4); // teacher in a quarter of a composed picture
    expect(detectFlashes(times, tile)).toEqual([0.5, 3.0]);
    expect(detectFlashes(times, times.map((_, i) => 80 + (i % 5)))).toEqual([]); // the classroom's moving bar is no flash
  });

  it('pairs each beep with the nearest flash within the window', () => {
    expect(pairOffsetsMs([1, 2, 5], [1.05, 1.9, 3.5], 400).map((x) => Math.round(x))).toEqual([50, -100]);
    expect(pairOffsetsMs([1], [1.5], 400)).toEqual([]);
  });
});
