import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stunBinding } from './stunBinding.js';

export interface TurnServerOptions {
  /** coturn's binary (Debian's `turnserver`). */
  bin: string;
  listenIp: string;
  /** UDP and TCP listener (3478 by default, TURN's port). */
  port: number;
  /** TURN over TLS (e.g. 443 for firewalls that pass only HTTPS); needs cert and key. */
  tls?: { port: number; certFile: string; keyFile: string };
  /** Relay ports (the range a firewall must let through towards the SFU). */
  minPort: number;
  maxPort: number;
  realm: string;
  secret: string;
  /**
   * The only addresses media may be relayed to: the SFU's. A TURN server that relays anywhere is
   * an open door into the school network; this one opens onto the SFU alone.
   */
  peerAddresses: string[];
  /** How long start() waits for a STUN answer. */
  startTimeoutMs?: number;
}

export interface TurnServerEvents {
  /** coturn exited on its own and is being started again. */
  restarting: [{ code: number | null; signal: string | null; attempt: number }];
  /** A restart failed (coturn missing, port taken): TURN is down until the next attempt. */
  failed: [{ error: Error }];
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Debian's coturn as a child process, configured for ClassBridge: TURN REST API credentials
 * (the shared secret), relaying only to the SFU, no CLI, no open relay. Started and kept running
 * by the server (restarted with back-off if it dies); close() stops it. The configuration file
 * holds the secret, so it is private (0600) and removed on close.
 */
export class TurnServerProcess extends EventEmitter<TurnServerEvents> {
  readonly #options: TurnServerOptions;
  #child: ChildProcess | null = null;
  #dir: string | null = null;
  #closed = false;
  #restarts = 0;
  #restartTimer: NodeJS.Timeout | null = null;

  constructor(options: TurnServerOptions) {
    super();
    this.#options = options;
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

  /** Whether coturn is running now. */
  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts coturn; resolves once it answers a STUN binding request on its UDP port. */
  async start(): Promise<void> {
    if (this.#closed) throw new Error('TurnServerProcess is closed');
    this.#dir ??= await mkdtemp(path.join(tmpdir(), 'classbridge-turn-'));
    const configFile = path.join(this.#dir, 'turnserver.conf');
    await writeFile(configFile, coturnConfig(this.#options), { mode: 0o600 });
    const child = spawn(this.#options.bin, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new Error(`cannot start ${this.#options.bin}: ${error.message} (Debian package: coturn)`)));
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`coturn exited while starting (code ${code}, signal ${signal}): ${stderr.trim().split('\n').at(-1) ?? ''}`))),
    );
    child.once('exit', (code, signal) => this.#onExit(child, code, signal));
    try {
      await Promise.race([spawned.then(() => this.#whenAnswering()), exited]);
    } catch (error) {
      if (this.#child === child) this.#child = null;
      child.kill('SIGKILL');
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    const child = this.#child;
    this.#child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(force);
    }
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
  }

  async #whenAnswering(): Promise<void> {
    const deadline = Date.now() + (this.#options.startTimeoutMs ?? 5_000);
    const host = this.#options.listenIp === '0.0.0.0' ? '127.0.0.1' : this.#options.listenIp;
    for (;;) {
      if (await stunBinding(host, this.#options.port, 200).then(() => true, () => false)) return;
      if (Date.now() > deadline) throw new Error(`coturn did not answer STUN on ${host}:${this.#options.port} within ${this.#options.startTimeoutMs ?? 5_000} ms`);
    }
  }

  #onExit(child: ChildProcess, code: number | null, signal: string | null): void {
    if (this.#closed || this.#child !== child) return;
    this.#child = null;
    this.#emitSafely('restarting', { code, signal, attempt: this.#restarts + 1 });
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    const attempt = ++this.#restarts;
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(attempt - 1, 7));
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (this.#closed) return;
      this.start().catch((error: Error) => {
        this.#emitSafely('failed', { error });
        // Try again later: a port still in use frees up, a missing binary may get installed.
        if (!this.#closed && !this.#child) this.#scheduleRestart();
      });
    }, delay);
    this.#restartTimer.unref();
  }

  #emitSafely<E extends keyof TurnServerEvents>(event: E, ...args: TurnServerEvents[E]): void {
    try {
      this.emit(event, ...(args as never));
    } catch {
      // A listener's error is its own.
    }
  }
}

/** coturn's configuration (turnserver.conf syntax) for these options. */
export function coturnConfig(o: TurnServerOptions): string {
  const lines = [
    `listening-ip=${o.listenIp}`,
    `listening-port=${o.port}`,
    `min-port=${o.minPort}`,
    `max-port=${o.maxPort}`,
    `realm=${o.realm}`,
    // TURN REST API: credentials are HMACs of "expiry:participant" under this secret (TurnCredentials).
    'use-auth-secret',
    `static-auth-secret=${o.secret}`,
    'fingerprint',
    'no-cli',
    'no-multicast-peers',
    'no-software-attribute',
    // STUN/TURN over DTLS is not used by browsers; TLS only where configured.
    'no-dtls',
    ...(o.tls ? [`tls-listening-port=${o.tls.port}`, `cert=${o.tls.certFile}`, `pkey=${o.tls.keyFile}`] : ['no-tls']),
    // Relay to the SFU only: everything else is denied (loopback needs its own switch in coturn).
    'denied-peer-ip=0.0.0.0-255.255.255.255',
    'denied-peer-ip=::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ...o.peerAddresses.map((address) => `allowed-peer-ip=${address}`),
    ...(o.peerAddresses.some(isLoopback) ? ['allow-loopback-peers'] : []),
    'log-file=stdout',
    'simple-log',
    'no-stdout-log',
    'pidfile=/dev/null',
  ];
  return `${lines.join('\n')}\n`;
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}
