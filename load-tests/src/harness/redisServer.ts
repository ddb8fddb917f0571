import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort } from './serverProcess.js';

export interface RedisServer {
  url: string;
  port: number;
  readonly pid: number | undefined;
  /** Stops it (SIGTERM; SIGKILL after 5 s) and deletes its directory. */
  stop(): Promise<void>;
  /** Kills it at once (a crash), keeping the port: start() brings a fresh one up on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

/**
 * A real redis-server (Debian's) on loopback and a free port, without persistence unless asked,
 * for cluster tests and benchmarks. Ready when it answers PING.
 */
export async function startRedisServer({ bin = process.env['REDIS_SERVER_BIN'] ?? '/usr/bin/redis-server', persist = false }: { bin?: string; /** Append-only file, fsync on every write, as a cluster's Redis runs: a restart keeps the data. */ persist?: boolean } = {}): Promise<RedisServer> {
  const port = await freeTcpPort('127.0.0.1');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-redis-'));
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...(persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']), '--dir', dir, '--protected-mode', 'no'], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}); is it installed (${bin})?`);
      if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const exited = (process: ChildProcess) => (process.exitCode !== null || process.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => process.once('exit', () => resolve())));
  const kill = async () => {
    const current = child;
    if (!current) return;
    child = null;
    current.kill('SIGKILL');
    await exited(current);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return (child as ChildProcess | null)?.pid;
    },
    start,
    kill,
    stop: async () => {
      const current = child;
      child = null;
      if (current) {
        const timer = setTimeout(() => current.kill('SIGKILL'), 5_000);
        current.kill('SIGTERM');
        await exited(current);
        clearTimeout(timer);
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Whether a Redis answers PING on the port (a raw RESP exchange: no client needed). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
