import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * English speech from Debian's flite, as 16 kHz mono float samples, with `silenceBeforeS` and
 * `silenceAfterS` of silence around it. Returns the samples and where the speech is (seconds).
 */
export function fliteSpeech(text: string, silenceBeforeS = 1, silenceAfterS = 1): { samples: Float32Array; speechStartS: number; speechEndS: number } {
  const dir = mkdtempSync(join(tmpdir(), 'classbridge-speech-'));
  try {
    const wav = join(dir, 'speech.wav');
    // rms: a 16 kHz voice pocketsphinx hears well (the default kal is 8 kHz and much harder).
    execFileSync('flite', ['-voice', 'rms', '-t', text, '-o', wav]);
    const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', wav, '-ac', '1', '-ar', '16000', '-f', 's16le', '-'], { maxBuffer: 64 << 20 });
    const speech = new Float32Array(pcm.length / 2);
    for (let i = 0; i < speech.length; i++) speech[i] = pcm.readInt16LE(i * 2) / 32768;
    const before = Math.round(silenceBeforeS * 16_000);
    const samples = new Float32Array(before + speech.length + Math.round(silenceAfterS * 16_000));
    samples.set(speech, before);
    return { samples, speechStartS: silenceBeforeS + firstLoud(speech) / 16_000, speechEndS: silenceBeforeS + lastLoud(speech) / 16_000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const LOUD = 0.02;
const firstLoud = (s: Float32Array) => s.findIndex((v) => Math.abs(v) > LOUD);
const lastLoud = (s: Float32Array) => s.findLastIndex((v) => Math.abs(v) > LOUD);

/** 16 kHz mono s16le bytes of float samples. */
export function toPcm16(samples: Float32Array): Buffer {
  const pcm = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767))), i * 2);
  return pcm;
}

/** Word error rate: word-level edit distance over the reference's word count (case and punctuation ignored). */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const words = (text: string) => text.toLowerCase().replace(/[^a-z' ]/g, ' ').split(/\s+/).filter(Boolean);
  const ref = words(reference);
  const hyp = words(hypothesis);
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[hyp.length]! / Math.max(1, ref.length);
}

/** Test sentences a teacher might say (flite speaks them; pocketsphinx's general en-us model hears them). */
export const LESSON_SENTENCES = [
  'Today we learn how to add two fractions with the same denominator.',
  'Please open your books to page twelve.',
  'The sun rises in the east and sets in the west.',
  'Can everyone in the classroom hear me clearly?',
];

/** Sentences one after another with pauses: the samples and each sentence's known speech span (s). */
export function fliteLesson(sentences: string[], pauseS = 1.2): { samples: Float32Array; spans: Array<{ text: string; startS: number; endS: number }> } {
  const parts = sentences.map((text) => ({ text, ...fliteSpeech(text, 0, 0) }));
  const pause = Math.round(pauseS * 16_000);
  const total = pause + parts.reduce((sum, p) => sum + p.samples.length + pause, 0);
  const samples = new Float32Array(total);
  const spans: Array<{ text: string; startS: number; endS: number }> = [];
  let at = pause;
  for (const part of parts) {
    samples.set(part.samples, at);
    spans.push({ text: part.text, startS: at / 16_000 + part.speechStartS, endS: at / 16_000 + part.speechEndS });
    at += part.samples.length + pause;
  }
  return { samples, spans };
}
