import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Express, RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import type { DirectoryStore } from '../store/DirectoryStore.js';
import type { LiveLessonRegistry } from '../live/LiveLessonRegistry.js';
import type { Metrics } from '../metrics.js';
import type { ClientBudgets } from '../limits/ClientBudgets.js';
import type { LessonEventBus } from '@classbridge/protocol';
import { clientAddress } from '../limits/clientAddress.js';
import { errorHandler } from './httpErrors.js';
import { openApiDocument } from './openapi.js';
import { restApi } from './restApi.js';
import { demoRoutes } from './demoRoutes.js';
import { sdkAssets } from './sdkAssets.js';
import type { TokenIssuer } from './TokenIssuer.js';
import { webhookRoutes } from './webhookRoutes.js';
import type { DeliveryLog } from '../webhooks/DeliveryLog.js';
import type { Recorder } from '@classbridge/recorder';
import type { ReplayTokens } from '../recordings/ReplayTokens.js';
import { recordingRoutes } from './recordingRoutes.js';
import { replayRoutes } from './replayRoutes.js';
import { adminTranscriptRoutes, replayTranscriptRoutes } from './transcriptRoutes.js';
import type { TranscriptStore } from '@classbridge/ai';

export interface AppOptions {
  adminApiKey: string;
  demo: boolean;
  store: DirectoryStore;
  registry: LiveLessonRegistry;
  issuer: TokenIssuer;
  sfu: SfuControl;
  metrics: Metrics;
  logger: Logger;
  budgets: ClientBudgets;
  trustProxyHops: number;
  /** Bearer token GET /metrics requires (unset: open). */
  metricsToken: string | undefined;
  /** Other origins allowed to load the SDK bundle. */
  corsOrigins: string[];
  /** Most lessons not yet ended (REST creation beyond it is refused). */
  maxOpenLessons: number;
  events: LessonEventBus;
  /** The webhook delivery log; undefined when webhooks are off. */
  webhookLog?: DeliveryLog | undefined;
  /** The lesson recorder; undefined when recording is off. */
  recordings: Recorder | undefined;
  /** Lesson transcripts; undefined when captions are off. */
  transcripts: TranscriptStore | undefined;
  replayTokens: ReplayTokens;
}

const publicDir = fileURLToPath(new URL('../../public', import.meta.url));

/** The replay page and what it loads, served outside demo mode too. */
const REPLAY_PAGE_FILES = ['replay.html', 'replay.js', 'i18n.js', 'demo.css'];

/** hls.js (light build) for browsers without native HLS: Chromium and Firefox. */
function hlsScript(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('hls.js/package.json')), 'dist', 'hls.light.min.js');
}

/** The browser SDK bundle that client-sdk's build writes. */
function sdkBundleDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@classbridge/client-sdk/package.json')), 'dist', 'browser');
}

export function createApp(options: AppOptions): Express {
  const { metrics, sfu, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  // Security headers on every answer: a strict CSP (the demo pages load only their own scripts),
  // no framing, no MIME sniffing, and resources for this origin only unless CORS_ORIGINS says otherwise.
  app.use(helmet({ contentSecurityPolicy: { directives: { 'connect-src': ["'self'"], 'media-src': ["'self'", 'blob:'] } } }));
  app.use(express.json({ limit: '32kb' }));

  app.get('/healthz', async (_req, res) => {
    const stats = await sfu.stats();
    const healthy = stats.workers > 0 && !sfu.closed;
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'degraded', workers: stats.workers, rooms: stats.rooms, uptimeSeconds: Math.round(process.uptime()) });
  });
  app.get('/metrics', requireBearer(options.metricsToken), async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const openapi = openApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  const perAddress = restBudget(options);
  const { replayTokens, transcripts } = options;
  app.use(
    '/api',
    perAddress,
    restApi({
      ...options,
      webhookRoutes: webhookRoutes(options.webhookLog),
      recordingRoutes: recordingRoutes({ recordings: options.recordings, store: options.store, replayTokens, transcripts }),
      transcriptRoutes: adminTranscriptRoutes(transcripts, options.store),
    }),
  );
  // Transcript routes first: /replay/:token/transcript/search would otherwise look like a recording file.
  app.use('/replay', perAddress, replayTranscriptRoutes(transcripts, replayTokens), replayRoutes(options.recordings, replayTokens, transcripts));
  // The replay page works in every mode: schools hand out replay links (/replay.html#token=…).
  for (const name of REPLAY_PAGE_FILES) app.get(`/${name}`, (_req, res) => res.sendFile(path.join(publicDir, name)));
  app.get('/vendor/hls.light.min.js', (_req, res) => res.sendFile(hlsScript()));
  // The SDK is for third-party apps too, so it is served in every mode.
  app.use('/sdk', allowOrigins(options.corsOrigins), sdkAssets(sdkBundleDir(), logger));
  if (options.demo) {
    app.use('/demo', perAddress, demoRoutes(options.store, options.issuer, options.recordings, replayTokens, transcripts));
    app.use(express.static(publicDir));
    app.get('/favicon.ico', (_req, res) => void res.status(204).end());
  }
  app.use((_req, _res, next) => next(new ClassBridgeError(ErrorCode.NotFound, 'not found')));
  app.use(errorHandler(logger, metrics));
  return app;
}

/** REST requests per client address (429 with Retry-After past the budget). */
function restBudget({ budgets, trustProxyHops }: AppOptions): RequestHandler {
  return (req, _res, next) => {
    budgets.rest.consume(clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxyHops));
    next();
  };
}

/** Lets the listed origins load the SDK bundle (ES modules need CORS, and helmet's CORP would block them). */
function allowOrigins(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin && allowed.has(origin)) {
      res.set('Access-Control-Allow-Origin', origin);
      res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    }
    next();
  };
}

/** `Authorization: Bearer <token>` when a token is configured, compared in constant time. */
function requireBearer(token: string | undefined): RequestHandler {
  if (token === undefined) return (_req, _res, next) => next();
  const expected = createHash('sha256').update(token).digest();
  return (req, _res, next) => {
    const presented = req.get('authorization')?.match(/^Bearer (.+)$/)?.[1] ?? '';
    if (!timingSafeEqual(createHash('sha256').update(presented).digest(), expected)) {
      next(new ClassBridgeError(ErrorCode.Unauthorized, 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>'));
      return;
    }
    next();
  };
}
