// ffmpeg is spawned directly rather than through fluent-ffmpeg: that package is
// archived upstream, and our filter graphs are built as plain argument lists anyway.
import { spawn } from 'node:child_process';

/** Progress ffmpeg reports while it runs (-progress). */
export interface FfmpegProgress {
  /** Output time written so far, ms. */
  outTimeMs: number;
  /** Encoding speed in multiples of real time, when known. */
  speed: number | null;
}

export interface RunFfmpegOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onProgress?: (progress: FfmpegProgress) => void;
  /** Runs ffmpeg under `nice -n` (1–19) so composing never starves the live SFU. */
  niceness?: number;
}

export interface RunFfmpegResult {
  elapsedMs: number;
  /** The last lines ffmpeg wrote to stderr (warnings, at the log level the args chose). */
  stderrTail: string;
}

export type FfmpegFailure = 'exit' | 'spawn' | 'timeout' | 'aborted';

/** ffmpeg failed: `stderrTail` holds its last lines, which usually say why. */
export class FfmpegError extends Error {
  override readonly name = 'FfmpegError';
  /** Why it failed: a non-zero exit, no process at all, or stopped by us. */
  readonly failure: FfmpegFailure;
  /** null when it was killed (abort, timeout) or never ran. */
  readonly exitCode: number | null;
  readonly stderrTail: string;

  constructor(message: string, failure: FfmpegFailure, exitCode: number | null, stderrTail: string, options?: { cause?: unknown }) {
    super(stderrTail ? `${message}\n${stderrTail}` : message, options);
    this.failure = failure;
    this.exitCode = exitCode;
    this.stderrTail = stderrTail;
  }
}

const STDERR_LINES = 40;

/**
 * Runs ffmpeg with `-hide_banner -nostdin -progress pipe:1 -nostats` prepended
 * (stdout is taken by progress reports, so outputs must be files). Resolves
 * when it exits with 0; otherwise rejects with an {@link FfmpegError}, after
 * the process is gone. Abort and timeout kill it.
 */
export function runFfmpeg(ffmpegPath: string, args: readonly string[], options: RunFfmpegOptions = {}): Promise<RunFfmpegResult> {
  const { signal, timeoutMs, onProgress, niceness } = options;
  const started = performance.now();
  const fullArgs = ['-hide_banner', '-nostdin', '-progress', 'pipe:1', '-nostats', ...args];
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new FfmpegError('ffmpeg aborted before it started', 'aborted', null, '', { cause: signal.reason }));
      return;
    }
    // `nice` rather than os.setPriority after spawning: Linux niceness is per
    // thread, and ffmpeg may have started its encoder threads by then.
    const [command, commandArgs] =
      niceness && process.platform !== 'win32' ? ['nice', ['-n', String(niceness), ffmpegPath, ...fullArgs]] : [ffmpegPath, fullArgs];
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr = new LineTail(STDERR_LINES);
    let stopped: { failure: FfmpegFailure; message: string; cause?: unknown } | null = null;
    const stop = (failure: FfmpegFailure, message: string, cause?: unknown) => {
      if (stopped) return;
      stopped = { failure, message, cause };
      // The output is discarded anyway, so there is nothing to wait for.
      child.kill('SIGKILL');
    };
    const onAbort = () => stop('aborted', 'ffmpeg aborted', signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = timeoutMs ? setTimeout(() => stop('timeout', `ffmpeg timed out after ${timeoutMs} ms`), timeoutMs) : null;

    const progress = new ProgressParser((report) => onProgress?.(report));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => progress.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

    let spawnError: Error | null = null;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, killSignal) => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const tail = stderr.text();
      if (stopped) reject(new FfmpegError(stopped.message, stopped.failure, code, tail, { cause: stopped.cause }));
      else if (spawnError) reject(new FfmpegError(`could not run ${command}: ${spawnError.message}`, 'spawn', null, tail, { cause: spawnError }));
      else if (code === 0) resolve({ elapsedMs: performance.now() - started, stderrTail: tail });
      else reject(new FfmpegError(`ffmpeg exited with ${code === null ? `signal ${killSignal}` : `code ${code}`}`, 'exit', code, tail));
    });
  });
}

/** Parses -progress output: key=value lines, each block ended by `progress=continue|end`. */
export class ProgressParser {
  #partial = '';
  #block = new Map<string, string>();
  readonly #emit: (progress: FfmpegProgress) => void;

  constructor(emit: (progress: FfmpegProgress) => void) {
    this.#emit = emit;
  }

  push(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (key !== 'progress') {
        this.#block.set(key, value);
        continue;
      }
      // out_time_ms is in microseconds too (a long-standing ffmpeg misnomer); either may be N/A early on.
      const micros = Number(this.#block.get('out_time_us') ?? this.#block.get('out_time_ms'));
      const speed = Number.parseFloat(this.#block.get('speed') ?? '');
      this.#block.clear();
      if (Number.isFinite(micros)) this.#emit({ outTimeMs: micros / 1000, speed: Number.isFinite(speed) ? speed : null });
    }
  }
}

/** The last `max` lines of a text stream. */
class LineTail {
  readonly #lines: string[] = [];
  #partial = '';
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  push(chunk: string): void {
    const lines = (this.#partial + chunk).split(/\r?\n|\r/);
    this.#partial = lines.pop() ?? '';
    this.#lines.push(...lines.filter((line) => line.trim() !== ''));
    if (this.#lines.length > this.#max) this.#lines.splice(0, this.#lines.length - this.#max);
  }

  text(): string {
    return [...this.#lines, ...(this.#partial.trim() ? [this.#partial] : [])].slice(-this.#max).join('\n');
  }
}
