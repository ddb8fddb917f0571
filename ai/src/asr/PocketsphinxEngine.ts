import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { EngineError, EngineErrorCode, type Hypothesis, type SpeechEngine } from './SpeechEngine.js';

/** The stdio bridge to Debian's python3-pocketsphinx (`ai/python/pocketsphinx_stream.py`). */
const SCRIPT = fileURLToPath(new URL('../../python/pocketsphinx_stream.py', import.meta.url));
export const DEFAULT_POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

export interface PocketsphinxEngineOptions {
  /** Debian's interpreter: python3-pocketsphinx is installed for it, not for a pyenv or venv python. */
  python?: string;
  /** The en-us acoustic model, language model and dictionary (Debian's `pocketsphinx-en-us`). */
  modelDir?: string;
  /** How long `end()` waits for the final hypothesis before the process is restarted. */
  finalTimeoutMs?: number;
  /** How long the process may take to load the model. */
  startTimeoutMs?: number;
}

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * English recognition with CMU pocketsphinx in a child process, streaming partial hypotheses.
 * A process that dies or stops answering is replaced; the utterance in progress is lost (its
 * `end()` rejects with an EngineError) and the next one is recognised by the new process.
 */
export class PocketsphinxEngine implements SpeechEngine {
  readonly name = 'pocketsphinx';
  readonly language = 'en' as const;
  readonly #python: string;
  readonly #modelDir: string;
  readonly #finalTimeoutMs: number;
  readonly #startTimeoutMs: number;
  readonly #listeners = new Set<(hypothesis: Hypothesis) => void>();
  #child: Child | null = null;
  #ready: Promise<void> | null = null;
  /** end() calls waiting for their final, oldest first (the process answers in order). */
  #pendingFinals: Array<{ resolve: (h: Hypothesis) => void; reject: (e: Error) => void }> = [];
  #restarts = 0;
  #closed = false;
  /** begin() was called and end() not yet: a restarted process must begin the utterance too. */
  #inUtterance = false;

  constructor(options: PocketsphinxEngineOptions = {}) {
    this.#python = options.python ?? '/usr/bin/python3';
    this.#modelDir = options.modelDir ?? DEFAULT_POCKETSPHINX_MODEL_DIR;
    this.#finalTimeoutMs = options.finalTimeoutMs ?? 5_000;
    this.#startTimeoutMs = options.startTimeoutMs ?? 15_000;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Processes started after the first (crashes and timeouts). */
  get restarts(): number {
    return this.#restarts;
  }

  /** The engine's process id (for tests and operators). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the process and waits until the model is loaded. */
  async start(): Promise<void> {
    if (this.#closed) throw new Error('PocketsphinxEngine is closed');
    if (!existsSync(this.#modelDir)) {
      throw new EngineError(EngineErrorCode.ModelUnusable, `pocketsphinx model ${this.#modelDir} is missing: install Debian's pocketsphinx-en-us (npm run setup does)`);
    }
    this.#ready ??= this.#spawn();
    await this.#ready;
  }

  onHypothesis(listener: (hypothesis: Hypothesis) => void): void {
    this.#listeners.add(listener);
  }

  begin(): void {
    this.#inUtterance = true;
    this.#send('S');
  }

  audio(pcm: Buffer): void {
    this.#send('A', pcm);
  }

  end(): Promise<Hypothesis> {
    this.#inUtterance = false;
    if (!this.#child) return Promise.reject(new EngineError(EngineErrorCode.Crashed, 'pocketsphinx is not running'));
    return new Promise<Hypothesis>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new EngineError(EngineErrorCode.Timeout, `pocketsphinx gave no final hypothesis within ${this.#finalTimeoutMs} ms; restarting it`));
        this.#restart();
      }, this.#finalTimeoutMs);
      const pending = {
        resolve: (h: Hypothesis) => {
          clearTimeout(timer);
          resolve(h);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          this.#pendingFinals = this.#pendingFinals.filter((p) => p !== pending);
          reject(e);
        },
      };
      this.#pendingFinals.push(pending);
      this.#send('E');
    });
  }

  #failPending(error: EngineError): void {
    const pending = this.#pendingFinals;
    this.#pendingFinals = [];
    for (const p of pending) p.reject(error);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failPending(new EngineError(EngineErrorCode.Crashed, 'the engine was closed'));
    const child = this.#child;
    this.#child = null;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }

  #send(kind: 'S' | 'A' | 'E', payload: Buffer = Buffer.alloc(0)): void {
    const child = this.#child;
    if (!child || !child.stdin.writable) return;
    const header = Buffer.alloc(5);
    header.write(kind, 0, 'latin1');
    header.writeUInt32BE(payload.length, 1);
    child.stdin.write(payload.length ? Buffer.concat([header, payload]) : header);
  }

  #spawn(): Promise<void> {
    const child = spawn(this.#python, [SCRIPT], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, POCKETSPHINX_MODEL_DIR: this.#modelDir },
    });
    this.#child = child;
    // The rest of an utterance that the previous process started is recognised by this one.
    if (this.#inUtterance) this.#send('S');
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    // A dead process's pipe errors with EPIPE; the exit handler deals with it.
    child.stdin.on('error', () => {});
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new EngineError(EngineErrorCode.Timeout, `pocketsphinx did not load its model within ${this.#startTimeoutMs} ms`));
        child.kill('SIGKILL');
      }, this.#startTimeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new EngineError(EngineErrorCode.Unavailable, `cannot start ${this.#python}: ${error.message}`));
      });
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        let message: { type?: unknown; text?: unknown; audio_ms?: unknown; changed?: unknown };
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          return;
        }
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
          return;
        }
        if (typeof message.text !== 'string') return;
        const hypothesis: Hypothesis = {
          text: message.text,
          final: message.type === 'final',
          audioMs: typeof message.audio_ms === 'number' ? message.audio_ms : 0,
          changed: message.changed !== false,
        };
        if (hypothesis.final) this.#pendingFinals.shift()?.resolve(hypothesis);
        for (const listener of this.#listeners) {
          try {
            listener(hypothesis);
          } catch {
            // A listener's error is its own; the engine keeps going.
          }
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.#child !== child) return;
        this.#child = null;
        const reason = `pocketsphinx exited (code ${code}, signal ${signal})${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`;
        reject(new EngineError(EngineErrorCode.Crashed, reason));
        this.#failPending(new EngineError(EngineErrorCode.Crashed, reason));
        if (!this.#closed) this.#restart();
      });
    });
  }

  #restart(): void {
    if (this.#closed) return;
    const old = this.#child;
    this.#child = null;
    old?.kill('SIGKILL');
    this.#failPending(new EngineError(EngineErrorCode.Crashed, 'pocketsphinx was restarted'));
    this.#restarts++;
    this.#ready = this.#spawn();
    this.#ready.catch(() => {});
  }
}
