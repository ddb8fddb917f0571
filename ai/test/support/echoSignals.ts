import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EchoDetector } from '../../src/echo/EchoDetector.js';
import type { EchoState, EchoVerdict } from '../../src/echo/EchoVerdict.js';
import { fliteSpeech } from './speech.js';

/**
 * Test signals for the echo guard: a teacher's lesson (flite's rms voice, as the other speech
 * tests use), classroom voices (flite's slt and awb), loudspeaker-to-microphone echo paths, room
 * noise, and a feeder that hands both streams to an EchoDetector in chunks, out of step, as the
 * server's media taps would.
 */

// Bound once: under jest every lookup of the global `Math` goes through the sandbox's global
// object and costs ~0.2 µs, which per sample would dominate the tests' run time.
const { abs, cos, imul, log, max, min, PI, round, sqrt } = Math;

export const RATE = 16_000;
/** Capture times in the tests are on a realistic wall clock (ms since the epoch). */
export const EPOCH_MS = 1_760_000_000_000;

export const TEACHER_SENTENCES = [
  'Today we learn how to add two fractions with the same denominator.',
  'Please open your books to page twelve.',
  'The sun rises in the east and sets in the west.',
  'Can everyone in the classroom hear me clearly?',
  'Water boils at one hundred degrees at sea level.',
  'Write your name at the top of the worksheet before you begin.',
  'A triangle has three sides and three corners.',
  'Plants need light, water and air to grow.',
];

export const CLASSROOM_SENTENCES = [
  'Teacher, I have a question about the second exercise.',
  'We cannot see the picture on the screen.',
  'Is the answer seven or eight?',
  'My pencil is broken, can I borrow one?',
  'The capital of France is Paris.',
  'Could you say that again more slowly please?',
  'We finished the first page already.',
  'How many legs does a spider have?',
];

/** A sentence as 16 kHz mono samples. */
export interface Clip {
  text: string;
  samples: Float32Array;
}

/** The teacher's sentences: flite's rms voice through the shared fliteSpeech helper. */
export function teacherClips(texts: readonly string[] = TEACHER_SENTENCES): Clip[] {
  return texts.map((text) => ({ text, samples: fliteSpeech(text, 0, 0).samples }));
}

/** Sentences in another flite voice (slt: female, awb: Scottish male): a classroom's voices, never a copy of the teacher's. */
export function voiceClips(texts: readonly string[], voice: 'slt' | 'awb'): Clip[] {
  return texts.map((text) => ({ text, samples: fliteVoice(text, voice) }));
}

function fliteVoice(text: string, voice: string): Float32Array {
  const dir = mkdtempSync(join(tmpdir(), 'classbridge-echo-'));
  try {
    const wav = join(dir, 'speech.wav');
    execFileSync('flite', ['-voice', voice, '-t', text, '-o', wav]);
    const pcm = execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', wav, '-ac', '1', '-ar', String(RATE), '-f', 's16le', '-'], { maxBuffer: 64 << 20 });
    const samples = new Float32Array(pcm.length / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2) / 32768;
    return samples;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Deterministic uniform numbers in [0, 1) (mulberry32), so every trial can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const uniform = (random: () => number, low: number, high: number) => low + (high - low) * random();

/** Standard normal numbers (Box–Muller). */
export function gaussian(random: () => number): number {
  return sqrt(-2 * log(1 - random())) * cos(2 * PI * random());
}

/** Where one clip sits in a track (seconds). */
export interface Span {
  text: string;
  startS: number;
  endS: number;
}

/** Clips placed at given start times on a silent track `durationS` long. */
export function place(durationS: number, placements: Array<{ clip: Clip; startS: number }>): { samples: Float32Array; spans: Span[] } {
  const samples = new Float32Array(round(durationS * RATE));
  const spans: Span[] = [];
  for (const { clip, startS } of placements) {
    const at = round(startS * RATE);
    if (at >= samples.length) continue;
    const part = clip.samples.subarray(0, max(0, samples.length - at));
    samples.set(part, at);
    spans.push({ text: clip.text, startS, endS: startS + part.length / RATE });
  }
  return { samples, spans };
}

/** Clips one after another from `leadS`, with random pauses between, until `durationS` is filled. */
export function talk(random: () => number, clips: readonly Clip[], durationS: number, options: { leadS?: number; pauseS?: [number, number] } = {}): { samples: Float32Array; spans: Span[] } {
  const [minPause, maxPause] = options.pauseS ?? [0.3, 1.0];
  const placements: Array<{ clip: Clip; startS: number }> = [];
  const order = shuffled(random, clips);
  let at = options.leadS ?? 0.5;
  for (let i = 0; at < durationS; i++) {
    const clip = order[i % order.length]!;
    placements.push({ clip, startS: at });
    at += clip.samples.length / RATE + uniform(random, minPause, maxPause);
  }
  return place(durationS, placements);
}

export function shuffled<T>(random: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Root mean square of `samples` (of its non-silent part when `activeOnly`: speech level, not diluted by pauses). */
export function rms(samples: Float32Array, activeOnly = false): number {
  let sum = 0;
  let count = 0;
  for (const v of samples) {
    if (activeOnly && abs(v) < 1e-4) continue;
    sum += v * v;
    count++;
  }
  return sqrt(sum / max(1, count));
}

export const dbToGain = (db: number) => Math.pow(10, db / 20);

/** Linear-phase windowed-sinc band-pass FIR (Hamming window), `taps` odd. */
export function bandPassFir(lowHz: number, highHz: number, taps = 129): Float32Array {
  const h = new Float32Array(taps);
  const middle = (taps - 1) / 2;
  const sinc = (x: number) => (x === 0 ? 1 : Math.sin(PI * x) / (PI * x));
  for (let i = 0; i < taps; i++) {
    const n = i - middle;
    const ideal = ((2 * highHz) / RATE) * sinc(((2 * highHz) / RATE) * n) - ((2 * lowHz) / RATE) * sinc(((2 * lowHz) / RATE) * n);
    h[i] = ideal * (0.54 - 0.46 * cos((2 * PI * i) / (taps - 1)));
  }
  return h;
}

/** `x` filtered by the linear-phase FIR `h`, its (taps − 1) / 2 delay taken back out: same length, no added delay. */
export function filterZeroPhase(x: Float32Array, h: Float32Array): Float32Array {
  const middle = (h.length - 1) / 2;
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let acc = 0;
    const from = max(0, i + middle - (x.length - 1));
    const to = min(h.length - 1, i + middle);
    for (let k = from; k <= to; k++) acc += h[k]! * x[i + middle - k]!;
    y[i] = acc;
  }
  return y;
}

/** A loudspeaker-to-microphone path: a delay, a loudspeaker's band limits, a few room reflections, and the overall level. */
export interface EchoPath {
  /** Direct-path delay (ms): how far the microphone lags the reference. */
  delayMs: number;
  /** Echo level relative to the reference (dB, the rms ratio of the echo to the reference). */
  gainDb: number;
  lowHz: number;
  highHz: number;
  /** Later copies of the direct sound (delay after the direct path, relative amplitude). */
  reflections: Array<{ afterMs: number; gain: number }>;
}

/** A plausible classroom echo path with the given delay and level: band-limited and with 2–3 reflections. */
export function randomEchoPath(random: () => number, delayMs: number, gainDb: number): EchoPath {
  const reflections = Array.from({ length: random() < 0.5 ? 2 : 3 }, () => ({
    afterMs: uniform(random, 3, 45),
    gain: uniform(random, 0.2, 0.5) * (random() < 0.5 ? -1 : 1),
  }));
  return { delayMs, gainDb, lowHz: uniform(random, 150, 300), highHz: uniform(random, 3500, 4500), reflections };
}

/**
 * What the microphone picks up of `reference` through `path`, from `fromS` on (microphone time):
 * before it the echo canceller still worked. Scaled so the whole echo's rms is `gainDb` under the
 * reference's.
 */
export function echoThrough(reference: Float32Array, path: EchoPath, fromS = 0): Float32Array {
  const coloured = filterZeroPhase(reference, bandPassFir(path.lowHz, path.highHz));
  const direct = round((path.delayMs * RATE) / 1000);
  const echo = new Float32Array(reference.length);
  for (let i = direct; i < echo.length; i++) echo[i] = coloured[i - direct]!;
  for (const { afterMs, gain } of path.reflections) {
    const lag = direct + round((afterMs * RATE) / 1000);
    for (let i = lag; i < echo.length; i++) echo[i] = echo[i]! + gain * coloured[i - lag]!;
  }
  const scale = (dbToGain(path.gainDb) * rms(reference)) / max(1e-12, rms(echo));
  const from = round(fromS * RATE);
  for (let i = 0; i < echo.length; i++) echo[i] = i < from ? 0 : echo[i]! * scale;
  return echo;
}

/** `samples` followed by `seconds` of silence. */
export function thenSilence(samples: Float32Array, seconds: number): Float32Array {
  const out = new Float32Array(samples.length + round(seconds * RATE));
  out.set(samples);
  return out;
}

/**
 * The echo level that EchoDetector's echoReturnLossDb estimates: the echo's power relative to the
 * reference's over 250–4000 Hz (the band it analyses), which is not quite the full-band `gainDb`.
 */
export function inBandGainDb(reference: Float32Array, path: EchoPath): number {
  const band = bandPassFir(250, 4000, 257);
  const echo = echoThrough(reference, path);
  return 20 * Math.log10(rms(filterZeroPhase(echo, band)) / rms(filterZeroPhase(reference, band)));
}

/** White noise at `level` rms. */
export function noise(random: () => number, length: number, level: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = level * gaussian(random);
  return out;
}

/** Sample-wise sum (the length of the first). */
export function mix(...signals: Float32Array[]): Float32Array {
  const out = new Float32Array(signals[0]!.length);
  for (const signal of signals) for (let i = 0; i < out.length && i < signal.length; i++) out[i] = out[i]! + signal[i]!;
  return out;
}

/** `samples` × `gain`. */
export function scaled(samples: Float32Array, gain: number): Float32Array {
  return samples.map((v) => v * gain);
}

/** How the feeder delivers the streams. */
export interface FeedOptions {
  random: () => number;
  /** Capture time of both tracks' first sample. */
  startMs?: number;
  /** Chunk lengths (ms) are drawn from this range. */
  chunkMs?: [number, number];
  /** The microphone's transport delay minus the reference's (ms; negative: the microphone arrives first). */
  micLateMs?: number;
  /** Random extra arrival delay per chunk (ms). */
  jitterMs?: number;
  /** Reference chunks starting in this span (ms after the start) are lost: never delivered. */
  referenceLostMs?: [number, number];
}

/** What the detector said over a feed. */
export interface FeedResult {
  /** The verdict each time its state changed (the first: the initial state), in order. */
  changes: EchoVerdict[];
  /** The verdict after everything was fed. */
  final: EchoVerdict;
  /** The first `leaking` verdict, if any. */
  firstLeaking: EchoVerdict | null;
  /** The verdict at chosen capture times (ms after the start), in order. */
  at: Array<{ ms: number; verdict: EchoVerdict }>;
}

/**
 * Feeds both tracks (same length and capture start) to `detector` the way the server's taps would:
 * each in chunks of 10–60 ms, in order of arrival, the microphone's late (or early) by `micLateMs`
 * plus jitter. Records every state change and the verdicts at `probeMs` (ms after the start).
 */
export function feed(detector: EchoDetector, reference: Float32Array, microphone: Float32Array, options: FeedOptions, probeMs: number[] = []): FeedResult {
  const { random, startMs = EPOCH_MS, chunkMs = [10, 60], micLateMs = 40, jitterMs = 20, referenceLostMs } = options;
  type Chunk = { mic: boolean; from: number; to: number; arrivalMs: number };
  const chunks: Chunk[] = [];
  for (const mic of [false, true]) {
    const samples = mic ? microphone : reference;
    let lastArrival = -Infinity;
    for (let from = 0; from < samples.length; ) {
      const to = min(samples.length, from + round((uniform(random, chunkMs[0], chunkMs[1]) * RATE) / 1000));
      // A stream's chunks stay in order (the decoder delivers them so); only the streams drift apart.
      const arrivalMs = max(lastArrival, (to / RATE) * 1000 + (mic ? micLateMs : 0) + random() * jitterMs);
      const fromMs = (from / RATE) * 1000;
      const lost = !mic && referenceLostMs !== undefined && fromMs >= referenceLostMs[0] && fromMs < referenceLostMs[1];
      if (!lost) chunks.push({ mic, from, to, arrivalMs });
      lastArrival = arrivalMs;
      from = to;
    }
  }
  chunks.sort((a, b) => a.arrivalMs - b.arrivalMs);
  const changes: EchoVerdict[] = [detector.verdict()];
  const at: Array<{ ms: number; verdict: EchoVerdict }> = [];
  const probes = [...probeMs].sort((a, b) => a - b);
  let firstLeaking: EchoVerdict | null = null;
  let state: EchoState = changes[0]!.state;
  for (const chunk of chunks) {
    const part = (chunk.mic ? microphone : reference).subarray(chunk.from, chunk.to);
    const chunkStartMs = startMs + (chunk.from / RATE) * 1000;
    if (chunk.mic) detector.pushMicrophone(part, chunkStartMs);
    else detector.pushReference(part, chunkStartMs);
    const verdict = detector.verdict();
    if (verdict.state !== state) {
      changes.push(verdict);
      state = verdict.state;
      if (state === 'leaking') firstLeaking ??= verdict;
    }
    // A probe is answered once the microphone has been fed past it.
    while (chunk.mic && probes.length > 0 && (chunk.to / RATE) * 1000 >= probes[0]!) at.push({ ms: probes.shift()!, verdict });
  }
  return { changes, final: detector.verdict(), firstLeaking, at };
}

/** Voices and sentences the scenarios draw from (synthesised once: flite takes ~0.1 s a sentence). */
export interface SpeechBank {
  /** The teacher (rms voice). */
  teacher: Clip[];
  /** Classroom voices speaking other sentences. */
  classroom: Clip[];
  /** The teacher's own sentences spoken by another voice: same words and rhythm, no copy. */
  teacherWordsOtherVoice: Clip[];
}

export function speechBank(): SpeechBank {
  return {
    teacher: teacherClips(),
    classroom: [...voiceClips(CLASSROOM_SENTENCES.slice(0, 4), 'slt'), ...voiceClips(CLASSROOM_SENTENCES.slice(4), 'awb')],
    teacherWordsOtherVoice: [...voiceClips(TEACHER_SENTENCES.slice(0, 4), 'awb'), ...voiceClips(TEACHER_SENTENCES.slice(4), 'slt')],
  };
}

/** Two tracks to feed, and what is true of them. */
export interface Scenario {
  name: string;
  reference: Float32Array;
  microphone: Float32Array;
  /** Microphone time (s) at which the echo starts, while the teacher speaks; null: no echo at all. */
  leakFromS: number | null;
  path: EchoPath | null;
}

/** Speech level of the test voices (rms while speaking): about −20 dBFS, a normal microphone level. */
export const SPEECH_RMS = 0.1;

/** `samples` scaled to speech level SPEECH_RMS (measured while sounding). */
export function normalised(samples: Float32Array): Float32Array {
  return scaled(samples, SPEECH_RMS / max(1e-9, rms(samples, true)));
}

/**
 * The teacher lectures for `durationS` and, from `leakAfterS` on, the classroom's microphone picks
 * the loudspeakers up through `path`, under room noise `noiseDb` below the echo. The echo starts
 * at the first sentence start at or after `leakAfterS`, so the teacher is speaking when it does.
 */
export function leakingScenario(random: () => number, bank: SpeechBank, path: EchoPath, options: { durationS?: number; leakAfterS?: number; noiseDb?: number; classroomTalks?: boolean } = {}): Scenario {
  const { durationS = 12, leakAfterS = 0, noiseDb = 20 } = options;
  const lesson = talk(random, bank.teacher, durationS);
  const reference = normalised(lesson.samples);
  const sentence = lesson.spans.find((span) => span.startS >= leakAfterS) ?? lesson.spans[0]!;
  const leakFromS = sentence.startS + path.delayMs / 1000;
  const echo = echoThrough(reference, path, leakFromS);
  const echoLevel = SPEECH_RMS * dbToGain(path.gainDb);
  const parts = [echo, noise(random, reference.length, echoLevel * dbToGain(-noiseDb))];
  if (options.classroomTalks) parts.push(scaled(normalised(talk(random, bank.classroom, durationS, { leadS: uniform(random, 0.5, 3) }).samples), dbToGain(path.gainDb)));
  return { name: `leak ${round(path.delayMs)} ms ${path.gainDb.toFixed(1)} dB`, reference, microphone: mix(...parts), leakFromS, path };
}

/** The ways a classroom microphone can be busy without any echo of the teacher. */
export type QuietKind = 'classroom-while-teacher-silent' | 'double-talk' | 'same-words-other-voice' | 'silence' | 'noise-only';
export const QUIET_KINDS: readonly QuietKind[] = ['classroom-while-teacher-silent', 'double-talk', 'same-words-other-voice', 'silence', 'noise-only'];

/** A no-echo scenario of `kind`, `durationS` long, with realistic room noise and levels. */
export function quietScenario(random: () => number, bank: SpeechBank, kind: QuietKind, durationS = 12): Scenario {
  const length = round(durationS * RATE);
  const roomNoise = noise(random, length, SPEECH_RMS * dbToGain(-uniform(random, 30, 50)));
  const classroomLevel = dbToGain(uniform(random, -20, 0));
  let reference: Float32Array;
  let microphone: Float32Array;
  switch (kind) {
    case 'classroom-while-teacher-silent': {
      // Turn-taking: the teacher asks, the classroom answers in the pause, and so on.
      const teacher: Array<{ clip: Clip; startS: number }> = [];
      const classroom: Array<{ clip: Clip; startS: number }> = [];
      const teacherOrder = shuffled(random, bank.teacher);
      const classroomOrder = shuffled(random, bank.classroom);
      for (let at = 0.5, i = 0; at < durationS; i++) {
        const mine = teacherOrder[i % teacherOrder.length]!;
        teacher.push({ clip: mine, startS: at });
        at += mine.samples.length / RATE + uniform(random, 0.2, 0.6);
        const theirs = classroomOrder[i % classroomOrder.length]!;
        classroom.push({ clip: theirs, startS: at });
        at += theirs.samples.length / RATE + uniform(random, 0.2, 0.6);
      }
      reference = normalised(place(durationS, teacher).samples);
      microphone = mix(scaled(normalised(place(durationS, classroom).samples), classroomLevel), roomNoise);
      break;
    }
    case 'double-talk':
      reference = normalised(talk(random, bank.teacher, durationS).samples);
      microphone = mix(scaled(normalised(talk(random, bank.classroom, durationS, { leadS: uniform(random, 0.2, 1.5) }).samples), classroomLevel), roomNoise);
      break;
    case 'same-words-other-voice': {
      // Another voice says the teacher's sentences, each starting 20–600 ms after the teacher's (a class reading along).
      const lesson = talk(random, bank.teacher, durationS);
      const lagS = uniform(random, 0.02, 0.6);
      const echoes = lesson.spans.map((span) => ({ clip: bank.teacherWordsOtherVoice.find((clip) => clip.text === span.text)!, startS: span.startS + lagS }));
      reference = normalised(lesson.samples);
      microphone = mix(filterZeroPhase(scaled(normalised(place(durationS, echoes).samples), classroomLevel), bandPassFir(200, 4000)), roomNoise);
      break;
    }
    case 'silence':
      reference = normalised(talk(random, bank.teacher, durationS).samples);
      microphone = new Float32Array(length);
      break;
    case 'noise-only':
      reference = normalised(talk(random, bank.teacher, durationS).samples);
      microphone = roomNoise;
      break;
  }
  return { name: kind, reference, microphone, leakFromS: null, path: null };
}
