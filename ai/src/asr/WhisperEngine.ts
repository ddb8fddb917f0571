import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { checkWhisperModelFile } from './ggmlHeader.js';
import { corruptModel, DEFAULT_MODELS_DIR, missingModel } from './modelFiles.js';
import { EngineError, EngineErrorCode, type CaptionLanguage, type Hypothesis, type SpeechEngine } from './SpeechEngine.js';

/** The recommended model, relative to MODELS_DIR (scripts/fetch-models.sh downloads it there). */
export const DEFAULT_WHISPER_MODEL = join('whisper', 'ggml-base.bin');

/** `${MODELS_DIR or models}/whisper/ggml-base.bin`. */
export function defaultWhisperModelPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.MODELS_DIR || DEFAULT_MODELS_DIR, DEFAULT_WHISPER_MODEL);
}

export interface WhisperEngineOptions {
  /** The lesson language Whisper is told to expect (multilingual models only for 'zh'). Default 'en'. */
  language?: CaptionLanguage;
  /** A whisper.cpp ggml model. Default: `${MODELS_DIR or models}/whisper/ggml-base.bin`. */
  modelPath?: string;
  /** Least time (and new audio) between partial re-transcriptions of the growing utterance. */
  partialIntervalMs?: number;
  /** How long one transcription may take before the engine process is replaced (ASR_TIMEOUT). */
  transcribeTimeoutMs?: number;
  /** How long loading the model may take; beyond it the model counts as unusable. */
  loadTimeoutMs?: number;
  /** whisper.cpp threads per transcription (default: the library's, min(8, cores)). */
  threads?: number;
  /** Audio kept per utterance; more is ignored (the segmenter cuts utterances far sooner). */
  maxUtteranceMs?: number;
  /** Initial prompt (vocabulary or style hints, e.g. simplified Chinese for 'zh'). */
  prompt?: string;
}

/** 16 kHz mono s16le. */
const BYTES_PER_MS = 32;

/**
 * The process that owns the whisper.cpp context. whisper.node loads a model synchronously on the
 * calling thread (a malformed one can block it for ever), aborts the process on some inconsistent
 * models (GGML_ASSERT), and cannot interrupt a transcription (stop() only discards its result): so
 * the context lives in a process of its own that can be killed. Plain CommonJS passed to `node -e`,
 * so it runs the same from the sources under test and from dist/.
 */
const CHILD_SOURCE = String.raw`
'use strict';
let context = null;
const send = (message) => process.send(message);
const describe = (error) => String((error && error.message) || error).split('\n')[0];
// The engine is gone (closed or crashed): nothing to transcribe for.
process.on('disconnect', () => process.exit(0));
process.on('message', async (message) => {
  if (message.type === 'load') {
    let whisper;
    try {
      whisper = require(message.packagePath);
    } catch (error) {
      send({ type: 'failed', stage: 'module', message: describe(error) });
      return;
    }
    const started = Date.now();
    try {
      context = await whisper.initWhisper({ filePath: message.modelPath, useGpu: false });
      send({ type: 'ready', loadMs: Date.now() - started });
    } catch (error) {
      send({ type: 'failed', stage: 'model', message: describe(error) });
    }
  } else if (message.type === 'transcribe') {
    const started = Date.now();
    try {
      const pcm = message.pcm;
      const audio = pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength);
      const result = await context.transcribeData(audio, message.options).promise;
      send({ type: 'result', id: message.id, text: result.result, ms: Date.now() - started });
    } catch (error) {
      send({ type: 'error', id: message.id, message: describe(error) });
    }
  }
});
`;

type ChildMessage =
  | { type: 'ready'; loadMs: number }
  | { type: 'failed'; stage: 'module' | 'model'; message: string }
  | { type: 'result'; id: number; text: string; ms: number }
  | { type: 'error'; id: number; message: string };

interface Pending {
  resolve: (text: string) => void;
  reject: (error: EngineError) => void;
}

interface Utterance {
  chunks: Buffer[];
  bytes: number;
  /** Text of the last hypothesis emitted for this utterance (for `changed`). */
  lastText: string;
  /** When the last partial started (ms, monotonic) and how much audio it had. */
  lastPartialAt: number;
  lastPartialBytes: number;
}

/**
 * Whisper (whisper.cpp through @fugood/whisper.node) behind the SpeechEngine interface. Whisper is
 * not streaming: the utterance's audio is kept, the growing buffer is re-transcribed for partial
 * hypotheses (at most one transcription in flight; a partial that would queue is skipped), and
 * `end()` transcribes the whole utterance. The model runs in a child process that is replaced when
 * a transcription times out or the process dies; the utterance audio stays here, so only the
 * transcription that was cut is lost.
 */
export class WhisperEngine implements SpeechEngine {
  readonly name = 'whisper';
  readonly language: CaptionLanguage;
  readonly modelPath: string;
  readonly #partialIntervalMs: number;
  readonly #transcribeTimeoutMs: number;
  readonly #loadTimeoutMs: number;
  readonly #threads: number | undefined;
  readonly #maxUtteranceBytes: number;
  readonly #prompt: string | undefined;
  readonly #listeners = new Set<(hypothesis: Hypothesis) => void>();
  #child: ChildProcess | null = null;
  #ready: Promise<void> | null = null;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #utterance: Utterance | null = null;
  /** The transcription in flight (partial or final); it never rejects. */
  #inFlight: Promise<void> | null = null;
  #restarts = 0;
  #loadMs: number | null = null;
  #closed = false;

  constructor(options: WhisperEngineOptions = {}) {
    this.language = options.language ?? 'en';
    this.modelPath = options.modelPath ?? defaultWhisperModelPath();
    this.#partialIntervalMs = options.partialIntervalMs ?? 1_000;
    this.#transcribeTimeoutMs = options.transcribeTimeoutMs ?? 20_000;
    this.#loadTimeoutMs = options.loadTimeoutMs ?? 60_000;
    this.#threads = options.threads;
    this.#maxUtteranceBytes = (options.maxUtteranceMs ?? 60_000) * BYTES_PER_MS;
    this.#prompt = options.prompt;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Processes started after the first (timeouts and crashes). */
  get restarts(): number {
    return this.#restarts;
  }

  /** The engine process's id (for tests and operators). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How long the current process took to load the model (ms), once it has. */
  get loadMs(): number | null {
    return this.#loadMs;
  }

  /** Checks the model file and starts the engine process; resolves once the model is loaded. */
  async start(): Promise<void> {
    if (this.#closed) throw new Error('WhisperEngine is closed');
    await this.#ensureReady();
  }

  onHypothesis(listener: (hypothesis: Hypothesis) => void): void {
    this.#listeners.add(listener);
  }

  /** Starts an utterance (one not ended is dropped). */
  begin(): void {
    this.#utterance = { chunks: [], bytes: 0, lastText: '', lastPartialAt: performance.now(), lastPartialBytes: 0 };
  }

  /** Adds 16 kHz mono s16le audio to the utterance (audio before begin() starts one). */
  audio(pcm: Buffer): void {
    if (this.#closed || pcm.length === 0) return;
    if (!this.#utterance) this.begin();
    const utterance = this.#utterance!;
    const room = this.#maxUtteranceBytes - utterance.bytes;
    if (room <= 0) return;
    // A copy: the caller may reuse its buffer.
    const chunk = Buffer.from(pcm.subarray(0, room - (room % 2)));
    utterance.chunks.push(chunk);
    utterance.bytes += chunk.length;
    this.#maybePartial(utterance);
  }

  /** Ends the utterance: the whole of it is transcribed for the final hypothesis. */
  async end(): Promise<Hypothesis> {
    const utterance = this.#utterance ?? { chunks: [], bytes: 0, lastText: '', lastPartialAt: 0, lastPartialBytes: 0 };
    this.#utterance = null;
    if (this.#closed) throw new EngineError(EngineErrorCode.Crashed, 'the engine was closed');
    // One transcription at a time: after the partial (or the previous final) in flight.
    const text = utterance.bytes > 0 ? await this.#exclusive(() => this.#transcribe(Buffer.concat(utterance.chunks), true)) : '';
    const hypothesis: Hypothesis = { text, final: true, audioMs: utterance.bytes / BYTES_PER_MS, changed: text !== utterance.lastText };
    this.#emit(hypothesis);
    return hypothesis;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#utterance = null;
    this.#failPending(new EngineError(EngineErrorCode.Crashed, 'the engine was closed'));
    const child = this.#child;
    this.#child = null;
    await kill(child);
  }

  /** Re-transcribes the growing utterance, if it has grown enough and nothing else is running. */
  #maybePartial(utterance: Utterance): void {
    const now = performance.now();
    const grownMs = (utterance.bytes - utterance.lastPartialBytes) / BYTES_PER_MS;
    if (this.#inFlight || !this.#child || this.#loadMs === null) return; // busy or (re)loading: partials are droppable
    if (now - utterance.lastPartialAt < this.#partialIntervalMs || grownMs < this.#partialIntervalMs) return;
    utterance.lastPartialAt = now;
    utterance.lastPartialBytes = utterance.bytes;
    const bytes = utterance.bytes;
    void this.#exclusive(() => this.#transcribe(Buffer.concat(utterance.chunks), false)).then(
      (text) => {
        // Late for an utterance that has ended or been replaced: its final says it all.
        if (this.#utterance !== utterance) return;
        const changed = text !== utterance.lastText;
        utterance.lastText = text;
        this.#emit({ text, final: false, audioMs: bytes / BYTES_PER_MS, changed });
      },
      () => {
        // A partial that failed or timed out is dropped; the engine has restarted already.
      },
    );
  }

  /**
   * Runs `work` once no other transcription is in flight. Claims the slot synchronously when it
   * is free (a partial checks it just before), so at most one transcription ever runs.
   */
  async #exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.#inFlight) await this.#inFlight;
    const result = work();
    const slot: Promise<void> = result.then(
      () => {},
      () => {},
    );
    this.#inFlight = slot;
    // Registered first, so waiters find the slot free when they wake.
    void slot.then(() => {
      if (this.#inFlight === slot) this.#inFlight = null;
    });
    return result;
  }

  #emit(hypothesis: Hypothesis): void {
    for (const listener of this.#listeners) {
      try {
        listener(hypothesis);
      } catch {
        // A listener's error is its own; the engine keeps going.
      }
    }
  }

  /** One transcription in the engine process, bounded by the timeout. Resolves with trimmed text. */
  async #transcribe(pcm: Buffer, final: boolean): Promise<string> {
    await this.#ensureReady();
    const child = this.#child;
    if (!child?.connected) {
      // Its channel closed before 'exit' was seen: replace it now, so the next start() waits for a live process.
      if (child) this.#restart(child);
      throw new EngineError(EngineErrorCode.Crashed, 'the whisper process is not running');
    }
    const id = this.#nextId++;
    const options = {
      language: this.language,
      temperature: 0,
      // Partials skip whisper's temperature fallback (up to 5 more decodes): they are soon stale.
      ...(final ? {} : { temperatureInc: 0 }),
      ...(this.#threads ? { maxThreads: this.#threads } : {}),
      ...(this.#prompt ? { prompt: this.#prompt } : {}),
    };
    const text = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new EngineError(EngineErrorCode.Timeout, `whisper gave no ${final ? 'final' : 'partial'} hypothesis within ${this.#transcribeTimeoutMs} ms; restarting it`));
        this.#restart(child);
      }, this.#transcribeTimeoutMs);
      this.#pending.set(id, {
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ type: 'transcribe', id, pcm, options }, (error) => {
        if (!error) return;
        this.#settle(id)?.reject(new EngineError(EngineErrorCode.Crashed, `the whisper process is gone: ${error.message}`));
        // The send can fail before 'exit' arrives; the dead process must not stay the ready one.
        this.#restart(child);
      });
    });
    // whisper.cpp's marker for silence is no text for captions.
    return text.replace(/\[BLANK_AUDIO\]/g, '').replace(/\s+/g, ' ').trim();
  }

  #failPending(error: EngineError): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }

  /** The loaded engine process: checks the model and starts one if there is none. */
  #ensureReady(): Promise<void> {
    if (this.#closed) return Promise.reject(new EngineError(EngineErrorCode.Crashed, 'the engine was closed'));
    if (!this.#ready) {
      const ready = this.#load();
      this.#ready = ready;
      // A failed load is not kept: the next utterance tries again (the model may be fixed by then).
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = null;
      });
    }
    return this.#ready;
  }

  async #load(): Promise<void> {
    if (!existsSync(this.modelPath)) throw missingModel('whisper', this.modelPath);
    const check = await checkWhisperModelFile(this.modelPath).catch((error: Error) => ({ ok: false as const, reason: `cannot read it: ${error.message}` }));
    if (!check.ok) throw corruptModel('whisper', this.modelPath, check.reason);
    if (this.language !== 'en' && !check.multilingual) {
      throw corruptModel('whisper', this.modelPath, `an English-only model cannot recognise ${this.language}; use a multilingual one such as ggml-base.bin`);
    }
    let packagePath: string;
    try {
      packagePath = createRequire(import.meta.url).resolve('@fugood/whisper.node');
    } catch {
      throw new EngineError(EngineErrorCode.Unavailable, '@fugood/whisper.node is not installed (npm install in ai/)');
    }
    if (this.#closed) throw new EngineError(EngineErrorCode.Crashed, 'the engine was closed');
    return this.#spawn(packagePath);
  }

  #spawn(packagePath: string): Promise<void> {
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    this.#child = child;
    this.#loadMs = null;
    // whisper.cpp logs to stderr; the tail explains a failed load or a crash.
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const lastLine = () => stderr.trim().split('\n').at(-1) ?? '';
    return new Promise<void>((resolve, reject) => {
      let loaded = false;
      const timer = setTimeout(() => {
        reject(corruptModel('whisper', this.modelPath, `it did not load within ${this.#loadTimeoutMs} ms`));
        void this.#discard(child);
      }, this.#loadTimeoutMs);
      child.on('message', (message: ChildMessage) => {
        switch (message.type) {
          case 'ready':
            loaded = true;
            clearTimeout(timer);
            this.#loadMs = message.loadMs;
            resolve();
            break;
          case 'failed':
            clearTimeout(timer);
            reject(
              message.stage === 'module'
                ? new EngineError(EngineErrorCode.Unavailable, `@fugood/whisper.node cannot be loaded here: ${message.message}`)
                : corruptModel('whisper', this.modelPath, `whisper.cpp refused it: ${lastLine() || message.message}`),
            );
            void this.#discard(child);
            break;
          case 'result':
            this.#settle(message.id)?.resolve(message.text);
            break;
          case 'error':
            this.#settle(message.id)?.reject(new EngineError(EngineErrorCode.Crashed, `whisper failed to transcribe: ${message.message}`));
            break;
        }
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new EngineError(EngineErrorCode.Unavailable, `cannot start the whisper process: ${error.message}`));
      });
      child.send({ type: 'load', packagePath, modelPath: this.modelPath });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const reason = `exited (code ${code}, signal ${signal})${lastLine() ? `: ${lastLine()}` : ''}`;
        // Dying while loading is the model's doing (whisper.cpp asserts on inconsistent files).
        if (!loaded) reject(this.#closed ? new EngineError(EngineErrorCode.Crashed, 'the engine was closed') : corruptModel('whisper', this.modelPath, `the loader ${reason}`));
        if (this.#child !== child) return;
        this.#child = null;
        this.#ready = null;
        this.#failPending(new EngineError(EngineErrorCode.Crashed, `the whisper process ${reason}`));
        // A process that had loaded the model is replaced at once, ready for the next utterance.
        if (loaded && !this.#closed) this.#restart(null);
      });
    });
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    return pending;
  }

  /** Replaces the engine process (after a timeout or a crash); the new one loads in the background. */
  #restart(old: ChildProcess | null): void {
    if (old) {
      if (this.#child !== old) return; // already replaced
      this.#child = null;
      this.#ready = null;
      this.#failPending(new EngineError(EngineErrorCode.Crashed, 'whisper was restarted'));
      void kill(old);
    }
    if (this.#closed) return;
    this.#restarts++;
    this.#ensureReady().catch(() => {
      // Reported to the next end() or start(), which tries again.
    });
  }

  /** Drops a process that failed to load (it is not the engine's process any more). */
  async #discard(child: ChildProcess): Promise<void> {
    if (this.#child === child) this.#child = null;
    await kill(child);
  }
}

/** SIGKILL (it also ends a stopped or stuck process) and wait for the exit. */
async function kill(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
