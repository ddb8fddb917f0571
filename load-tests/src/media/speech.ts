import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SdkPage } from '../harness/sdkPage.js';
import { writeWav } from './wav.js';
import { RAW_CAPTURE_AUDIO_RATE } from './fakeMedia.js';

/** Sentences a teacher says in caption tests and benchmarks (flite speaks them; pocketsphinx hears them well). */
export const TEACHER_SENTENCES = [
  'Today we learn how to add two fractions with the same denominator.',
  'Please open your books to page twelve.',
  'Can everyone in the classroom hear me clearly?',
];

/** What a remote classroom says when it holds the floor. */
export const CLASSROOM_SENTENCES = ['We can hear you very well teacher.', 'The answer is three quarters.'];

export interface SpeechFile {
  path: string;
  sampleRate: number;
  /** Length of the file: Chromium loops it. */
  loopS: number;
  /** Each sentence's place within one loop (s). */
  spans: Array<{ text: string; startS: number; endS: number }>;
}

/**
 * Writes `sentences` spoken by Debian's flite (voice rms, 16 kHz) with `pauseS` of silence before
 * each and after the last, resampled by ffmpeg to `sampleRate` (the rate Chromium captures at with
 * processing off, as publishWatchedMicrophone publishes): a file for --use-file-for-fake-audio-capture.
 */
export async function writeSpeechWav(file: string, sentences: readonly string[], { pauseS = 1.5, sampleRate = RAW_CAPTURE_AUDIO_RATE } = {}): Promise<SpeechFile> {
  const parts = sentences.map((text) => ({ text, samples: flite(text, sampleRate) }));
  const pause = Math.round(pauseS * sampleRate);
  const total = pause + parts.reduce((sum, part) => sum + part.samples.length + pause, 0);
  const samples = new Float32Array(total);
  const spans: SpeechFile['spans'] = [];
  let at = pause;
  for (const part of parts) {
    const { first, last } = voiced(part.samples);
    samples.set(part.samples, at);
    spans.push({ text: part.text, startS: (at + first) / sampleRate, endS: (at + last) / sampleRate });
    at += part.samples.length + pause;
  }
  await writeWav(file, samples, sampleRate);
  return { path: file, sampleRate, loopS: total / sampleRate, spans };
}

function flite(text: string, sampleRate: number): Float32Array {
  const dir = mkdtempSync(path.join(tmpdir(), 'classbridge-flite-'));
  try {
    const wav = path.join(dir, 'speech.wav');
    execFileSync('flite', ['-voice', 'rms', '-t', text, '-o', wav]);
    const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', wav, '-ac', '1', '-ar', String(sampleRate), '-f', 's16le', '-'], { maxBuffer: 64 << 20 });
    const samples = new Float32Array(pcm.length / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2) / 32768;
    return samples;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** First and last sample above a speech level (flite pads its output with a little silence). */
function voiced(samples: Float32Array): { first: number; last: number } {
  const level = 0.02;
  let first = 0;
  while (first < samples.length && Math.abs(samples[first]!) < level) first++;
  let last = samples.length - 1;
  while (last > first && Math.abs(samples[last]!) < level) last--;
  return { first, last };
}

/** A stretch of speech a page's own microphone captured: wall-clock ms (the page's Date.now()). */
export interface CapturedSpeech {
  startMs: number;
  endMs: number | null;
}

/**
 * Publishes the page's microphone (its fake capture file: browser audio processing off, as
 * flite speech needs none) and times the speech it captures: an analyser on the local track marks
 * when the level rises above speech and when it has stayed below for 300 ms (pauses between words
 * do not split a sentence). Read with `capturedSpeech`. These are the known speech times captions
 * are measured against, on the capture clock the browser's RTCP sender reports carry.
 */
export async function publishWatchedMicrophone(page: SdkPage): Promise<void> {
  await page.run(`
    const track = await client.publishMicrophone({ echoCancellation: false, noiseSuppression: false, autoGainControl: false });
    const context = new AudioContext();
    await context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 256;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const buffer = new Float32Array(analyser.fftSize);
    const spans = (window.__cbSpeech = []);
    let quietSince = null;
    setInterval(() => {
      analyser.getFloatTimeDomainData(buffer);
      let sum = 0;
      for (const x of buffer) sum += x * x;
      const rms = Math.sqrt(sum / buffer.length);
      const now = Date.now();
      const open = spans.at(-1)?.endMs === null;
      if (rms > 0.01) {
        quietSince = null;
        // The window ends now: the rise happened during it.
        if (!open) spans.push({ startMs: now - (buffer.length / context.sampleRate) * 1000, endMs: null });
      } else if (open) {
        quietSince ??= now;
        if (now - quietSince > 300) spans.at(-1).endMs = quietSince;
      }
    }, 5);
    window.__cbSpeechContext = context;
  `);
}

export async function capturedSpeech(page: SdkPage): Promise<CapturedSpeech[]> {
  return page.run<CapturedSpeech[]>('return window.__cbSpeech ?? [];');
}
