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

/** Word error rate (the load tests' measure, so tests and benchmarks count alike). */
export { wordErrorRate } from '@classbridge/load-tests';

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

/**
 * Sends samples as Opus RTP (48 kHz stereo 20 ms frames, as Chromium sends them) to a UDP port
 * on loopback, at real-time pace. Returns when the last packet is sent.
 */
export async function sendOpusRtp(samples: Float32Array, port: number, payloadType = 111, { dtx = false }: { dtx?: boolean } = {}): Promise<void> {
  const { createSocket } = await import('node:dgram');
  const { default: OpusScript } = await import('opusscript');
  const encoder = new OpusScript(48_000, 2, OpusScript.Application.VOIP);
  const socket = createSocket('udp4');
  const ssrc = 0x1234abcd;
  const start = Date.now();
  let quietFrames = 0;
  try {
    for (let frame = 0; frame * 320 < samples.length; frame++) {
      // Opus DTX as Chromium does it: after 200 ms of silence, one frame per 400 ms.
      const silent = samples.subarray(frame * 320, frame * 320 + 320).every((v) => Math.abs(v) < 1e-4);
      quietFrames = silent ? quietFrames + 1 : 0;
      const skip = dtx && quietFrames > 10 && quietFrames % 20 !== 0;
      const pcm = Buffer.alloc(960 * 4);
      for (let i = 0; i < 960; i++) {
        // 16 kHz source, 48 kHz frame: each sample three times (the test speech is band-limited anyway).
        const v = Math.round((samples[frame * 320 + Math.floor(i / 3)] ?? 0) * 32767);
        pcm.writeInt16LE(v, i * 4);
        pcm.writeInt16LE(v, i * 4 + 2);
      }
      const payload = Buffer.from(encoder.encode(pcm, 960));
      const header = Buffer.alloc(12);
      header[0] = 0x80;
      header[1] = payloadType;
      header.writeUInt16BE(frame & 0xffff, 2);
      header.writeUInt32BE((frame * 960) >>> 0, 4);
      header.writeUInt32BE(ssrc, 8);
      if (!skip) socket.send(Buffer.concat([header, payload]), port, '127.0.0.1');
      const due = start + (frame + 1) * 20 - Date.now();
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    }
  } finally {
    encoder.delete();
    socket.close();
  }
}
