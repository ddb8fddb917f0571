import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SfuControl } from '@classbridge/sfu';
import { freeRtcPort } from './serverProcess.js';

/** The SFU node entry point (sfu/dist/main.js), from this file in load-tests/dist/harness. */
const SFU_MAIN = fileURLToPath(new URL('../../../sfu/dist/main.js', import.meta.url));

export interface SfuNodeProcess {
  nodeId: string;
  rtcPort: number;
  readonly process: ChildProcess;
  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (a clean shutdown) and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * An SFU node process of a cluster on loopback (`node sfu/dist/main.js`), taking its orders over
 * `redisUrl`. It is ready once a RemoteSfu's call is answered (see RemoteSfu).
 */
export async function startSfuNode(options: { redisUrl: string; nodeId: string; region?: string; logLevel?: string }): Promise<SfuNodeProcess> {
  const rtcPort = await freeRtcPort('127.0.0.1');
  const child = spawn(process.execPath, [SFU_MAIN], {
    env: {
      PATH: process.env['PATH'] ?? '',
      REDIS_URL: options.redisUrl,
      SFU_NODE_ID: options.nodeId,
      SFU_REGION: options.region ?? 'default',
      RTC_LISTEN_IP: '127.0.0.1',
      RTC_PORT: String(rtcPort),
      NUM_WORKERS: '1',
      LOG_LEVEL: options.logLevel ?? 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = () => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve())));
  return {
    nodeId: options.nodeId,
    rtcPort,
    process: child,
    kill: async () => {
      child.kill('SIGKILL');
      await exited();
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited();
    },
  };
}

/** Resolves once the SFU (a node process behind a RemoteSfu) answers a call; throws its last error after `timeoutMs`. */
export async function untilAnswering(sfu: Pick<SfuControl, 'stats'>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await sfu.stats();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
