import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { restClient } from './restClient.js';

/*
 * The real server as a separate OS process, started the way production starts it
 * (`node signaling/dist/main.js` with configuration in the environment), for tests that
 * must observe the process from outside: that it survives, what it logs, its memory.
 */

/** The repository root: this module lives in load-tests/src/harness (jest) or load-tests/dist/harness (built). */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Preload that makes SIGUSR2 run a full GC in the child (needs --expose-gc); shipped as source, not compiled. */
export const gcPreloadPath = path.join(repoRoot, 'load-tests', 'src', 'harness', 'gcOnSignal.mjs');

/** The production entry point that `npm run build` writes. */
export const serverMainPath = path.join(repoRoot, 'signaling', 'dist', 'main.js');

/** Keeps the last this many characters of the child's output. */
const MAX_OUTPUT_CHARS = 16 * 1024 * 1024;

export interface ServerProcessOptions {
  /** How long to wait for GET /healthz to answer 200 (default 20 s). */
  readyTimeoutMs?: number;
  /** Start with --expose-gc and the SIGUSR2 preload, so gc() works (default true). */
  gcPreload?: boolean;
  /** Also copy the child's output to this process's stderr as it comes (default: CLASSBRIDGE_TEST_SERVER_ECHO=1). */
  echo?: boolean;
  /** Entry point to run instead of signaling/dist/main.js. */
  mainPath?: string;
}

export interface ServerProcess {
  url: string;
  port: number;
  rtcPort: number;
  pid: number;
  dataDir: string;
  adminKey: string;
  tokenSecret: string;
  /** The environment the child was started with (configuration only). */
  env: Readonly<Record<string, string>>;
  /** Mints a token through the REST API, as an operator would. */
  mintToken(lessonId: string, body: Record<string, unknown>): Promise<string>;
  /** Calls the REST API, with the admin key unless other headers are given. */
  api(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** The child has not exited. */
  alive(): boolean;
  /** Exit code once exited (null while running or when killed by a signal). */
  readonly exitCode: number | null;
  /** The signal that ended the child, if any. */
  readonly exitSignal: NodeJS.Signals | null;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /**
   * A value from GET /metrics: `name` alone sums every series of that name,
   * `name{label="value"}` sums the series whose labels include those. Throws when none matches.
   */
  metric(name: string): Promise<number>;
  /** Runs a full garbage collection in the child (SIGUSR2 twice, see gcOnSignal.mjs). */
  gc(): Promise<void>;
  /** SIGKILL (a crash) and wait for the exit; stop() still cleans up after. */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after 5 s, then removes the data directory. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts `node [--expose-gc --import gcOnSignal.mjs] signaling/dist/main.js` on loopback with free
 * ports, a fresh DATA_DIR, one media worker, explicit admin key and token secret (a production-style
 * start; DEMO=1 only if `env` says so) and LOG_LEVEL=warn, and waits until GET /healthz is 200.
 * `env` overrides and extends the configuration.
 */
export async function startServerProcess(env: Record<string, string> = {}, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const { readyTimeoutMs = 20_000, gcPreload = true, echo = process.env['CLASSBRIDGE_TEST_SERVER_ECHO'] === '1', mainPath = serverMainPath } = options;
  await assertReadable(mainPath, 'the server entry point (run `npm run build` first)');
  if (gcPreload) await assertReadable(gcPreloadPath, 'the GC preload');

  const host = '127.0.0.1';
  const port = env['PORT'] ? Number(env['PORT']) : await freeTcpPort(host);
  const rtcPort = env['RTC_PORT'] ? Number(env['RTC_PORT']) : await freeRtcPort(host, new Set([port]));
  const dataDir = env['DATA_DIR'] ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-proc-')));
  const adminKey = env['ADMIN_API_KEY'] ?? `proc-admin-${randomBytes(12).toString('hex')}`;
  const tokenSecret = env['TOKEN_SECRET'] ?? `proc-secret-${randomBytes(24).toString('hex')}`;
  const config: Record<string, string> = {
    HOST: host,
    PORT: String(port),
    RTC_PORT: String(rtcPort),
    RTC_LISTEN_IP: host,
    SFU_WORKERS: '1',
    DATA_DIR: dataDir,
    ADMIN_API_KEY: adminKey,
    TOKEN_SECRET: tokenSecret,
    DEMO: '0',
    LOG_LEVEL: 'warn',
    // Recording (ffmpeg) and captions (speech recognition) work in the background: only the tests and benchmarks about them turn them on.
    RECORDING: 'off',
    CAPTIONS: 'off',
    ...env,
  };
  // Only what a service manager would pass besides the configuration: no NODE_OPTIONS from jest, no stray settings of the developer's shell.
  const inherited = Object.fromEntries(['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ'].flatMap((key) => (process.env[key] ? [[key, process.env[key] as string]] : [])));
  const args = [...(gcPreload ? ['--expose-gc', '--import', pathToFileURL(gcPreloadPath).href] : []), mainPath];
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...inherited, ...config }, stdio: ['ignore', 'pipe', 'pipe'] });

  let captured = '';
  const capture = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    captured += text;
    if (captured.length > MAX_OUTPUT_CHARS) captured = captured.slice(captured.length - MAX_OUTPUT_CHARS);
    if (echo) process.stderr.write(text);
  };
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);

  let exitCode: number | null = null;
  let exitSignal: NodeJS.Signals | null = null;
  let exited = false;
  let stopping = false;
  let ready = false;
  let spawnFailure: Error | undefined;
  let markExited: () => void = () => undefined;
  const exitedPromise = new Promise<void>((resolve) => (markExited = resolve));
  child.once('exit', (code, signal) => {
    exited = true;
    exitCode = code;
    exitSignal = signal;
    markExited();
  });
  child.once('error', (error) => {
    spawnFailure = error;
    // Never started: there will be no 'exit'.
    if (child.pid === undefined) {
      exited = true;
      markExited();
    }
  });
  // Printed when the running server dies on its own, so a failing test shows why (a failed start throws with it instead).
  void exitedPromise.then(() => {
    if (ready && !stopping) process.stderr.write(`[server process ${child.pid}] exited unexpectedly (code ${exitCode}, signal ${exitSignal}); its output:\n${captured}\n`);
  });
  // A test process that dies must not leave a server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const url = `http://${host}:${port}`;
  const alive = () => !exited;

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      if (!exited) {
        child.kill('SIGTERM');
        // A timer that outlived the exit would hold the test process open: cleared either way.
        const done = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 5000);
          void exitedPromise.then(() => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        if (!done) {
          child.kill('SIGKILL');
          await exitedPromise;
        }
      }
      process.off('exit', killOnExit);
      await fs.rm(dataDir, { recursive: true, force: true });
    })());

  // Ready when /healthz says so; fail at once if the child dies first.
  const started = Date.now();
  for (;;) {
    if (spawnFailure || exited) {
      const why = spawnFailure ? spawnFailure.message : `exited with code ${exitCode} (signal ${exitSignal})`;
      await stop();
      throw new Error(`the server process did not start: ${why}; its output:\n${captured}`);
    }
    if (Date.now() - started > readyTimeoutMs) {
      await stop();
      throw new Error(`the server process was not healthy within ${readyTimeoutMs} ms; its output:\n${captured}`);
    }
    const status = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) break;
    await sleep(100);
  }
  ready = true;

  const { api, mintToken } = restClient(url, adminKey);

  return {
    url,
    port,
    rtcPort,
    pid: child.pid as number,
    dataDir,
    adminKey,
    tokenSecret,
    env: config,
    api,
    mintToken,
    alive,
    get exitCode() {
      return exitCode;
    },
    get exitSignal() {
      return exitSignal;
    },
    output: () => captured,
    async metric(name) {
      const metricsToken = config['METRICS_TOKEN'];
      const response = await fetch(`${url}/metrics`, { headers: metricsToken ? { authorization: `Bearer ${metricsToken}` } : {}, signal: AbortSignal.timeout(10_000) });
      if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
      return parseMetric(await response.text(), name);
    },
    async gc() {
      if (!gcPreload) throw new Error('started without the GC preload');
      for (let i = 0; i < 2; i++) {
        if (!alive()) throw new Error('the server process has exited');
        child.kill('SIGUSR2');
        await sleep(150);
      }
    },
    async kill() {
      stopping = true;
      if (!exited) child.kill('SIGKILL');
      await exitedPromise;
    },
    stop,
  };
}

/**
 * A value from a Prometheus text exposition: the sum of the series named `query`
 * (`name` or `name{label="value",…}`, whose labels must all be present).
 */
export function parseMetric(text: string, query: string): number {
  const wanted = parseSeries(query);
  let sum = 0;
  let matched = false;
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const close = line.lastIndexOf('}');
    const seriesEnd = line.indexOf('{') !== -1 && line.indexOf('{') < line.indexOf(' ') ? close + 1 : line.indexOf(' ');
    const series = parseSeries(line.slice(0, seriesEnd));
    if (series.name !== wanted.name) continue;
    if (![...wanted.labels].every(([key, value]) => series.labels.get(key) === value)) continue;
    const value = Number(line.slice(seriesEnd).trim().split(/\s+/)[0]);
    sum += value;
    matched = true;
  }
  if (!matched) throw new Error(`no metric ${query}`);
  return sum;
}

function parseSeries(series: string): { name: string; labels: Map<string, string> } {
  const brace = series.indexOf('{');
  const name = (brace === -1 ? series : series.slice(0, brace)).trim();
  const labels = new Map<string, string>();
  if (brace !== -1) {
    for (const match of series.slice(brace).matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels.set(match[1] as string, match[2] as string);
  }
  return { name, labels };
}

async function assertReadable(file: string, what: string): Promise<void> {
  try {
    await fs.access(file);
  } catch {
    throw new Error(`${what} is missing: ${file}`);
  }
}

/** A TCP port nobody listens on now (the OS picks it). */
export function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A port free for both TCP and UDP (a media port, coturn's listener), checked by holding both at once. */
export async function freeRtcPort(host: string, avoid: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tcp = net.createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, host, () => resolve((tcp.address() as net.AddressInfo).port));
    });
    const udp = dgram.createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, host, () => resolve(true));
    });
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    await new Promise<void>((resolve) => {
      try {
        udp.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
    if (udpFree && !avoid.has(port)) return port;
  }
  throw new Error('found no port free for both TCP and UDP');
}
