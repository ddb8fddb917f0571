import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Caption, CaptionLanguage } from '@classbridge/protocol';
import type { WorkerCommand, WorkerEvent } from './messages.js';
import type { EchoVerdict } from '../echo/EchoVerdict.js';
import type { EchoRole } from '../echo/EchoGuards.js';
import { DEFAULT_ENGINE_CHOICE, ENGINE_CHOICE_ENV, type EngineChoice } from '../asr/engineChoice.js';

/** The built entry point (next to this file in dist/; from the sources under test, in ../../dist). */
const MAIN = [new URL('./captionWorkerMain.js', import.meta.url), new URL('../../dist/worker/captionWorkerMain.js', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((path) => existsSync(path))!;

/** Below normal priority: captions may lag on a busy machine, signaling and media may not. */
export const DEFAULT_NICENESS = 10;

export interface CaptionWorkerEvents {
  caption: [{ streamId: string; caption: Caption }];
  lag: [{ streamId: string; lagMs: number }];
  /** A classroom microphone's echo verdict changed (streams opened with `echo`). */
  echo: [{ streamId: string; verdict: EchoVerdict }];
  /** A stream could not be opened or its engine failed (captions of that speaker pause). */
  streamError: [{ streamId: string | null; code: string; message: string }];
  /** The process died and was started again; open streams are gone (the owner re-opens them). */
  restarted: [{ code: number | null; signal: string | null }];
}

/**
 * The parent's handle on the caption worker process (captionWorkerMain): opens and closes caption
 * streams, relays sender reports, and restarts the process if it dies, so a crashing engine costs
 * captions for a moment and never the lesson. Listener errors are contained.
 */
export class CaptionWorker extends EventEmitter<CaptionWorkerEvents> {
  #child: ChildProcess | null = null;
  #ready: Promise<void> | null = null;
  readonly #opening = new Map<string, { resolve: (port: number) => void; reject: (error: Error) => void }>();
  readonly #closing = new Map<string, () => void>();
  #restarts = 0;
  #closed = false;
  readonly #engines: EngineChoice;
  readonly #niceness: number;

  /**
   * `engines`: which speech engine recognises which language, and where models are (default:
   * pocketsphinx for English). `niceness`: the worker's scheduling priority (0–19, default 10); its
   * engine processes inherit it, so on a busy machine recognition yields the CPU to signaling and
   * the SFU, and captions lag (a metric says by how much) instead of the lesson.
   */
  constructor(options: { engines?: EngineChoice; niceness?: number } = {}) {
    super();
    this.#engines = options.engines ?? DEFAULT_ENGINE_CHOICE;
    this.#niceness = options.niceness ?? DEFAULT_NICENESS;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('CaptionWorker is closed'));
    this.#ready ??= this.#spawn();
    return this.#ready;
  }

  /**
   * Opens a stream; resolves with the UDP port the media tap must send its RTP to. `language`:
   * caption it (null: do not). `echo`: run the echo guard on it (the teacher's microphone is the
   * reference for the classroom microphones of its lesson).
   */
  async open(stream: { streamId: string; participantId: string; speaker: string; language: CaptionLanguage | null; payloadType: number; echo?: { lessonId: string; role: EchoRole } }): Promise<number> {
    await this.start();
    return new Promise<number>((resolve, reject) => {
      this.#opening.set(stream.streamId, { resolve, reject });
      this.#send({ type: 'open', ...stream });
    });
  }

  senderReport(streamId: string, report: { ssrc: number; ntpMs: number; rtpTimestamp: number }): void {
    this.#send({ type: 'senderReport', streamId, ...report });
  }

  flush(streamId: string): void {
    this.#send({ type: 'flush', streamId });
  }

  /**
   * Closes a stream after finishing the utterance in progress; resolves once its last final caption
   * was emitted, or after `timeoutMs` (a stuck engine), or at once if the process is gone.
   */
  closeStream(streamId: string, timeoutMs = 5_000): Promise<void> {
    if (!this.#child?.connected) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const previous = this.#closing.get(streamId);
      function done() {
        clearTimeout(timer);
        previous?.();
        resolve();
      }
      this.#closing.set(streamId, done);
      this.#send({ type: 'close', streamId });
    }).finally(() => this.#closing.delete(streamId));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const child = this.#child;
    this.#child = null;
    for (const pending of this.#opening.values()) pending.reject(new Error('the caption worker was closed'));
    this.#opening.clear();
    this.#settleClosing();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }

  #send(command: WorkerCommand): void {
    if (this.#child?.connected) this.#child.send(command);
  }

  #spawn(): Promise<void> {
    const child = fork(MAIN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, [ENGINE_CHOICE_ENV]: JSON.stringify(this.#engines) } });
    this.#child = child;
    // Set before the worker starts any engine process, so those inherit it.
    if (child.pid !== undefined && this.#niceness !== 0) {
      try {
        setPriority(child.pid, this.#niceness);
      } catch {
        // Not permitted here (a raised niceness never needs privilege, so this is rare): normal priority.
      }
    }
    return new Promise<void>((resolve, reject) => {
      child.on('message', (event: WorkerEvent) => {
        switch (event.type) {
          case 'ready':
            resolve();
            break;
          case 'opened':
            this.#opening.get(event.streamId)?.resolve(event.port);
            this.#opening.delete(event.streamId);
            break;
          case 'caption':
            this.#emitSafely('caption', { streamId: event.streamId, caption: event.caption });
            break;
          case 'closed':
            this.#closing.get(event.streamId)?.();
            break;
          case 'lag':
            this.#emitSafely('lag', { streamId: event.streamId, lagMs: event.lagMs });
            break;
          case 'echo':
            this.#emitSafely('echo', { streamId: event.streamId, verdict: event.verdict });
            break;
          case 'error':
            if (event.streamId && this.#opening.has(event.streamId)) {
              this.#opening.get(event.streamId)!.reject(Object.assign(new Error(event.message), { code: event.code }));
              this.#opening.delete(event.streamId);
            }
            this.#emitSafely('streamError', { streamId: event.streamId, code: event.code, message: event.message });
            break;
        }
      });
      child.once('exit', (code, signal) => {
        reject(new Error(`the caption worker exited (code ${code}, signal ${signal})`));
        if (this.#child !== child || this.#closed) return;
        for (const pending of this.#opening.values()) pending.reject(new Error('the caption worker died'));
        this.#opening.clear();
        this.#settleClosing();
        this.#restarts++;
        this.#ready = this.#spawn();
        this.#ready.catch(() => {});
        this.#emitSafely('restarted', { code, signal });
      });
    });
  }

  #settleClosing(): void {
    for (const done of [...this.#closing.values()]) done();
    this.#closing.clear();
  }

  #emitSafely<E extends keyof CaptionWorkerEvents>(event: E, ...args: CaptionWorkerEvents[E]): void {
    try {
      (this.emit as (name: string, ...rest: unknown[]) => boolean)(event, ...args);
    } catch {
      // A listener's error is its own; the worker keeps captioning.
    }
  }
}
