/**
 * Live-caption benchmark. Prints progress to stderr and one JSON object to stdout:
 *   1. live: caption latency through the real server process (mediasoup, caption worker,
 *      pocketsphinx) at real-time pace — a teacher Chromium speaks flite sentences
 *      (publishWatchedMicrophone: the captured speech spans are the ground truth, on the
 *      browser's clock), a classroom page receives the captions: speech start → first partial,
 *      speech end → final, caption start/end time error, WER of the finals;
 *   2. engines: real-time factor and memory of each engine available here (pocketsphinx on
 *      flite speech; Whisper and sherpa-onnx only with a real model under MODELS_DIR);
 *   3. streamingVsWhole: pocketsphinx WER on the same sentences recognised whole (one utterance
 *      each, at once) and through the CaptionStream pipeline (Silero VAD + segmenter) in 20 ms
 *      chunks at real-time pace, with every sentence's hypotheses;
 *   4. signaling: request round trips (raiseHand/lowerHand from a student) while the teacher
 *      speaks, with the caption processes running and frozen (SIGSTOP) in alternating blocks.
 *
 *   npm run bench:captions                 # ~4 minutes
 *   npm run bench:captions -- --quick      # ~1.5 minutes, a smoke check
 *   npm run bench:captions -- --seconds 90 --signaling-seconds 45 --sentences 12
 *   npm run bench:captions -- --teacher-music   # the teacher's microphone without Opus DTX
 *
 * Wants an otherwise idle machine: environment.loadAverage says how idle it was.
 */
import { transcriptWords, wordErrorRate, wordErrors } from './media/wordErrors.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { CaptionStream, DEFAULT_MODELS_DIR, DEFAULT_WHISPER_MODEL, PocketsphinxEngine, SherpaOnnxEngine, SileroVad, VAD_WINDOW, WhisperEngine } from '@classbridge/ai';
import type { SpeechEngine } from '@classbridge/ai';
import type { Caption } from '@classbridge/protocol';
import { launchBrowser } from './harness/browser.js';
import { openSdkPage } from './harness/sdkPage.js';
import type { SdkPage } from './harness/sdkPage.js';
import { startServerProcess } from './harness/serverProcess.js';
import type { ServerProcess } from './harness/serverProcess.js';
import { capturedSpeech, publishWatchedMicrophone, writeSpeechWav } from './media/speech.js';
import type { CapturedSpeech, SpeechFile } from './media/speech.js';
import { percentile } from './stats.js';

// ---- settings -------------------------------------------------------------------------------

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    /** Speech measured in the live run (after the warm-up). */
    seconds: { type: 'string' },
    'warmup-seconds': { type: 'string' },
    /** Length of each request stream (captions off, captions on). */
    'signaling-seconds': { type: 'string' },
    'request-interval-ms': { type: 'string' },
    /** Sentences for the engine figures and streaming vs whole (from the list below). */
    sentences: { type: 'string' },
    /** Pause between sentences fed to the streaming pipeline. */
    'pause-seconds': { type: 'string' },
    /** Pace of the streaming pipeline's audio (1 = real time). */
    'stream-speed': { type: 'string' },
    /** The teacher publishes in music mode (Opus DTX off) instead of as the SDK publishes a microphone (DTX on). */
    'teacher-music': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
const quick = values.quick === true;
const numberArg = (name: string, value: string | undefined, fallback: number, min: number, max: number): number => {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
  return n;
};
const liveSeconds = numberArg('seconds', values.seconds, quick ? 15 : 60, 5, 1800);
const warmupSeconds = numberArg('warmup-seconds', values['warmup-seconds'], quick ? 4 : 6, 0, 60);
const signalingSeconds = numberArg('signaling-seconds', values['signaling-seconds'], quick ? 16 : 80, 4, 1200);
/** Captions run and are frozen in turn, this long each, while the requests go on. */
const blockSeconds = quick ? 4 : 5;
// The server allows 30 requests a second per socket (RATE_LIMIT_PER_SECOND): 25 a second stays under it.
const requestIntervalMs = numberArg('request-interval-ms', values['request-interval-ms'], 40, 34, 10_000);
const pauseSeconds = numberArg('pause-seconds', values['pause-seconds'], 1.0, 0.6, 5);
const teacherMusic = values['teacher-music'] === true;
const streamSpeed = numberArg('stream-speed', values['stream-speed'], 1, 0.25, 20);

const progress = (text: string) => values.quiet || process.stderr.write(`[bench:captions] ${new Date().toISOString().slice(11, 19)} ${text}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const TEACHER_ID = 't-chen-jun';
const MAIN_ROOM = 'qh-exp-g4-1';
const REMOTE_ROOM = 'qh-shangling-g4';
/** Discarded at the start of each request stream (JIT, first broadcasts). */
const REQUEST_WARMUP_MS = 2000;

/** What the teacher says in the live run, looped by Chromium (flite voice rms, no commas: no pause inside a sentence). */
const LIVE_SENTENCES = [
  'Today we learn how to add two fractions with the same denominator.',
  'Please open your books to page twelve.',
  'Can everyone in the classroom hear me clearly?',
  'The sun rises in the east and sets in the west.',
  'Raise your hand if you have a question.',
  'Put your pencils down and look at the board.',
];
/** Sentences recognised whole and streaming (the live ones and more). */
const BENCH_SENTENCES = [
  ...LIVE_SENTENCES,
  'Write your name at the top of the paper.',
  'Who can tell me the answer to the first question?',
  'Plants need water and sunlight to grow.',
  'Let us read the story together.',
  'Five times six is thirty.',
  'We will have a short test next week.',
  'Open your books to page twenty.',
  'Today we will learn about the water cycle.',
  'Please listen carefully to the next part.',
  'The river flows down to the sea.',
  'How many legs does a spider have?',
  'Draw a line under the new words.',
  'Ten plus fifteen is twenty five.',
  'The moon goes around the earth.',
  'Please work with the student next to you.',
  'Can everyone see the picture on the screen?',
  'We will finish this chapter tomorrow.',
  'Read the first sentence out loud.',
  'Birds build their nests in the spring.',
  'What color is the sky on a sunny day?',
  'Remember to bring your homework on Monday.',
  'The teacher will check your answers.',
  'There are seven days in a week.',
  'Trees give us shade and clean air.',
  'Copy the sentence from the board.',
  'Who would like to answer this question?',
  'The cat is sleeping under the table.',
  'Please close the door when you come in.',
  'Let us count from one to ten.',
  'Water turns into ice when it is very cold.',
  'Thank you for listening so well today.',
  'Look at the map of the country.',
  'We have music class after lunch.',
];
/** Said first to every engine and not counted (pocketsphinx's live CMN adapts on it). */
const WARMUP_SENTENCE = 'Good morning everyone and welcome to the lesson.';
const sentenceCount = numberArg('sentences', values.sentences, quick ? 4 : BENCH_SENTENCES.length, 1, BENCH_SENTENCES.length);
const sentences = BENCH_SENTENCES.slice(0, sentenceCount);

// ---- cleanup --------------------------------------------------------------------------------

/** Everything started, stopped in reverse order at the end, on failure, and on SIGINT/SIGTERM. */
const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];
function owned<T>(what: string, value: T, stop: (value: T) => Promise<unknown>): T {
  let done = false;
  cleanups.push({
    what,
    run: async () => {
      if (done) return;
      done = true;
      await stop(value);
    },
  });
  return value;
}
async function release(value: unknown): Promise<void> {
  // Stop a resource early (and only once), as cleanup would.
  const entries = cleanups.filter((entry) => entry.what.endsWith(`#${String(idOf(value))}`));
  for (const entry of entries.reverse()) await entry.run().catch((error: Error) => progress(`stopping ${entry.what} failed: ${error.message}`));
}
const ids = new WeakMap<object, number>();
let nextId = 0;
function idOf(value: unknown): number {
  const key = value as object;
  if (!ids.has(key)) ids.set(key, ++nextId);
  return ids.get(key)!;
}
function own<T extends object>(kind: string, value: T, stop: (value: T) => Promise<unknown>): T {
  return owned(`${kind}#${idOf(value)}`, value, stop);
}
let cleaning: Promise<void> | null = null;
/** Stops everything once (the signal handler and the main flow's finally share it). */
function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const entry = cleanups.pop()!;
      await entry.run().catch((error: Error) => progress(`stopping ${entry.what} failed: ${error.message}`));
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping everything`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

// ---- measures -------------------------------------------------------------------------------

const wer = wordErrorRate;
/** Corpus WER: all errors over all reference words. */
function corpusWer(pairs: Array<{ reference: string; hypothesis: string }>): number {
  const errors = pairs.reduce((sum, p) => sum + wordErrors(p.reference, p.hypothesis), 0);
  const total = pairs.reduce((sum, p) => sum + transcriptWords(p.reference).length, 0);
  return total === 0 ? Number.NaN : errors / total;
}

const known = <T>(list: Array<T | null>) => list.filter((x): x is T => x !== null);
const r1 = (n: number) => (Number.isFinite(n) ? Math.round(n * 10) / 10 : null);
const r3 = (n: number) => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : null);
function dist(values: number[], withP99 = false) {
  if (values.length === 0) return { n: 0 };
  return {
    n: values.length,
    p50: r1(percentile(values, 50)),
    p95: r1(percentile(values, 95)),
    ...(withP99 ? { p99: r1(percentile(values, 99)) } : {}),
    min: r1(Math.min(...values)),
    max: r1(Math.max(...values)),
    mean: r1(values.reduce((a, b) => a + b, 0) / values.length),
  };
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
async function memoryOf(pid: number | undefined): Promise<{ rssMb: number; peakMb: number } | null> {
  if (!pid) return null;
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  const rss = kb('VmRSS');
  return Number.isFinite(rss) ? { rssMb: r1(rss / 1024)!, peakMb: r1(kb('VmHWM') / 1024)! } : null;
}

/** Every process of a tree (the server, its mediasoup worker, caption worker, speech engines): name and CPU seconds of its own. */
async function processTree(pid: number, root = true): Promise<Array<{ pid: number; name: string; cpuS: number }>> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return [];
  const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime (fields 14-15 of the line; reaped children are not counted anywhere: they are short-lived here)
  const cpuS = (Number(fields[11]) + Number(fields[12])) / 100;
  const cmdline = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
  const name = root
    ? 'server (node main)'
    : cmdline.includes('pocketsphinx_stream')
      ? 'pocketsphinx'
      : /caption|Caption/.test(cmdline)
        ? 'caption worker (node)'
        : comm.startsWith('mediasoup')
          ? 'mediasoup-worker'
          : comm;
  const list = [{ pid, name, cpuS }];
  const tasks = await fs.readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const task of tasks) {
    const children = await fs.readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const child of children.split(' ').filter(Boolean)) list.push(...(await processTree(Number(child), false)));
  }
  return list;
}

/** Measures a stretch of time: CPU % of one core used by each process of the tree (by name) and in all. */
async function cpuMeter(pid: number): Promise<() => Promise<{ totalPercent: number | null; byProcess: Record<string, number | null> }>> {
  const before = new Map((await processTree(pid)).map((p) => [p.pid, p.cpuS]));
  const started = Date.now();
  return async () => {
    const after = await processTree(pid);
    const seconds = (Date.now() - started) / 1000;
    const byProcess: Record<string, number> = {};
    for (const p of after) byProcess[p.name] = (byProcess[p.name] ?? 0) + p.cpuS - (before.get(p.pid) ?? 0);
    const total = Object.values(byProcess).reduce((a, b) => a + b, 0);
    return { totalPercent: r1((total / seconds) * 100), byProcess: Object.fromEntries(Object.entries(byProcess).map(([k, v]) => [k, r1((v / seconds) * 100)])) };
  };
}

// ---- speech ---------------------------------------------------------------------------------

const RATE = 16_000;
const BYTES_PER_MS = (RATE * 2) / 1000;
const CHUNK_BYTES = 20 * BYTES_PER_MS;

interface SentenceAudio {
  text: string;
  /** 16 kHz mono s16le, flite's own padding included. */
  pcm: Buffer;
  /** Where the voice is within pcm (ms). */
  voicedStartMs: number;
  voicedEndMs: number;
}

/** A sentence spoken by Debian's flite (voice rms, 16 kHz, as the caption tests use). */
function fliteSentence(text: string): SentenceAudio {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'classbridge-bench-flite-'));
  try {
    const wav = path.join(dir, 'speech.wav');
    execFileSync('flite', ['-voice', 'rms', '-t', text, '-o', wav]);
    const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', wav, '-ac', '1', '-ar', String(RATE), '-f', 's16le', '-'], { maxBuffer: 64 << 20 });
    const level = 0.02 * 32768;
    const n = pcm.length / 2;
    let first = 0;
    while (first < n && Math.abs(pcm.readInt16LE(first * 2)) < level) first++;
    let last = n - 1;
    while (last > first && Math.abs(pcm.readInt16LE(last * 2)) < level) last--;
    return { text, pcm, voicedStartMs: (first / RATE) * 1000, voicedEndMs: (last / RATE) * 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const silence = (ms: number) => Buffer.alloc(Math.round((ms * RATE) / 1000) * 2);
const audioMs = (pcm: Buffer) => pcm.length / BYTES_PER_MS;

// ---- 2 and 3a: engines fed as fast as they take it ------------------------------------------

interface EngineRun {
  /** Sum of (end() resolved − first audio written) over the sentences. */
  processingMs: number;
  audioMs: number;
  hypotheses: string[];
}

/**
 * Each sentence as one utterance (0.3 s of silence around it, and `shiftSamples` more before it: a
 * different phase of the 10 ms feature frames): at once, or in 20 ms chunks written back to back.
 */
async function recogniseAll(engine: SpeechEngine, audio: SentenceAudio[], chunked: boolean, shiftSamples = 0): Promise<EngineRun> {
  const run: EngineRun = { processingMs: 0, audioMs: 0, hypotheses: [] };
  for (const sentence of audio) {
    const pcm = Buffer.concat([silence(300), Buffer.alloc(shiftSamples * 2), sentence.pcm, silence(300)]);
    const started = performance.now();
    engine.begin();
    if (chunked) for (let offset = 0; offset < pcm.length; offset += CHUNK_BYTES) engine.audio(pcm.subarray(offset, offset + CHUNK_BYTES));
    else engine.audio(pcm);
    const hypothesis = await engine.end();
    run.processingMs += performance.now() - started;
    run.audioMs += audioMs(pcm);
    run.hypotheses.push(hypothesis.text);
  }
  return run;
}

/** Samples the engine process's VmRSS while `work` runs (VmHWM gives the kernel's own peak). */
async function withMemorySampling<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ result: T; sampledPeakMb: number | null }> {
  let peak = 0;
  const timer = setInterval(() => {
    void memoryOf(pid).then((m) => {
      if (m) peak = Math.max(peak, m.rssMb);
    });
  }, 25);
  try {
    return { result: await work(), sampledPeakMb: peak || null };
  } finally {
    clearInterval(timer);
  }
}

interface EngineFigures {
  available: true;
  model: string;
  startSeconds: number;
  audioSeconds: number;
  /** RTF = processing time / audio time; whole: each utterance in one write, chunked: in 20 ms writes (a partial hypothesis after each). */
  rtf: { whole: number | null; chunked20ms: number | null };
  memoryMb: { afterLoad: number | null; sampledPeakRss: number | null; peakRss: number | null };
  wer: { whole: number | null; chunked20ms: number | null };
}

async function engineFigures(engine: SpeechEngine & { readonly pid?: number | undefined }, model: string, audio: SentenceAudio[], warmup: SentenceAudio): Promise<{ figures: EngineFigures; whole: EngineRun; chunked: EngineRun }> {
  own(engine.name, engine, (e) => e.close());
  const started = performance.now();
  await engine.start();
  const startSeconds = (performance.now() - started) / 1000;
  const afterLoad = await memoryOf(engine.pid);
  // The first utterance is not counted (pocketsphinx decodes it twice while its CMN adapts).
  await recogniseAll(engine, [warmup], false);
  const whole = await withMemorySampling(engine.pid, () => recogniseAll(engine, audio, false));
  const chunked = await withMemorySampling(engine.pid, () => recogniseAll(engine, audio, true));
  const memory = await memoryOf(engine.pid);
  const pairs = (run: EngineRun) => audio.map((s, i) => ({ reference: s.text, hypothesis: run.hypotheses[i] ?? '' }));
  const figures: EngineFigures = {
    available: true,
    model,
    startSeconds: r3(startSeconds)!,
    audioSeconds: r1(whole.result.audioMs / 1000)!,
    rtf: { whole: r3(whole.result.processingMs / whole.result.audioMs), chunked20ms: r3(chunked.result.processingMs / chunked.result.audioMs) },
    memoryMb: {
      afterLoad: afterLoad?.rssMb ?? null,
      sampledPeakRss: Math.max(whole.sampledPeakMb ?? 0, chunked.sampledPeakMb ?? 0) || null,
      peakRss: memory?.peakMb ?? null,
    },
    wer: { whole: r3(corpusWer(pairs(whole.result))), chunked20ms: r3(corpusWer(pairs(chunked.result))) },
  };
  await release(engine);
  return { figures, whole: whole.result, chunked: chunked.result };
}

/**
 * Whole-utterance recognition again with the speech shifted by a fraction of pocketsphinx's 10 ms
 * frame (a fresh engine each, after the same warm-up): how much of a WER difference is the luck of
 * where the frames fall, which streaming cannot choose (its utterances start where the VAD window is).
 */
async function wholeAtFramePhases(audio: SentenceAudio[], warmup: SentenceAudio, shifts: number[]): Promise<Array<{ shiftSamples: number; hypotheses: string[] }>> {
  const runs = [];
  for (const shiftSamples of shifts) {
    const engine = own('pocketsphinx', new PocketsphinxEngine({ finalTimeoutMs: 60_000 }), (e) => e.close());
    await engine.start();
    await recogniseAll(engine, [warmup], false);
    runs.push({ shiftSamples, hypotheses: (await recogniseAll(engine, audio, false, shiftSamples)).hypotheses });
    await release(engine);
  }
  return runs;
}

/** Smaller files than these are the tests' synthetic models: their speed says nothing about a real one. */
const MIN_REAL_WHISPER_BYTES = 20 << 20;
const MIN_REAL_SHERPA_ENCODER_BYTES = 5 << 20;

function whisperModel(modelsDir: string): { path: string } | { reason: string } {
  const file = path.join(modelsDir, DEFAULT_WHISPER_MODEL);
  if (!existsSync(file)) return { reason: `no Whisper model at ${file} (scripts/fetch-models.sh on a machine with internet)` };
  const size = statSync(file).size;
  if (size < MIN_REAL_WHISPER_BYTES) return { reason: `${file} is ${(size / 1024).toFixed(0)} KiB: a synthetic test model, not a real Whisper model (its speed says nothing)` };
  return { path: file };
}

function sherpaModel(modelsDir: string): { dir: string } | { reason: string } {
  const dir = new SherpaOnnxEngine({ modelsDir, language: 'en' }).modelDir;
  if (!existsSync(dir)) return { reason: `no sherpa-onnx model at ${dir} (scripts/fetch-models.sh on a machine with internet)` };
  const encoders = readdirSync(dir).filter((name) => name.startsWith('encoder') && name.endsWith('.onnx'));
  const largest = Math.max(0, ...encoders.map((name) => statSync(path.join(dir, name)).size));
  if (largest < MIN_REAL_SHERPA_ENCODER_BYTES) return { reason: `the encoder in ${dir} is ${(largest / 1024).toFixed(0)} KiB: a synthetic test model, not a real one (its speed says nothing)` };
  return { dir };
}

// ---- 3b: the streaming pipeline -------------------------------------------------------------

interface StreamingRun {
  hypotheses: string[];
  /** Pipeline only (no network), per sentence: speech start → first partial emitted, speech end → last final emitted (ms; null: none). */
  firstPartialMs: Array<number | null>;
  finalMs: Array<number | null>;
  /** Caption start/end (the finals') minus the voiced span of the sentence (ms; capture times, pace-independent). */
  startErrorMs: Array<number | null>;
  endErrorMs: Array<number | null>;
  lagMs: number[];
  errors: string[];
  finals: number;
  wallSeconds: number;
}

/**
 * CaptionStream (Silero VAD + SpeechSegmenter + PocketsphinxEngine) fed the warm-up sentence and
 * then `audio`, each followed by `pauseMs` of silence, in 20 ms chunks at `speed` × real time:
 * chunk k (captured at t0 + 20k) is pushed when it would have been fully captured.
 */
async function streamingRun(audio: SentenceAudio[], warmup: SentenceAudio, pauseMs: number, speed: number): Promise<StreamingRun> {
  const vad = own('silero-vad', await SileroVad.load(), (v) => v.close());
  const engine = own('pocketsphinx', new PocketsphinxEngine(), (e) => e.close());
  await engine.start();
  const captions: Array<Caption & { emittedMs: number }> = [];
  const lagMs: number[] = [];
  const errors: string[] = [];
  const stream = new CaptionStream({
    participantId: 'bench',
    speaker: 'Bench',
    language: 'en',
    vad,
    engine,
    onCaption: (caption) => captions.push({ ...caption, emittedMs: Date.now() }),
    onLag: (lag) => lagMs.push(lag),
    onError: (error) => errors.push(error.message),
  });
  own('caption-stream', stream, (s) => s.close());

  const parts: Buffer[] = [silence(1000)];
  const spans: Array<{ startMs: number; endMs: number }> = [];
  let at = 1000;
  for (const sentence of [warmup, ...audio]) {
    spans.push({ startMs: at + sentence.voicedStartMs, endMs: at + sentence.voicedEndMs });
    parts.push(sentence.pcm, silence(pauseMs));
    at += audioMs(sentence.pcm) + pauseMs;
  }
  const timeline = Buffer.concat(parts);
  const t0 = Date.now() + 100;
  const wallStart = performance.now();
  for (let k = 0; k * CHUNK_BYTES < timeline.length; k++) {
    await sleep(t0 + ((k + 1) * 20) / speed - Date.now());
    void stream.push(timeline.subarray(k * CHUNK_BYTES, (k + 1) * CHUNK_BYTES), t0 + k * 20);
  }
  await stream.flush(t0 + audioMs(timeline));
  await stream.close();
  const wallSeconds = (performance.now() - wallStart) / 1000;
  await release(stream);
  await release(engine);
  await release(vad);

  // Each caption belongs to the sentence it overlaps most (capture times: t0 + timeline ms).
  const groups = groupCaptions(captions.map((c) => ({ ...c, receivedMs: c.emittedMs })));
  const owner = new Map<number, CaptionGroup[]>();
  for (const group of groups) {
    const index = mostOverlapped(group, spans.map((s) => ({ startMs: t0 + s.startMs, endMs: t0 + s.endMs })));
    if (index === null) continue;
    owner.set(index, [...(owner.get(index) ?? []), group]);
  }
  const run: StreamingRun = { hypotheses: [], firstPartialMs: [], finalMs: [], startErrorMs: [], endErrorMs: [], lagMs, errors, finals: captions.filter((c) => c.final).length, wallSeconds };
  for (let i = 1; i < spans.length; i++) {
    const mine = (owner.get(i) ?? []).sort((a, b) => a.startMs - b.startMs);
    run.hypotheses.push(mine.map((g) => g.final?.text ?? '').filter(Boolean).join(' '));
    const firstPartial = Math.min(...mine.flatMap((g) => g.partials.map((p) => p.receivedMs)));
    const lastFinal = Math.max(...mine.flatMap((g) => (g.final ? [g.final.receivedMs] : [])));
    // Wall-clock latencies mean something at real-time pace only.
    run.firstPartialMs.push(speed === 1 && Number.isFinite(firstPartial) ? Math.round(firstPartial - (t0 + spans[i]!.startMs)) : null);
    run.finalMs.push(speed === 1 && Number.isFinite(lastFinal) ? Math.round(lastFinal - (t0 + spans[i]!.endMs)) : null);
    const finals = mine.flatMap((g) => (g.final ? [g.final] : []));
    run.startErrorMs.push(finals.length ? Math.round(finals[0]!.startMs - (t0 + spans[i]!.startMs)) : null);
    run.endErrorMs.push(finals.length ? Math.round(finals.at(-1)!.endMs - (t0 + spans[i]!.endMs)) : null);
  }
  return run;
}

// ---- captions against speech ----------------------------------------------------------------

interface ReceivedCaption extends Caption {
  receivedMs: number;
}
interface CaptionGroup {
  captionId: string;
  partials: ReceivedCaption[];
  final: ReceivedCaption | undefined;
  /** The final's span, else the last partial's. */
  startMs: number;
  endMs: number;
}

function groupCaptions(captions: ReceivedCaption[]): CaptionGroup[] {
  const byId = new Map<string, ReceivedCaption[]>();
  for (const caption of captions) byId.set(caption.captionId, [...(byId.get(caption.captionId) ?? []), caption]);
  return [...byId.entries()].map(([captionId, list]) => {
    list.sort((a, b) => a.receivedMs - b.receivedMs);
    const partials = list.filter((c) => !c.final);
    const final = list.find((c) => c.final);
    const last = final ?? partials.at(-1)!;
    return { captionId, partials, final, startMs: last.startMs, endMs: last.endMs };
  });
}

function mostOverlapped(group: { startMs: number; endMs: number }, spans: Array<{ startMs: number; endMs: number | null }>): number | null {
  let best: number | null = null;
  let bestOverlap = 0;
  spans.forEach((span, index) => {
    if (span.endMs === null) return;
    const overlap = Math.min(group.endMs, span.endMs) - Math.max(group.startMs, span.startMs);
    if (overlap > bestOverlap) [best, bestOverlap] = [index, overlap];
  });
  return best;
}

/**
 * Which sentence of the looped file each captured speech span is: the file's phase is found from
 * the spans' start times (the loop length and sentence places are known), independently of what
 * was recognised. A span further than 350 ms from every sentence start (a sentence the analyser
 * split, say) gets none.
 */
function assignSentences(spans: CapturedSpeech[], file: SpeechFile): Array<{ index: number | null; phaseErrorMs: number }> {
  const loopMs = file.loopS * 1000;
  const starts = file.spans.map((s) => s.startS * 1000);
  const circular = (x: number) => {
    const m = ((x % loopMs) + loopMs) % loopMs;
    return Math.min(m, loopMs - m);
  };
  const nearest = (t: number, offset: number) => {
    let index = 0;
    let distance = Infinity;
    starts.forEach((start, j) => {
      const d = circular(t - offset - start);
      if (d < distance) [index, distance] = [j, d];
    });
    return { index, distance };
  };
  let bestOffset = 0;
  let bestScore = Infinity;
  for (const span of spans) {
    for (const start of starts) {
      const offset = span.startMs - start;
      const score = spans.reduce((sum, s) => sum + Math.min(1000, nearest(s.startMs, offset).distance), 0);
      if (score < bestScore) [bestScore, bestOffset] = [score, offset];
    }
  }
  return spans.map((span) => {
    const { index, distance } = nearest(span.startMs, bestOffset);
    return { index: distance <= 350 ? index : null, phaseErrorMs: distance };
  });
}

// ---- the server with Chromium ---------------------------------------------------------------

interface Classroom {
  lessonId: string;
  teacher: SdkPage;
  receiver: SdkPage;
  student: SdkPage;
  publishedAt: number;
}

async function openClassroom(server: ServerProcess, browsers: { teacher: Browser; others: Browser }, title: string): Promise<Classroom> {
  const created = await server.api('POST', '/api/lessons', {
    title,
    subject: '英语 English',
    teacherId: TEACHER_ID,
    mainClassroomId: MAIN_ROOM,
    remoteClassroomIds: [REMOTE_ROOM],
    scheduledStart: new Date().toISOString(),
    language: 'en',
  });
  if (created.status !== 201) throw new Error(`lesson not created: ${created.status} ${JSON.stringify(created.body)}`);
  const lessonId = created.body.id as string;
  const seat = async (browser: Browser, body: Record<string, unknown>) => {
    const page = await openSdkPage(browser, server.url, { token: await server.mintToken(lessonId, body) });
    return own('page', page, (p) => p.page.context().close());
  };
  const receiver = await seat(browsers.others, { role: 'classroom', classroomId: REMOTE_ROOM });
  const student = await seat(browsers.others, { role: 'student', participantId: 'bench-student', displayName: 'Bench Student' });
  const teacher = await seat(browsers.teacher, { role: 'teacher' });
  // publishWatchedMicrophone publishes with client.publishMicrophone: music mode is added to its options here.
  if (teacherMusic) await teacher.run('const publish = client.publishMicrophone.bind(client); client.publishMicrophone = (options) => publish({ ...options, music: true });');
  await publishWatchedMicrophone(teacher);
  return { lessonId, teacher, receiver, student, publishedAt: Date.now() };
}

async function closeClassroom(room: Classroom): Promise<void> {
  await room.teacher.run('await client.endLesson();').catch(() => undefined);
  for (const page of [room.teacher, room.student, room.receiver]) await release(page);
}

interface InterleavedRequests {
  /** Round trips (ms) while the caption pipeline ran, and while it was frozen. */
  running: number[];
  frozen: number[];
  /** p99 of each block, in order (running, frozen, running, …). */
  blockP99: Array<{ captions: 'running' | 'frozen'; p99: number; n: number }>;
  failures: number;
  sent: number;
  blockSeconds: number;
  frozenProcesses: string[];
  serverCpuPercentOfOneCore: Awaited<ReturnType<Awaited<ReturnType<typeof cpuMeter>>>>;
}

/**
 * raiseHand and lowerHand in turn from the student, one every `intervalMs` (or when the previous
 * answered, if later), timed in the page — while the caption pipeline (the caption worker and its
 * engine processes) runs and is frozen (SIGSTOP) in alternating blocks. Same server, lesson,
 * browsers and media in both conditions, interleaved, so slow drifts of the machine fall on both
 * alike; the only difference is whether captions get the CPU (and emit their notifications).
 */
async function interleavedRequests(server: ServerProcess, student: SdkPage, seconds: number, intervalMs: number, blockSeconds: number): Promise<InterleavedRequests> {
  const captionProcesses = (await processTree(server.pid)).filter((p) => p.name !== 'server (node main)' && p.name !== 'mediasoup-worker');
  if (captionProcesses.length === 0) throw new Error('no caption processes under the server: is CAPTIONS on and a lesson captioned?');
  const signal = (which: 'SIGSTOP' | 'SIGCONT') => {
    for (const p of captionProcesses) {
      try {
        process.kill(p.pid, which);
      } catch {
        // Gone (an engine restarted): the next block has what is there.
      }
    }
  };
  const blocks: Array<{ fromMs: number; captions: 'running' | 'frozen' }> = [];
  let frozen = false;
  const startedAt = Date.now() + REQUEST_WARMUP_MS;
  blocks.push({ fromMs: 0, captions: 'running' });
  const toggler = setTimeout(function toggle() {
    frozen = !frozen;
    signal(frozen ? 'SIGSTOP' : 'SIGCONT');
    blocks.push({ fromMs: Date.now(), captions: frozen ? 'frozen' : 'running' });
    toggleTimer = setTimeout(toggle, blockSeconds * 1000);
  }, REQUEST_WARMUP_MS + blockSeconds * 1000);
  let toggleTimer: NodeJS.Timeout = toggler;
  const meter = await cpuMeter(server.pid);
  let answer: { samples: Array<[number, number]>; failures: number; sent: number };
  try {
    answer = await student.run<{ samples: Array<[number, number]>; failures: number; sent: number }>(
      `
      const [durationMs, intervalMs, warmupMs] = arg;
      const samples = [];
      let failures = 0;
      let sent = 0;
      const begin = performance.now();
      while (performance.now() - begin < durationMs + warmupMs) {
        const t0 = performance.now();
        const wall0 = Date.now();
        try {
          await (sent % 2 === 0 ? client.raiseHand() : client.lowerHand());
          if (t0 - begin >= warmupMs) samples.push([wall0, performance.now() - t0]);
        } catch (error) {
          failures++;
        }
        sent++;
        const wait = t0 + intervalMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      try { await client.lowerHand(); } catch {}
      return { samples, failures, sent };
      `,
      [seconds * 1000, intervalMs, REQUEST_WARMUP_MS],
    );
  } finally {
    clearTimeout(toggleTimer);
    signal('SIGCONT');
  }
  const cpu = await meter();
  // Each sample belongs to the block it was sent in.
  const blockOf = (wallMs: number) => {
    let index = 0;
    for (let i = 0; i < blocks.length; i++) if (blocks[i]!.fromMs <= wallMs) index = i;
    return index;
  };
  const byBlock = new Map<number, number[]>();
  for (const [wallMs, ms] of answer.samples) {
    if (wallMs < startedAt) continue;
    const index = blockOf(wallMs);
    byBlock.set(index, [...(byBlock.get(index) ?? []), ms]);
  }
  const running: number[] = [];
  const frozenMs: number[] = [];
  const blockP99: InterleavedRequests['blockP99'] = [];
  for (const [index, latencies] of [...byBlock.entries()].sort(([a], [b]) => a - b)) {
    const captions = blocks[index]!.captions;
    (captions === 'running' ? running : frozenMs).push(...latencies);
    blockP99.push({ captions, p99: r1(percentile(latencies, 99))!, n: latencies.length });
  }
  return {
    running,
    frozen: frozenMs,
    blockP99,
    failures: answer.failures,
    sent: answer.sent,
    blockSeconds,
    frozenProcesses: [...new Set(captionProcesses.map((p) => p.name))],
    serverCpuPercentOfOneCore: cpu,
  };
}

async function metricOr(server: ServerProcess, name: string): Promise<number | null> {
  return server.metric(name).catch(() => null);
}

// ---- the benchmark --------------------------------------------------------------------------

const benchStarted = Date.now();
const loadAtStart = os.loadavg().map((n) => Math.round(n * 100) / 100);
const mediaDir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-bench-captions-'));
owned('media directory', mediaDir, (dir) => fs.rm(dir, { recursive: true, force: true }));

try {
  progress(`${quick ? 'quick' : 'full'} run: live ${liveSeconds} s (+${warmupSeconds} s warm-up), requests ${signalingSeconds} s (captions running and frozen in ${blockSeconds} s blocks), ${sentences.length} sentences streaming vs whole`);

  // 2 and 3: engines and the pipeline in this process, before any browser or server runs.
  progress('flite: speaking the sentences');
  const warmup = fliteSentence(WARMUP_SENTENCE);
  const audio = sentences.map(fliteSentence);

  progress('pocketsphinx: whole utterances and 20 ms chunks, as fast as it takes them');
  const pocketsphinx = await engineFigures(new PocketsphinxEngine({ finalTimeoutMs: 60_000 }), 'Debian pocketsphinx-en-us (en-us, en-us.lm.bin, cmudict-en-us.dict), live CMN', audio, warmup);

  const FRAME_SHIFTS = quick ? [80] : [40, 80, 120];
  progress(`pocketsphinx: whole utterances again at ${FRAME_SHIFTS.length} other phase(s) of the 10 ms feature frame`);
  const phases = await wholeAtFramePhases(audio, warmup, FRAME_SHIFTS);

  const modelsDir = path.resolve(repoRoot, process.env['MODELS_DIR'] || DEFAULT_MODELS_DIR);
  const engines: Record<string, unknown> = { pocketsphinx: pocketsphinx.figures };
  const whisper = whisperModel(modelsDir);
  if ('path' in whisper) {
    progress(`whisper: ${whisper.path}`);
    engines['whisper'] = await engineFigures(new WhisperEngine({ language: 'en', modelPath: whisper.path, transcribeTimeoutMs: 120_000 }), whisper.path, audio, warmup).then(
      (run) => run.figures,
      (error: Error) => ({ available: false, reason: `the model is there but the engine failed: ${error.message}` }),
    );
  } else engines['whisper'] = { available: false, reason: whisper.reason };
  const sherpa = sherpaModel(modelsDir);
  if ('dir' in sherpa) {
    progress(`sherpa-onnx: ${sherpa.dir}`);
    engines['sherpa-onnx'] = await engineFigures(new SherpaOnnxEngine({ modelDir: sherpa.dir, language: 'en', finalTimeoutMs: 60_000 }), sherpa.dir, audio, warmup).then(
      (run) => run.figures,
      (error: Error) => ({ available: false, reason: `the model is there but the engine failed: ${error.message}` }),
    );
  } else engines['sherpa-onnx'] = { available: false, reason: sherpa.reason };

  // Silero VAD's own cost (it sees every window of every captioned microphone, speech or not).
  const vadCost = await (async () => {
    const vad = own('silero-vad', await SileroVad.load(), (v) => v.close());
    const pcm = Buffer.concat(audio.map((s) => s.pcm));
    const windows = Math.floor(pcm.length / 2 / VAD_WINDOW);
    const started = performance.now();
    for (let w = 0; w < windows; w++) {
      const samples = new Float32Array(VAD_WINDOW);
      for (let i = 0; i < VAD_WINDOW; i++) samples[i] = pcm.readInt16LE((w * VAD_WINDOW + i) * 2) / 32768;
      await vad.process(samples);
    }
    const ms = performance.now() - started;
    await release(vad);
    return { rtf: r3(ms / ((windows * VAD_WINDOW * 1000) / RATE)), perWindowMs: r3(ms / windows) };
  })();

  progress(`streaming pipeline (Silero VAD + segmenter + pocketsphinx), ${streamSpeed === 1 ? 'real time' : `${streamSpeed}× real time`}: ~${Math.round((audio.reduce((s, a) => s + audioMs(a.pcm), 0) + (audio.length + 2) * pauseSeconds * 1000) / 1000 / streamSpeed)} s`);
  const streaming = await streamingRun(audio, warmup, pauseSeconds * 1000, streamSpeed);
  const pairsOf = (hypotheses: string[]) => audio.map((s, i) => ({ reference: s.text, hypothesis: hypotheses[i] ?? '' }));
  const werWhole = corpusWer(pairsOf(pocketsphinx.whole.hypotheses));
  const werChunked = corpusWer(pairsOf(pocketsphinx.chunked.hypotheses));
  const werStreaming = corpusWer(pairsOf(streaming.hypotheses));
  const werPhases = [werWhole, ...phases.map((p) => corpusWer(pairsOf(p.hypotheses)))];
  const werWholeMean = werPhases.reduce((a, b) => a + b, 0) / werPhases.length;
  progress(`WER whole ${r3(werWhole)}, 20 ms chunks ${r3(werChunked)}, streaming ${r3(werStreaming)}`);

  // 1 and 4: the real server process with Chromium.
  const liveSpeech = await writeSpeechWav(path.join(mediaDir, 'teacher.wav'), LIVE_SENTENCES);
  progress(`live speech file: ${LIVE_SENTENCES.length} sentences, loop ${liveSpeech.loopS.toFixed(1)} s`);
  const browsers = {
    teacher: own('browser', await launchBrowser([`--use-file-for-fake-audio-capture=${liveSpeech.path}`]), (b) => b.close()),
    others: own('browser', await launchBrowser(), (b) => b.close()),
  };
  const chromium = browsers.teacher.version();

  // 1 and 4: the server with captions on.
  progress(`server with CAPTIONS=on: ${warmupSeconds} s warm-up, ${liveSeconds} s of captions measured, then ${signalingSeconds} s of requests with captions running and frozen in turn`);
  const on = own('server', await startServerProcess({ DEMO: '1', CAPTIONS: 'on', CAPTION_ENGINE_EN: 'pocketsphinx' }), (s) => s.stop());
  const onRoom = await openClassroom(on, browsers, 'Caption benchmark');
  await sleep(onRoom.publishedAt + warmupSeconds * 1000 - Date.now());
  // Captions first, undisturbed: freezing the caption processes (below) leaves them catching up.
  progress(`captions on: ${liveSeconds} s of captions measured`);
  const windowStart = Date.now();
  const windowEnd = windowStart + liveSeconds * 1000;
  const ticker = setInterval(() => progress(`… ${Math.round((Date.now() - windowStart) / 1000)} / ${liveSeconds} s`), 20_000);
  const windowCpu = await cpuMeter(on.pid);
  await sleep(windowEnd - Date.now());
  clearInterval(ticker);
  const captionCpu = await windowCpu();
  await sleep(3000);

  const received: ReceivedCaption[] = (await onRoom.receiver.events('caption'))
    .map((event) => ({ ...(event.payload as Caption), receivedMs: event.wallMs }))
    .filter((c) => c.participantId === 'teacher');
  const spans = await capturedSpeech(onRoom.teacher);
  const serverMetrics = {
    partials: await metricOr(on, 'classbridge_captions_total{kind="partial"}'),
    finals: await metricOr(on, 'classbridge_captions_total{kind="final"}'),
    errors: await metricOr(on, 'classbridge_caption_errors_total'),
    workerRestarts: await metricOr(on, 'classbridge_caption_worker_restarts_total'),
  };
  const requests = await interleavedRequests(on, onRoom.student, signalingSeconds, requestIntervalMs, blockSeconds);
  progress(
    `requests: captions running p50 ${r1(percentile(requests.running, 50))} ms, p99 ${r1(percentile(requests.running, 99))} ms (${requests.running.length}); ` +
      `frozen p50 ${r1(percentile(requests.frozen, 50))} ms, p99 ${r1(percentile(requests.frozen, 99))} ms (${requests.frozen.length})`,
  );
  await closeClassroom(onRoom);
  await release(on);
  for (const browser of [browsers.teacher, browsers.others]) await release(browser);

  // Part 1's figures.
  const complete = spans.filter((s): s is CapturedSpeech & { endMs: number } => s.endMs !== null);
  const sentenceOf = assignSentences(complete, liveSpeech);
  const groups = groupCaptions(received);
  const byspan = new Map<number, CaptionGroup[]>();
  const unmatched: Array<{ text: string; final: boolean; startS: number; endS: number; receivedS: number; inMeasuredWindow: boolean }> = [];
  for (const group of groups) {
    const index = mostOverlapped(group, complete);
    if (index === null) {
      const last = group.final ?? group.partials.at(-1)!;
      const rel = (ms: number) => r1((ms - onRoom.publishedAt) / 1000)!;
      unmatched.push({
        text: last.text,
        final: last.final,
        startS: rel(group.startMs),
        endS: rel(group.endMs),
        receivedS: rel(last.receivedMs),
        inMeasuredWindow: group.endMs > windowStart && group.startMs < windowEnd,
      });
    }
    else byspan.set(index, [...(byspan.get(index) ?? []), group]);
  }
  const utterances = complete.flatMap((span, index) => {
    if (span.startMs < windowStart || span.endMs > windowEnd) return [];
    const mine = (byspan.get(index) ?? []).sort((a, b) => a.startMs - b.startMs);
    const finals = mine.flatMap((g) => (g.final ? [g.final] : []));
    const partials = mine.flatMap((g) => g.partials);
    const sentence = sentenceOf[index]!.index;
    const hypothesis = finals.map((f) => f.text).join(' ');
    const firstPartial = partials.length ? Math.min(...partials.map((p) => p.receivedMs)) : null;
    const lastFinal = finals.length ? Math.max(...finals.map((f) => f.receivedMs)) : null;
    return [
      {
        sentence,
        reference: sentence === null ? null : LIVE_SENTENCES[sentence]!,
        hypothesis,
        speechMs: Math.round(span.endMs - span.startMs),
        captions: mine.length,
        partials: partials.length,
        firstPartialMs: firstPartial === null ? null : Math.round(firstPartial - span.startMs),
        finalMs: lastFinal === null ? null : Math.round(lastFinal - span.endMs),
        startErrorMs: finals.length ? Math.round(finals[0]!.startMs - span.startMs) : null,
        endErrorMs: finals.length ? Math.round(finals.at(-1)!.endMs - span.endMs) : null,
        wer: sentence === null ? null : r3(wer(LIVE_SENTENCES[sentence]!, hypothesis)),
      },
    ];
  });
  const liveWer = corpusWer(utterances.flatMap((u) => (u.reference === null ? [] : [{ reference: u.reference, hypothesis: u.hypothesis }])));
  const firstPartialMs = known(utterances.map((u) => u.firstPartialMs));
  const finalMs = known(utterances.map((u) => u.finalMs));
  const phaseErrors = sentenceOf.filter((s) => s.index !== null).map((s) => s.phaseErrorMs);

  const p99Off = percentile(requests.frozen, 99);
  const p99On = percentile(requests.running, 99);
  const relativeCost = werWhole > 0 ? werStreaming / werWhole - 1 : werStreaming === 0 ? 0 : null;

  const result = {
    benchmark: 'captions',
    description:
      'live captions: latency and accuracy through the real server process (Chromium speaking flite sentences, pocketsphinx), engine real-time factor and memory, streaming vs whole-utterance WER, signaling latency with captions on vs off',
    mode: quick ? 'quick' : 'full',
    live: {
      engine: 'pocketsphinx (CAPTIONS=on, CAPTION_ENGINE_EN=pocketsphinx)',
      teacherMicrophone: teacherMusic ? 'music mode (Opus DTX off, --teacher-music)' : 'as the SDK publishes a microphone (Opus FEC and DTX on), processing off',
      sentences: LIVE_SENTENCES.length,
      loopSeconds: r1(liveSpeech.loopS),
      measuredSeconds: liveSeconds,
      measuredFromSecond: r1((windowStart - onRoom.publishedAt) / 1000),
      utterances: utterances.length,
      finalled: utterances.filter((u) => u.hypothesis).length,
      withPartial: utterances.filter((u) => u.partials > 0).length,
      splitIntoSeveralCaptions: utterances.filter((u) => u.captions > 1).length,
      notMatchedToASentence: utterances.filter((u) => u.sentence === null).length,
      /** Times in s after the teacher's microphone was published. */
      firstCapturedSpeechS: complete[0] ? r1((complete[0].startMs - onRoom.publishedAt) / 1000) : null,
      captionsOverlappingNoSpeech: unmatched,
      firstPartialAfterSpeechStartMs: dist(firstPartialMs),
      finalAfterSpeechEndMs: dist(finalMs),
      captionStartAbsErrorMs: dist(known(utterances.map((u) => u.startErrorMs)).map(Math.abs)),
      captionEndAbsErrorMs: dist(known(utterances.map((u) => u.endErrorMs)).map(Math.abs)),
      captionStartSignedErrorMsP50: r1(percentile(known(utterances.map((u) => u.startErrorMs)), 50)),
      captionEndSignedErrorMsP50: r1(percentile(known(utterances.map((u) => u.endErrorMs)), 50)),
      wer: r3(liveWer),
      sentencePhaseErrorMs: dist(phaseErrors),
      serverCpuPercentOfOneCore: captionCpu,
      serverMetrics,
      perUtterance: utterances,
    },
    engines,
    vad: { engine: 'Silero VAD v5 (onnxruntime-node, 1 thread)', ...vadCost },
    streamingVsWhole: {
      engine: 'pocketsphinx',
      sentences: audio.length,
      voice: 'flite rms, 16 kHz',
      whole: 'each sentence one utterance, 0.3 s of silence around it, written at once; one engine process for all (a fresh one, after a warm-up sentence)',
      chunked20ms: 'the same utterances written in 20 ms chunks back to back (streaming decoding, no VAD)',
      streaming: `CaptionStream (Silero VAD + SpeechSegmenter defaults + a fresh PocketsphinxEngine, warm-up sentence first), ${pauseSeconds} s pauses, 20 ms chunks at ${streamSpeed === 1 ? 'real-time pace' : `${streamSpeed}× real time`}`,
      wer: { whole: r3(werWhole), chunked20ms: r3(werChunked), streaming: r3(werStreaming) },
      relativeCostStreamingOverWhole: relativeCost === null ? null : r3(relativeCost),
      wholeAtFramePhases: {
        what: `whole again, the speech shifted by ${[0, ...FRAME_SHIFTS].join(', ')} samples (of the 160-sample, 10 ms feature frame), a fresh engine each after the warm-up sentence`,
        wer: werPhases.map(r3),
        werMean: r3(werWholeMean),
        relativeCostStreamingOverMean: werWholeMean > 0 ? r3(werStreaming / werWholeMean - 1) : null,
      },
      pipelineOnlyCaptionErrorMs: { start: dist(known(streaming.startErrorMs)), end: dist(known(streaming.endErrorMs)) },
      pipelineOnlyLatencyMs: { firstPartialAfterSpeechStart: dist(known(streaming.firstPartialMs)), finalAfterSpeechEnd: dist(known(streaming.finalMs)) },
      streamingRecognitionLagMs: dist(streaming.lagMs),
      streamingFinals: streaming.finals,
      streamingErrors: streaming.errors,
      streamingWallSeconds: r1(streaming.wallSeconds),
      perSentence: audio.map((s, i) => ({
        reference: s.text,
        whole: pocketsphinx.whole.hypotheses[i] ?? '',
        chunked20ms: pocketsphinx.chunked.hypotheses[i] ?? '',
        streaming: streaming.hypotheses[i] ?? '',
        werWhole: r3(wer(s.text, pocketsphinx.whole.hypotheses[i] ?? '')),
        werChunked20ms: r3(wer(s.text, pocketsphinx.chunked.hypotheses[i] ?? '')),
        werStreaming: r3(wer(s.text, streaming.hypotheses[i] ?? '')),
        wholeOtherFramePhases: phases.map((p) => p.hypotheses[i] ?? ''),
        streamingFirstPartialMs: streaming.firstPartialMs[i] ?? null,
        streamingFinalMs: streaming.finalMs[i] ?? null,
      })),
    },
    signaling: {
      request: 'raiseHand / lowerHand in turn from one student socket, timed in the page (performance.now())',
      method: `one server, lesson and set of browsers; the caption processes (${requests.frozenProcesses.join(', ')}) run and are frozen (SIGSTOP) in alternating ${requests.blockSeconds} s blocks while the requests go on, so both conditions share the machine's drifts`,
      intervalMs: requestIntervalMs,
      seconds: signalingSeconds,
      warmupMsExcluded: REQUEST_WARMUP_MS,
      load: 'teacher publishing flite speech, a classroom receiving it and its captions, the student',
      captionsOff: { ...dist(requests.frozen, true) },
      captionsOn: { ...dist(requests.running, true) },
      failures: requests.failures,
      serverCpuPercentOfOneCore: requests.serverCpuPercentOfOneCore,
      blockP99: requests.blockP99,
      p99RatioOnOverOff: r3(p99On / p99Off),
      p50RatioOnOverOff: r3(percentile(requests.running, 50) / percentile(requests.frozen, 50)),
    },
    targets: {
      firstPartialP95Under1s: percentile(firstPartialMs, 95) < 1000,
      firstPartialP50Under1s: percentile(firstPartialMs, 50) < 1000,
      finalP50Under1500ms: percentile(finalMs, 50) < 1500,
      streamingWerAtMost10PercentRelativeAboveWhole: relativeCost !== null && relativeCost <= 0.1,
      streamingWerAtMost10PercentRelativeAboveWholeMeanOverFramePhases: werWholeMean > 0 ? werStreaming / werWholeMean - 1 <= 0.1 : werStreaming === 0,
      signalingP99Within10Percent: p99On / p99Off <= 1.1,
    },
    durationSeconds: r1((Date.now() - benchStarted) / 1000),
    environment: {
      cpus: os.availableParallelism(),
      node: process.version,
      chromium,
      modelsDir,
      /** 1, 5, 15 min: other work on the machine skews every figure here (the benchmark wants it idle). */
      loadAverage: { atStart: loadAtStart, atEnd: os.loadavg().map((n) => Math.round(n * 100) / 100) },
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await cleanupAll();
}
