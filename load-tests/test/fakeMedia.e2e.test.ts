import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage } from '../src/harness/browser.js';
import {
  CLASSROOM_TONE_HZ,
  DEFAULT_FAKE_AUDIO_RATE,
  RAW_CAPTURE_AUDIO_RATE,
  analyzeMedia,
  defaultFfmpegPath,
  fakeCaptureArgs,
  toDbfs,
  writeFakeMedia,
} from '../src/media/index.js';
import type { FakeMedia, MediaAnalysis } from '../src/media/index.js';

jest.setTimeout(120_000);

const RECORD_MS = 12_000;

/**
 * Chromium plays our files as its camera and microphone, a page records them with
 * MediaRecorder, and the analyzer must find the known pattern in the WebM. What it
 * measures between flash and beep is the source's own skew: recordings made through
 * the SFU are to be compared against it, not against 0.
 */
describe('fake media in Chromium', () => {
  let dir: string;
  let server: http.Server;
  let origin: string;
  const browsers: Browser[] = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fake-media-'));
    // getUserMedia needs a secure context: about:blank is not one, http://127.0.0.1 is.
    server = http.createServer((_req, res) => res.end('<!doctype html><title>recorder</title>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await new Promise((resolve) => server?.close(resolve));
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  /** A browser whose camera and microphone are `media` (the flags are per browser). */
  async function browserWith(media: FakeMedia): Promise<Browser> {
    const browser = await launchBrowser(fakeCaptureArgs(media));
    browsers.push(browser);
    return browser;
  }

  /** Records camera + microphone for RECORD_MS in a page, saves the WebM and analyzes it. */
  async function recordAndAnalyze(browser: Browser, audio: MediaTrackConstraints | true, media: FakeMedia, name: string) {
    const page = await openPage(browser, origin);
    const recorded = await page.evaluate(
      async ({ audio, ms }) => {
        const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio });
        const sampleRate = stream.getAudioTracks()[0]!.getSettings().sampleRate;
        const recorder = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp8,opus' });
        const chunks: Blob[] = [];
        recorder.ondataavailable = (event) => chunks.push(event.data);
        const stopped = new Promise((resolve) => (recorder.onstop = resolve));
        recorder.start(1000);
        await new Promise((resolve) => setTimeout(resolve, ms));
        recorder.stop();
        await stopped;
        stream.getTracks().forEach((track) => track.stop());
        const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
        let binary = '';
        for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return { sampleRate, base64: btoa(binary) };
      },
      { audio, ms: RECORD_MS },
    );
    // Close it: here, a later page recorded an empty WebM while an earlier one still captured.
    await page.context().close();
    const file = path.join(dir, `${name}.webm`);
    await fs.writeFile(file, Buffer.from(recorded.base64, 'base64'));
    const analysis = await analyzeMedia(defaultFfmpegPath, file, { pattern: media.events, loopS: media.loopS });
    return { sampleRate: recorded.sampleRate, analysis };
  }

  function expectPatternFound(analysis: MediaAnalysis, fps: number) {
    // 12 s from an arbitrary phase of a 10 s loop of 8 events: 9 to 11 of them.
    expect(analysis.video.flashes.length).toBeGreaterThanOrEqual(9);
    expect(analysis.audio.beeps.length).toBeGreaterThanOrEqual(9);
    // The recorder stamps video frames when Chromium captures them: on a busy machine a frame can
    // be captured one frame period late, never more. Audio samples carry their own clock.
    const framePeriodMs = 1000 / fps;
    for (const [track, fit, bound] of [
      ['video', analysis.pattern!.video, framePeriodMs],
      ['audio', analysis.pattern!.audio, 20],
    ] as const) {
      expect({ track, unexpected: fit.unexpected, missing: fit.missing }).toEqual({ track, unexpected: [], missing: [] });
      expect(fit.fitted).toBeGreaterThanOrEqual(9);
      expect({ track, maxResidualMs: fit.maxResidualMs, under: fit.maxResidualMs < bound }).toEqual({ track, maxResidualMs: fit.maxResidualMs, under: true });
    }
    expect(analysis.syncOffsetsMs).toHaveLength(analysis.audio.beeps.length);
    // The same skew loop after loop (the two files loop at exactly the same length), give or take
    // a late-captured frame.
    expect(Math.max(...analysis.syncOffsetsMs) - Math.min(...analysis.syncOffsetsMs)).toBeLessThan(framePeriodMs + 20);
    expect(Math.abs(analysis.medianOffsetMs)).toBeLessThan(200);
  }

  const report = (label: string, analysis: MediaAnalysis) =>
    process.stdout.write(
      `[fake media] ${label}: beep − flash median ${analysis.medianOffsetMs.toFixed(1)} ms, ` +
        `range ${Math.min(...analysis.syncOffsetsMs).toFixed(1)}..${Math.max(...analysis.syncOffsetsMs).toFixed(1)} ms over ${analysis.syncOffsetsMs.length} pairs\n`,
    );

  it('teacher, captured as the SDK does (audio processing on, 48 kHz): the pattern and a steady source skew', async () => {
    const media = await writeFakeMedia(dir, { kind: 'teacher' });
    const { sampleRate, analysis } = await recordAndAnalyze(await browserWith(media), true, media, 'teacher-processed');
    expect(sampleRate).toBe(DEFAULT_FAKE_AUDIO_RATE); // else the WAV is resampled and drifts
    report('teacher, processing on', analysis);
    expectPatternFound(analysis, media.fps);
  });

  it('teacher, raw capture as in music mode (processing off, 44.1 kHz): the pattern and a steady source skew', async () => {
    const rawDir = await fs.mkdtemp(path.join(dir, 'raw-'));
    const media = await writeFakeMedia(rawDir, { kind: 'teacher', audioRate: RAW_CAPTURE_AUDIO_RATE });
    const raw = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
    const { sampleRate, analysis } = await recordAndAnalyze(await browserWith(media), raw, media, 'teacher-raw');
    expect(sampleRate).toBe(RAW_CAPTURE_AUDIO_RATE);
    report('teacher, processing off', analysis);
    expectPatternFound(analysis, media.fps);
  });

  it('classroom: no flashes or beeps, and the 440 Hz tone survives noise suppression', async () => {
    const classroomDir = await fs.mkdtemp(path.join(dir, 'classroom-'));
    const media = await writeFakeMedia(classroomDir, { kind: 'classroom' });
    const { analysis } = await recordAndAnalyze(await browserWith(media), true, media, 'classroom');
    expect(analysis.video.flashes).toEqual([]);
    expect(analysis.audio.beeps).toEqual([]);
    const levels = analysis.audio.toneLevelPerSecond(CLASSROOM_TONE_HZ);
    process.stdout.write(`[fake media] classroom 440 Hz dBFS per second: ${levels.map((l) => toDbfs(l).toFixed(0)).join(' ')}\n`);
    expect(levels.length).toBeGreaterThanOrEqual(11);
    // Noise suppression pulls the steady tone from −14 to about −33 dBFS; silence reads −120.
    for (const level of levels) expect(toDbfs(level)).toBeGreaterThan(-45);
  });
});
