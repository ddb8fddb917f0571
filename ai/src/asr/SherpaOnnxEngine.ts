import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { corruptModel } from './modelFiles.js';
import type { SherpaEvent, SherpaCommand, SherpaProcessConfig } from './sherpaMessages.js';
import { defaultSherpaOnnxModelDir, findSherpaModelFiles, type SherpaModelFiles } from './sherpaModel.js';
import { EngineError, EngineErrorCode, type CaptionLanguage, type Hypothesis, type SpeechEngine } from './SpeechEngine.js';

/**
 * Crashes in a row (no final in between) after which the model is taken as unusable: a model that
 * loads but aborts the library when decoding (e.g. a tokens.txt shorter than the model's vocabulary)
 * would otherwise be reloaded for every utterance, and only ever say ASR_CRASHED.
 */
const CRASH_LIMIT = 3;

/** The built recognizer process (next to this file in dist/; from the sources under test, in ../../dist). */
const MAIN = [new URL('./sherpaOnnxMain.js', import.meta.url), new URL('../../dist/asr/sherpaOnnxMain.js', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((path) => existsSync(path))!;

export interface SherpaOnnxEngineOptions {
  /**
   * A streaming transducer's directory: encoder*.onnx, decoder*.onnx, joiner*.onnx (int8 preferred)
   * and tokens.txt. Default: `${MODELS_DIR or models}/sherpa-onnx/sherpa-onnx-streaming-zipformer-bilingual-zh-en-2023-02-20`.
   */
  modelDir?: string;
  /** Where the downloaded models are, when `modelDir` is not given (default: MODELS_DIR, else models). */
  modelsDir?: string;
  /** The language its captions are labelled with (the bilingual model hears both; default zh). */
  language?: CaptionLanguage;
  /** onnxruntime threads of the recognizer (default 1: the server runs one engine per captioned speaker). */
  numThreads?: number;
  decodingMethod?: 'greedy_search' | 'modified_beam_search';
  /** How long the process may take to load the model (one of the zipformer's size loads in about a second). */
  startTimeoutMs?: number;
  /** How long `end()` waits for the final hypothesis before the process is restarted. */
  finalTimeoutMs?: number;
}

interface PendingFinal {
  resolve: (hypothesis: Hypothesis) => void;
  reject: (error: Error) => void;
}

/**
 * Streaming recognition (Mandarin, and the English in it) with sherpa-onnx's OnlineRecognizer in a
 * process of its own (see sherpaOnnxMain for why not a thread). Partial hypotheses come as audio is
 * decoded; `end()` pads, finishes the input and resolves with the final. A process that dies or stops
 * answering is replaced: the utterance in progress is lost (its `end()` rejects with an EngineError)
 * and the next one is recognised by the new process. A model that fails to load is ASR_MODEL_UNUSABLE.
 */
export class SherpaOnnxEngine implements SpeechEngine {
  readonly name = 'sherpa-onnx';
  readonly language: CaptionLanguage;
  readonly modelDir: string;
  readonly #numThreads: number;
  readonly #decodingMethod: 'greedy_search' | 'modified_beam_search';
  readonly #startTimeoutMs: number;
  readonly #finalTimeoutMs: number;
  readonly #listeners = new Set<(hypothesis: Hypothesis) => void>();
  #files: SherpaModelFiles | null = null;
  #child: ChildProcess | null = null;
  #ready: Promise<void> | null = null;
  /** The process the utterance in progress was begun in (its audio and end go there only). */
  #utteranceChild: ChildProcess | null = null;
  #utterance = 0;
  readonly #pendingFinals = new Map<number, PendingFinal>();
  #loadMs: number | null = null;
  #lastRealTimeFactor: number | null = null;
  #restarts = 0;
  /** Crashes since the last final (see CRASH_LIMIT). */
  #crashes = 0;
  /** Set when the process kept dying (no restart then): what end() answers until start() tries again. */
  #failure: EngineError | null = null;
  #closing: Promise<void> | null = null;

  constructor(options: SherpaOnnxEngineOptions = {}) {
    this.modelDir = options.modelDir ?? defaultSherpaOnnxModelDir(options.modelsDir);
    this.language = options.language ?? 'zh';
    this.#numThreads = options.numThreads ?? 1;
    this.#decodingMethod = options.decodingMethod ?? 'greedy_search';
    this.#startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.#finalTimeoutMs = options.finalTimeoutMs ?? 5_000;
  }

  get closed(): boolean {
    return this.#closing !== null;
  }

  /** Processes started after the first (crashes and timeouts). */
  get restarts(): number {
    return this.#restarts;
  }

  /** The recognizer process's id (for tests and operators). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Model load time of the current process, and decode time over audio time of the last utterance. */
  get stats(): { loadMs: number | null; lastRealTimeFactor: number | null } {
    return { loadMs: this.#loadMs, lastRealTimeFactor: this.#lastRealTimeFactor };
  }

  /** Finds the model's files, starts the process and waits until the model is loaded. */
  async start(): Promise<void> {
    if (this.closed) throw new Error('SherpaOnnxEngine is closed');
    this.#files ??= findSherpaModelFiles(this.name, this.modelDir);
    // An explicit start() gives a model that kept crashing another chance (it may have been replaced).
    this.#failure = null;
    this.#crashes = 0;
    const ready = (this.#ready ??= this.#spawn(this.#files));
    try {
      await ready;
    } catch (error) {
      // A failed load is not retried by itself (a bad model fails again); a later start() may.
      if (this.#ready === ready) this.#ready = null;
      throw error;
    }
  }

  onHypothesis(listener: (hypothesis: Hypothesis) => void): void {
    this.#listeners.add(listener);
  }

  begin(): void {
    this.#utteranceChild = this.#child;
    this.#send({ type: 'begin', utterance: ++this.#utterance });
  }

  audio(pcm: Buffer): void {
    if (this.#child && this.#child === this.#utteranceChild) this.#send({ type: 'audio', pcm });
  }

  end(): Promise<Hypothesis> {
    const child = this.#child;
    const begunIn = this.#utteranceChild;
    this.#utteranceChild = null;
    if (this.#failure) return Promise.reject(this.#failure);
    if (!child) return Promise.reject(new EngineError(EngineErrorCode.Crashed, 'sherpa-onnx is not running'));
    if (child !== begunIn) return Promise.reject(new EngineError(EngineErrorCode.Crashed, 'sherpa-onnx was restarted during the utterance'));
    const utterance = this.#utterance;
    return new Promise<Hypothesis>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pendingFinals.delete(utterance);
        reject(new EngineError(EngineErrorCode.Timeout, `sherpa-onnx gave no final hypothesis within ${this.#finalTimeoutMs} ms; restarting it`));
        this.#restart(child);
      }, this.#finalTimeoutMs);
      this.#pendingFinals.set(utterance, {
        resolve: (hypothesis) => {
          clearTimeout(timer);
          resolve(hypothesis);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#send({ type: 'end', utterance });
    });
  }

  /** Kills the process; an utterance waiting for its final rejects. Safe to call more than once. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#failPending(new EngineError(EngineErrorCode.Crashed, 'the engine was closed'));
      const child = this.#child;
      this.#child = null;
      this.#utteranceChild = null;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return this.#closing;
  }

  #send(command: SherpaCommand): void {
    if (this.#child?.connected) this.#child.send(command);
  }

  #failPending(error: EngineError): void {
    const pending = [...this.#pendingFinals.values()];
    this.#pendingFinals.clear();
    for (const p of pending) p.reject(error);
  }

  #spawn(files: SherpaModelFiles): Promise<void> {
    const config: SherpaProcessConfig = { files, numThreads: this.#numThreads, decodingMethod: this.#decodingMethod };
    // Advanced serialization: audio chunks go as bytes, not as JSON arrays. No execArgv of ours
    // (an --inspect port, a loader): the entry point is plain built JavaScript.
    const child = fork(MAIN, [JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', execArgv: [] });
    this.#child = child;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    let loaded = false;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new EngineError(EngineErrorCode.Timeout, `sherpa-onnx did not load its model within ${this.#startTimeoutMs} ms`));
        this.#restart(child, false);
      }, this.#startTimeoutMs);
      // Not once: a send racing the process's death errors too, and an unheard 'error' would throw
      // in the caller. Its exit is handled below; a process that never started has no exit.
      child.on('error', (error) => {
        if (child.pid !== undefined) return;
        clearTimeout(timer);
        reject(new EngineError(EngineErrorCode.Unavailable, `cannot start the sherpa-onnx process: ${error.message}`));
        if (this.#child === child) {
          this.#child = null;
          this.#ready = null;
        }
      });
      child.on('message', (event: SherpaEvent) => {
        switch (event.type) {
          case 'ready':
            loaded = true;
            this.#loadMs = event.loadMs;
            clearTimeout(timer);
            resolve();
            break;
          case 'loadFailed':
            clearTimeout(timer);
            reject(corruptModel(this.name, this.modelDir, event.message));
            break;
          case 'unavailable':
            clearTimeout(timer);
            reject(new EngineError(EngineErrorCode.Unavailable, `sherpa-onnx-node cannot be loaded: ${event.message}`));
            break;
          case 'hypothesis':
            // Late words of a process already replaced belong to an utterance already failed.
            if (this.#child === child) this.#hypothesis(event);
            break;
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const why = lastError(stderr);
        if (!loaded) {
          if (this.closed || signal === 'SIGKILL' || signal === 'SIGTERM') {
            reject(new EngineError(EngineErrorCode.Crashed, `sherpa-onnx was killed (${signal ?? code}) while loading its model`));
          } else {
            // It died loading the model: the library aborts (or segfaults) on a corrupt or foreign
            // model. Not restarted: it would only die again.
            const file = [files.encoder, files.decoder, files.joiner, files.tokens].find((path) => stderr.includes(path));
            reject(corruptModel(this.name, file ?? this.modelDir, `the recognizer died loading it (${signal ?? `exit code ${code}`})${why ? `: ${why}` : ''}`));
          }
        }
        if (this.#child !== child) return;
        this.#child = null;
        this.#ready = null;
        if (!loaded) return;
        const reason = `sherpa-onnx exited (code ${code}, signal ${signal})${why ? `: ${why}` : ''}`;
        if (++this.#crashes >= CRASH_LIMIT) {
          this.#failure = corruptModel(this.name, this.modelDir, `the recognizer died ${CRASH_LIMIT} times in a row decoding with it, last: ${reason}`);
          this.#failPending(this.#failure);
          return;
        }
        this.#failPending(new EngineError(EngineErrorCode.Crashed, reason));
        if (!this.closed) this.#restart(null);
      });
    });
  }

  #hypothesis(event: Extract<SherpaEvent, { type: 'hypothesis' }>): void {
    // A partial of an utterance that has been followed by another is of no use to anyone.
    if (!event.final && event.utterance !== this.#utterance) return;
    const hypothesis: Hypothesis = { text: event.text, final: event.final, audioMs: event.audioMs, changed: event.changed };
    if (event.final) {
      this.#crashes = 0;
      if (event.audioMs > 0) this.#lastRealTimeFactor = event.decodeMs / event.audioMs;
      const pending = this.#pendingFinals.get(event.utterance);
      this.#pendingFinals.delete(event.utterance);
      pending?.resolve(hypothesis);
    }
    for (const listener of this.#listeners) {
      try {
        listener(hypothesis);
      } catch {
        // A listener's error is its own; the engine keeps going.
      }
    }
  }

  /** Replaces `old` (when it is still the current process) with a new one loading the same model. */
  #restart(old: ChildProcess | null, respawn = true): void {
    if (old) {
      old.kill('SIGKILL');
      if (this.#child !== old) return;
      this.#child = null;
      this.#ready = null;
    }
    this.#failPending(new EngineError(EngineErrorCode.Crashed, 'sherpa-onnx was restarted'));
    if (this.closed || !respawn || !this.#files) return;
    this.#restarts++;
    this.#ready = this.#spawn(this.#files);
    this.#ready.catch(() => {});
  }
}

/** The native library's last word on stderr (`what():` of an uncaught exception, else the last line). */
function lastError(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  const what = lines.findLast((line) => line.startsWith('what():'));
  return (what ?? lines.at(-1) ?? '').slice(0, 500);
}
