import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { LocalSfu, defaultSfuConfig } from '@classbridge/sfu';
import type { SfuControl } from '@classbridge/sfu';
import type { ServerConfig } from './config.js';
import { TokenService } from './auth/TokenService.js';
import { JsonFileDirectoryStore } from './store/JsonFileDirectoryStore.js';
import type { DirectoryStore } from './store/DirectoryStore.js';
import type { DirectoryInput } from './domain/schemas.js';
import { LiveLessonRegistry } from './live/LiveLessonRegistry.js';
import { SocketGateway } from './socket/SocketGateway.js';
import { TokenIssuer } from './http/TokenIssuer.js';
import { createApp } from './http/createApp.js';
import { Metrics } from './metrics.js';

export interface RunningServer {
  url: string;
  port: number;
  sfu: SfuControl;
  store: DirectoryStore;
  registry: LiveLessonRegistry;
  tokens: TokenService;
  /** The socket.io server (adapters, diagnostics). */
  io: SocketGateway['io'];
  close(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Loaded into an empty store (the demo district). */
  seed?: DirectoryInput;
  /** Use this SFU instead of starting a LocalSfu (cluster mode, tests). */
  sfu?: SfuControl;
}

/**
 * The embedded default: signaling and the SFU in one process, state in DATA_DIR.
 * Everything is wired here and nowhere else.
 */
export async function startServer(config: ServerConfig, { logger, seed, sfu: givenSfu }: StartOptions): Promise<RunningServer> {
  const store = await JsonFileDirectoryStore.open(config.dataDir);
  if (seed && (await store.isEmpty())) {
    await store.importDirectory(seed);
    logger.info('loaded the demo district into an empty store');
  }
  const sfu =
    givenSfu ??
    (await LocalSfu.start(
      defaultSfuConfig({
        numWorkers: config.numWorkers,
        listenIp: config.rtcListenIp,
        rtcPort: config.rtcPort,
        ...(config.rtcAnnouncedAddress ? { announcedAddress: config.rtcAnnouncedAddress } : {}),
      }),
      logger.child({ component: 'sfu' }),
    ));
  const tokens = new TokenService(config.tokenSecret);
  const httpServer = config.tls ? https.createServer(await readTls(config.tls)) : http.createServer();
  let registry: LiveLessonRegistry | undefined;
  const metrics = new Metrics(sfu, () => registry?.size ?? 0);
  const gateway = new SocketGateway(httpServer, { tokens, sfu, metrics, logger: logger.child({ component: 'socket' }), rateLimit: config.rateLimit });
  registry = new LiveLessonRegistry({
    sfu,
    store,
    logger: logger.child({ component: 'lessons' }),
    maxFloorHolders: config.maxFloorHolders,
    channelFor: (lessonId) => gateway.channelFor(lessonId),
  });
  gateway.attach(registry);
  const issuer = new TokenIssuer(store, tokens);
  httpServer.on('request', createApp({ adminApiKey: config.adminApiKey, demo: config.demo, store, registry, issuer, sfu, metrics, logger }));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, resolve);
  });
  const port = (httpServer.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const scheme = config.tls ? 'https' : 'http';
  logger.info({ port, demo: config.demo, dataDir: config.dataDir }, 'ClassBridge listening');

  let closing: Promise<void> | undefined;
  return {
    url: `${scheme}://${host}:${port}`,
    port,
    sfu,
    store,
    registry,
    tokens,
    io: gateway.io,
    close: () =>
      (closing ??= (async () => {
        await gateway.close();
        httpServer.closeAllConnections();
        await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        if (!givenSfu) await sfu.close();
        await store.close();
      })()),
  };
}

async function readTls(tls: NonNullable<ServerConfig['tls']>): Promise<{ cert: Buffer; key: Buffer }> {
  try {
    return { cert: await fs.readFile(tls.certFile), key: await fs.readFile(tls.keyFile) };
  } catch (error) {
    throw new Error(`cannot read TLS_CERT_FILE/TLS_KEY_FILE: ${(error as Error).message}`);
  }
}
