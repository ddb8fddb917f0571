import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { LocalSfu, defaultSfuConfig, resolveAnnouncedAddress } from '@classbridge/sfu';
import type { SfuControl } from '@classbridge/sfu';
import type { ServerConfig } from './config.js';
import { connectCluster } from './cluster/connectCluster.js';
import { TokenService } from './auth/TokenService.js';
import { JsonFileDirectoryStore } from './store/JsonFileDirectoryStore.js';
import type { DirectoryStore } from './store/DirectoryStore.js';
import type { DirectoryInput } from './domain/schemas.js';
import { LiveLessonRegistry } from './live/LiveLessonRegistry.js';
import { LocalLessonSessions } from './routing/LocalLessonSessions.js';
import type { LessonSessions } from './routing/LessonSessions.js';
import { SocketGateway } from './socket/SocketGateway.js';
import { TokenIssuer } from './http/TokenIssuer.js';
import { createApp } from './http/createApp.js';
import { Metrics } from './metrics.js';
import { ClientBudgets } from './limits/ClientBudgets.js';
import { LocalLessonEventBus } from './events/LocalLessonEventBus.js';
import type { LessonEventBus } from '@classbridge/protocol';
import { WebhookDispatcher } from './webhooks/WebhookDispatcher.js';
import { startRecorder } from './recordings/startRecorder.js';
import { ReplayTokens } from './recordings/ReplayTokens.js';
import { startCaptions, type RunningCaptions } from './captions/startCaptions.js';
import { startTurn, type RunningTurn } from './turn/startTurn.js';

/** Replay links when recording is off (only older recordings could be opened with them). */
const DEFAULT_REPLAY_TTL_SECONDS = 7 * 24 * 3600;
import type { Recorder } from '@classbridge/recorder';

export interface RunningServer {
  url: string;
  port: number;
  sfu: SfuControl;
  store: DirectoryStore;
  registry: LiveLessonRegistry;
  tokens: TokenService;
  metrics: Metrics;
  /** What happens in lessons, server-side (webhooks and, later, the recorder follow it). */
  events: LessonEventBus;
  /** The socket.io server (adapters, diagnostics). */
  io: SocketGateway['io'];
  /** The lesson recorder (undefined: RECORDING=off, or no ffmpeg). */
  recorder: Recorder | undefined;
  /** Live captions and transcripts (undefined: CAPTIONS=off). */
  captions: RunningCaptions | undefined;
  /** TURN credentials and the embedded coturn, if any. */
  turn: RunningTurn;
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
  // The one place that looks at REDIS_URL: a cluster's directory and SFU nodes, or this process's own.
  const cluster = config.redisUrl
    ? await connectCluster({ redisUrl: config.redisUrl, selector: config.nodeSelector, nodeId: config.signalingNodeId, lessonLeaseMs: config.lessonLeaseMs, logger: logger.child({ component: 'cluster' }) })
    : undefined;
  const store: DirectoryStore = cluster?.store ?? (await JsonFileDirectoryStore.open(config.dataDir));
  if (seed && (await store.isEmpty())) {
    await store.importDirectory(seed);
    logger.info({ schools: seed.schools?.length ?? 0, classrooms: seed.classrooms?.length ?? 0, lessons: seed.lessons?.length ?? 0 }, config.seedFile ? 'imported SEED_FILE into an empty store' : 'loaded the demo district into an empty store');
  }
  const sfu =
    givenSfu ??
    cluster?.sfu ??
    (await LocalSfu.start(
      defaultSfuConfig({
        numWorkers: config.numWorkers,
        listenIp: config.rtcListenIp,
        rtcPort: config.rtcPort,
        socketBufferBytes: config.rtcSocketBufferBytes,
        ...(config.rtcAnnouncedAddress ? { announcedAddress: config.rtcAnnouncedAddress } : {}),
      }),
      logger.child({ component: 'sfu' }),
    ));
  const tokens = new TokenService(config.tokenSecret, config.tokenMaxTtlSeconds);
  const budgets = new ClientBudgets(config.limits);
  const events = new LocalLessonEventBus(logger.child({ component: 'events' }));
  const httpServer = config.tls ? https.createServer(await readTls(config.tls)) : http.createServer();
  let gateway: SocketGateway | undefined;
  let recorder: Recorder | undefined;
  const registry = new LiveLessonRegistry({
    sfu,
    store,
    events,
    logger: logger.child({ component: 'lessons' }),
    maxFloorHolders: config.maxFloorHolders,
    maxLiveLessons: config.limits.maxLiveLessons,
    maxParticipantsPerLesson: config.limits.maxParticipantsPerLesson,
    idleGraceMs: config.limits.roomIdleGraceMs,
    // Channels are only asked for once a socket joined, by which time the gateway exists.
    channelFor: (lessonId) => gateway!.channelFor(lessonId),
    isRecording: (lessonId) => recorder?.isRecording(lessonId) ?? false,
  });
  const metrics = new Metrics(sfu, () => registry.size, () => registry.networkQualityCounts());
  const webhooks = config.webhooks
    ? new WebhookDispatcher({ ...config.webhooks, logger: logger.child({ component: 'webhooks' }), metrics })
    : undefined;
  webhooks?.follow(events);
  recorder = config.recording
    ? await startRecorder(config.recording, { sfu, events, store, registry: metrics.registry, logger: logger.child({ component: 'recorder' }) })
    : undefined;
  recorder?.on('recordingChanged', ({ lessonId, recording }) => registry.announceRecording(lessonId, recording));
  recorder?.on('recordingFinished', ({ manifest }) => {
    if (manifest.state !== 'ready' && manifest.state !== 'failed') return;
    webhooks?.enqueue({
      type: 'recording.ready',
      lessonId: manifest.lessonId,
      createdAt: new Date().toISOString(),
      data: {
        recordingId: manifest.recordingId,
        state: manifest.state,
        durationSeconds: manifest.durationMs === null ? null : manifest.durationMs / 1000,
        interrupted: manifest.interrupted,
        error: manifest.error,
      },
    });
  });
  const captions =
    config.captions || config.echoGuard
      ? await startCaptions({ captions: config.captions, echoGuard: config.echoGuard }, { sfu, events, store, registry: metrics.registry, logger: logger.child({ component: 'captions' }) })
      : undefined;
  captions?.service.on('caption', ({ lessonId, caption }) => registry.announceCaption(lessonId, caption));
  captions?.service.on('echo', ({ lessonId, participantId, warning }) => registry.announceEcho(lessonId, participantId, warning));
  // TURN relays to the address the SFU puts in its ICE candidates.
  const sfuAddress = resolveAnnouncedAddress({ listenIp: config.rtcListenIp, announcedAddress: config.rtcAnnouncedAddress }) ?? config.rtcListenIp;
  const turn = await startTurn(config.turn, { sfuAddress, registry: metrics.registry, logger: logger.child({ component: 'turn' }) });
  const issuer = new TokenIssuer(store, tokens, turn.ice);
  // Each connection is answered by its lesson's owner: this process, or in a cluster the node holding the lesson's lease.
  const localSessions = new LocalLessonSessions(registry, sfu, turn.ice);
  const sessions: LessonSessions =
    (await cluster?.serveLessons({ local: localSessions, lessons: registry, store, metrics: metrics.registry, connectedSockets: () => gateway?.io.of('/').sockets.size ?? 0 })) ?? localSessions;
  const app = createApp({
    adminApiKey: config.adminApiKey,
    demo: config.demo,
    store,
    registry,
    issuer,
    sfu,
    metrics,
    logger,
    budgets,
    trustProxyHops: config.trustProxyHops,
    metricsToken: config.metricsToken,
    corsOrigins: config.corsOrigins,
    maxOpenLessons: config.limits.maxOpenLessons,
    events,
    webhookLog: webhooks?.deliveries,
    recordings: recorder,
    transcripts: captions?.transcripts,
    replayTokens: new ReplayTokens(config.tokenSecret, config.recording?.replayTokenMaxTtlSeconds ?? DEFAULT_REPLAY_TTL_SECONDS),
  });
  // Express first, socket.io second: engine.io then takes /socket.io/ requests before express sees them.
  // The other way round both answer the same request, and the second answer throws (ERR_HTTP_HEADERS_SENT).
  httpServer.on('request', app);
  gateway = new SocketGateway(httpServer, {
    tokens,
    registry,
    sessions,
    metrics,
    budgets,
    logger: logger.child({ component: 'socket' }),
    rateLimit: config.rateLimit,
    trustProxyHops: config.trustProxyHops,
    corsOrigins: config.corsOrigins,
  });
  const io = gateway.io;
  cluster?.attach(io);

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
    metrics,
    events,
    io,
    recorder,
    captions,
    turn,
    close: () =>
      (closing ??= (async () => {
        await captions?.close();
        await recorder?.close();
        webhooks?.close();
        registry.close();
        await gateway?.close();
        await sessions.close();
        httpServer.closeAllConnections();
        await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        if (!givenSfu) await sfu.close();
        await turn.close();
        await store.close();
        await cluster?.close();
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
