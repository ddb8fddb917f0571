import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import type { DirectoryStore } from '../store/DirectoryStore.js';
import type { LiveLessonRegistry } from '../live/LiveLessonRegistry.js';
import type { Metrics } from '../metrics.js';
import { errorHandler } from './httpErrors.js';
import { openApiDocument } from './openapi.js';
import { restApi } from './restApi.js';
import { demoRoutes } from './demoRoutes.js';
import type { TokenIssuer } from './TokenIssuer.js';

export interface AppOptions {
  adminApiKey: string;
  demo: boolean;
  store: DirectoryStore;
  registry: LiveLessonRegistry;
  issuer: TokenIssuer;
  sfu: SfuControl;
  metrics: Metrics;
  logger: Logger;
}

const publicDir = fileURLToPath(new URL('../../public', import.meta.url));

/** The browser SDK bundle that client-sdk's build writes. */
function sdkBundleDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@classbridge/client-sdk/package.json')), 'dist', 'browser');
}

export function createApp(options: AppOptions): Express {
  const { metrics, sfu, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '32kb' }));

  app.get('/healthz', async (_req, res) => {
    const stats = await sfu.stats();
    const healthy = stats.workers > 0 && !sfu.closed;
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'degraded', workers: stats.workers, rooms: stats.rooms, uptimeSeconds: Math.round(process.uptime()) });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const openapi = openApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/api', restApi(options));
  if (options.demo) {
    app.use('/demo', demoRoutes(options.store, options.issuer));
    app.use('/sdk', express.static(sdkBundleDir()));
    app.use(express.static(publicDir));
    app.get('/favicon.ico', (_req, res) => void res.status(204).end());
  }
  app.use((_req, _res, next) => next(new ClassBridgeError(ErrorCode.NotFound, 'not found')));
  app.use(errorHandler(logger));
  return app;
}
