import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { demoDistrict } from '@classbridge/seeds';
import { createLogger, loadConfig, startServer } from '@classbridge/signaling';
import type { RunningServer, ServerConfig } from '@classbridge/signaling';
import type { SfuControl } from '@classbridge/sfu';
import { restClient } from './restClient.js';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';

export interface LocalServer extends RunningServer {
  adminKey: string;
  dataDir: string;
  config: ServerConfig;
  /** Mints a token through the REST API, as an operator would. */
  mintToken(lessonId: string, body: Record<string, unknown>): Promise<string>;
  /** Calls the REST API with the admin key. */
  api(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /**
   * Cuts a participant's socket under socket.io, as a dropped rural link would
   * (not a polite disconnect, so the client reconnects by itself).
   */
  dropConnection(participantId: string): Promise<void>;
  /** Stops the server and deletes its data directory (unless keepData). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * A real ClassBridge server on loopback with random ports and its own DATA_DIR,
 * seeded with the demo district. For tests and benchmarks.
 */
export interface LocalServerOptions {
  /** Reuse a data directory (restart tests). */
  dataDir?: string;
  /** Where logs go (default: stdout at LOG_LEVEL, silent unless CLASSBRIDGE_TEST_LOG_LEVEL is set). */
  logStream?: DestinationStream;
  /** Media on this SFU instead of one started in this process (an SFU node of a cluster). */
  sfu?: SfuControl;
}

export async function startLocalServer(env: Record<string, string> = {}, options: LocalServerOptions = {}): Promise<LocalServer> {
  const dir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-')));
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      RTC_PORT: '0',
      RTC_LISTEN_IP: '127.0.0.1',
      SFU_WORKERS: '1',
      DEMO: '1',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      TOKEN_SECRET: 'test-token-secret-0123456789-0123456789',
      DATA_DIR: dir,
      LOG_LEVEL: process.env['CLASSBRIDGE_TEST_LOG_LEVEL'] ?? 'silent',
      // Recording composes with ffmpeg and captions run speech recognition in the background: only the tests about them turn them on.
      RECORDING: 'off',
      CAPTIONS: 'off',
      ...env,
    },
    os.availableParallelism(),
  );
  const logger = createLogger(config.logLevel, options.logStream);
  const server = await startServer(config, { logger, seed: demoDistrict(new Date()), ...(options.sfu ? { sfu: options.sfu } : {}) });
  const { api, mintToken } = restClient(server.url, TEST_ADMIN_KEY);
  return {
    ...server,
    adminKey: TEST_ADMIN_KEY,
    dataDir: dir,
    config,
    api,
    mintToken,
    async dropConnection(participantId) {
      for (const socket of server.io.sockets.sockets.values()) {
        if ((socket.data as { claims?: { sub: string } }).claims?.sub === participantId) socket.conn.close();
      }
    },
    async stop({ keepData = false } = {}) {
      await server.close();
      if (!keepData) await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
