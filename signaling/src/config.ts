import os from 'node:os';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_SOCKET_BUFFER_BYTES } from '@classbridge/sfu';
import { selectorNames, type SelectorName } from './routing/selectors/createSelector.js';
import type { RateBudget } from './limits/RateLimiter.js';
import type { TurnConfig } from './turn/TurnCredentials.js';
import { webhookEventTypes } from './webhooks/webhookEvents.js';
import type { WebhookEventType } from './webhooks/webhookEvents.js';

/** Server configuration, read from environment variables (documented in README.md). */
export interface ServerConfig {
  port: number;
  host: string;
  rtcPort: number;
  rtcListenIp: string;
  /** Kernel buffer of the media sockets (RTC_SOCKET_BUFFER_BYTES; 0: the OS default). */
  rtcSocketBufferBytes: number;
  rtcAnnouncedAddress: string | undefined;
  numWorkers: number;
  dataDir: string;
  /** Key that REST admin calls must present (header `x-api-key`). */
  adminApiKey: string;
  /** HMAC secret for access tokens. */
  tokenSecret: string;
  /** Serve the demo pages and the seeded demo district. */
  demo: boolean;
  /** A directory JSON file (districts, schools, classrooms, teachers, lessons) imported into an empty store at start (SEED_FILE). */
  seedFile: string | undefined;
  logLevel: string;
  /** Per-socket message budget: burst size and refill per second. */
  rateLimit: RateBudget;
  /** Budgets per client address and per participant (see README: Limits). */
  limits: ServerLimits;
  /** Tokens whose lifetime (exp − iat) exceeds this are refused, as are tokens without exp. */
  tokenMaxTtlSeconds: number;
  /** Bearer token GET /metrics requires; unset: open (restrict it at the network instead). */
  metricsToken: string | undefined;
  /** Reverse proxies in front of the server whose X-Forwarded-For is trusted (0: use the TCP peer address). */
  trustProxyHops: number;
  /** Origins (besides the server's own) allowed to load the SDK bundle and open socket.io connections with polling. */
  corsOrigins: string[];
  /** How many remote participants may hold the floor at once (echo control: 1 by default). */
  maxFloorHolders: number;
  /** Cluster mode: the directory and the SFU nodes are found through this Redis (REDIS_URL). */
  redisUrl: string | undefined;
  /** How a cluster places a participant on an SFU node (NODE_SELECTOR). */
  nodeSelector: SelectorName;
  /** This signaling node's id in a cluster (SIGNALING_NODE_ID; default host name and process id). */
  signalingNodeId: string;
  /** How long a signaling node's hold on a lesson lasts unless renewed (LESSON_LEASE_MS): the longest a lesson waits for a new owner after its node dies. */
  lessonLeaseMs: number;
  /** PEM files for HTTPS: browsers capture camera and microphone only on https:// (or localhost). */
  tls: { certFile: string; keyFile: string } | undefined;
  /** Signed lesson events to the platform's endpoints; undefined: webhooks off. */
  webhooks: WebhookConfig | undefined;
  /** Lesson recording; undefined: off (RECORDING=off). */
  recording: RecordingConfig | undefined;
  /** Live captions and transcripts; undefined: off (CAPTIONS=off). */
  captions: CaptionsConfig | undefined;
  /** The echo guard on remote classrooms' microphones; undefined: off (ECHO_GUARD=off). */
  echoGuard: EchoGuardConfig | undefined;
  /** TURN for clients behind strict firewalls; undefined: off (no TURN_* set). */
  turn: TurnServiceConfig | undefined;
}

export interface TurnServiceConfig extends TurnConfig {
  /** Start Debian's coturn as a child process (TURN_EMBEDDED=on); undefined: an operator runs it. */
  embedded:
    | {
        bin: string;
        listenIp: string;
        port: number;
        tls: { port: number; certFile: string; keyFile: string } | undefined;
        minPort: number;
        maxPort: number;
        realm: string;
        /** Addresses coturn may relay to (TURN_PEER_IPS; default: the SFU's announced address). */
        peerAddresses: string[] | undefined;
      }
    | undefined;
}

export type CaptionEngineName = 'pocketsphinx' | 'whisper' | 'sherpa-onnx';

export interface CaptionsConfig {
  /** The speech engine per lesson language. */
  engines: { en: CaptionEngineName; zh: CaptionEngineName };
  /** Where operators put Whisper and sherpa-onnx models (MODELS_DIR; the server never downloads one). */
  modelsDir: string;
  /** Where lesson transcripts are written (TRANSCRIPTS_DIR, default DATA_DIR/transcripts). */
  transcriptsDir: string;
  /** The caption worker's and its engines' scheduling priority (CAPTION_NICENESS, 0–19, default 10). */
  niceness: number;
}

export interface EchoGuardConfig {
  /** The caption worker runs it (with or without captions): its scheduling priority (CAPTION_NICENESS). */
  niceness: number;
  /** A leaking classroom's SDK turns its microphone down while the teacher speaks (ECHO_DUCK). */
  duck: boolean;
}

export interface RecordingConfig {
  /** Where recordings are written (RECORDINGS_DIR, default DATA_DIR/recordings). */
  dir: string;
  /** Recordings older than this many days are deleted (0: kept). */
  retentionDays: number;
  /** Composition window and HLS segment length. */
  windowMs: number;
  /** Replay output size and frame rate. */
  output: { width: number; height: number; fps: number };
  /** Longest replay-token lifetime the REST API mints. */
  replayTokenMaxTtlSeconds: number;
}

export interface WebhookConfig {
  urls: string[];
  /** HMAC key of the ClassBridge-Signature header. */
  secret: string;
  /** Event types sent (all by default). */
  events: WebhookEventType[];
  /** One attempt's limit: connecting, sending and the response status. */
  timeoutMs: number;
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  /** Backoff: base · 2^(attempt − 1) with jitter, capped at maxMs. */
  retry: { baseMs: number; maxMs: number };
}

export interface ServerLimits {
  /** Socket connection attempts per client address. */
  connectsPerIp: RateBudget;
  /** Refused socket connections (bad or expired tokens) per client address; when spent, the address must wait. */
  authFailuresPerIp: RateBudget;
  /** Socket requests per client address, all its sockets together. */
  requestsPerIp: RateBudget;
  /** REST requests per client address. */
  restPerIp: RateBudget;
  /** Wrong admin API keys per client address; when spent, every admin request from it gets 429. */
  adminAuthFailuresPerIp: RateBudget;
  /** Sockets one participant (lesson + participant id) may hold open at once. */
  maxSocketsPerParticipant: number;
  /** Lessons with live state (someone joined) at once. */
  maxLiveLessons: number;
  /** Connected participants in one lesson. */
  maxParticipantsPerLesson: number;
  /** Lessons not yet ended in the directory (REST creation beyond it is refused). */
  maxOpenLessons: number;
  /** How long a lesson's media room stays open after its last participant left. */
  roomIdleGraceMs: number;
}

/** "burst/perSecond", e.g. "600/20". */
const budget = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx): RateBudget => {
      const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
      const burst = Number(match?.[1]);
      const perSecond = Number(match?.[2]);
      if (!match || burst < 1 || !(perSecond > 0)) {
        ctx.addIssue({ code: 'custom', message: 'expected "<burst>/<per second>", e.g. "600/20", both positive' });
        return z.NEVER;
      }
      return { burst, perSecond };
    });

/** Comma-separated values, blanks and duplicates ignored. */
const commaList = (text: string) => [...new Set(text.split(',').map((item) => item.trim()).filter(Boolean))];

/** Longest wait between two attempts of a webhook delivery. */
const WEBHOOK_RETRY_MAX_MS = 5 * 60_000;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  RTC_PORT: z.coerce.number().int().min(0).max(65535).default(40000),
  RTC_LISTEN_IP: z.string().default('0.0.0.0'),
  RTC_SOCKET_BUFFER_BYTES: z.coerce.number().int().min(0).max(256 * 1024 * 1024).default(DEFAULT_SOCKET_BUFFER_BYTES),
  RTC_ANNOUNCED_IP: z.string().min(1).optional(),
  SFU_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  DATA_DIR: z.string().default('data'),
  ADMIN_API_KEY: z.string().min(16, 'ADMIN_API_KEY must be at least 16 characters').optional(),
  TOKEN_SECRET: z.string().min(32, 'TOKEN_SECRET must be at least 32 characters').optional(),
  DEMO: z.enum(['0', '1', 'true', 'false']).default('0'),
  SEED_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(60),
  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(30),
  MAX_FLOOR_HOLDERS: z.coerce.number().int().min(1).max(16).default(1),
  REDIS_URL: z.string().url().optional(),
  NODE_SELECTOR: z.enum(selectorNames).default('region-least-loaded'),
  SIGNALING_NODE_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash or underscore, at most 64').optional(),
  LESSON_LEASE_MS: z.coerce.number().int().min(1_000).max(60_000).default(3_000),
  // Sized for 200 classrooms behind one school NAT address joining at the bell (README: Limits).
  CONNECT_RATE_PER_IP: budget('600/20'),
  AUTH_FAILURE_RATE_PER_IP: budget('100/2'),
  REQUEST_RATE_PER_IP: budget('20000/500'),
  REST_RATE_PER_IP: budget('1000/50'),
  ADMIN_AUTH_FAILURE_RATE_PER_IP: budget('20/0.2'),
  MAX_SOCKETS_PER_PARTICIPANT: z.coerce.number().int().min(1).max(100).default(4),
  MAX_LIVE_LESSONS: z.coerce.number().int().min(1).default(500),
  MAX_PARTICIPANTS_PER_LESSON: z.coerce.number().int().min(2).default(300),
  MAX_OPEN_LESSONS: z.coerce.number().int().min(1).default(5000),
  ROOM_IDLE_GRACE_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  TOKEN_MAX_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(12 * 3600),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/ }))),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  WEBHOOK_URLS: z
    .string()
    .default('')
    .transform(commaList)
    .pipe(
      z.array(
        z
          .url({ protocol: /^https?$/, message: 'expected http:// or https:// URLs' })
          // fetch refuses URLs with credentials; the signature is what authenticates ClassBridge.
          .refine((url) => !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url), 'credentials in the URL are not supported (the signature authenticates)'),
      ),
    ),
  WEBHOOK_SECRET: z.string().min(32, 'WEBHOOK_SECRET must be at least 32 characters').optional(),
  WEBHOOK_EVENTS: z
    .string()
    .default('')
    .transform(commaList)
    .pipe(z.array(z.enum(webhookEventTypes))),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  RECORDING: z.enum(['on', 'off']).default('on'),
  RECORDINGS_DIR: z.string().min(1).optional(),
  RECORDING_RETENTION_DAYS: z.coerce.number().min(0).max(3650).default(30),
  RECORDING_SEGMENT_SECONDS: z.coerce.number().int().min(2).max(60).default(10),
  RECORDING_SIZE: z
    .string()
    .regex(/^\d{3,4}x\d{3,4}$/, 'expected WIDTHxHEIGHT, e.g. 1280x720')
    .default('1280x720')
    .transform((text) => text.split('x').map(Number) as [number, number])
    .refine(([width, height]) => width % 2 === 0 && height % 2 === 0 && width <= 3840 && height <= 2160, 'even sizes up to 3840x2160'),
  RECORDING_FPS: z.coerce.number().int().min(5).max(30).default(15),
  CAPTIONS: z.enum(['on', 'off']).default('on'),
  CAPTION_ENGINE_EN: z.enum(['pocketsphinx', 'whisper', 'sherpa-onnx']).default('pocketsphinx'),
  CAPTION_ENGINE_ZH: z.enum(['whisper', 'sherpa-onnx']).default('sherpa-onnx'),
  MODELS_DIR: z.string().min(1).default('models'),
  CAPTION_NICENESS: z.coerce.number().int().min(0).max(19).default(10),
  ECHO_GUARD: z.enum(['on', 'off']).default('on'),
  ECHO_DUCK: z.enum(['on', 'off']).default('off'),
  TRANSCRIPTS_DIR: z.string().min(1).optional(),
  TURN_URLS: z
    .string()
    .default('')
    .transform(commaList)
    .pipe(z.array(z.string().regex(/^turns?:[^\s]+$/, 'expected turn: or turns: URIs, e.g. turn:turn.school.cn:3478?transport=udp'))),
  TURN_SECRET: z.string().min(16, 'TURN_SECRET must be at least 16 characters').optional(),
  TURN_CREDENTIAL_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(6 * 3600),
  TURN_POLICY: z.enum(['all', 'relay']).default('all'),
  TURN_EMBEDDED: z.enum(['on', 'off']).default('off'),
  TURN_BIN: z.string().min(1).default('turnserver'),
  TURN_LISTEN_IP: z.union([z.ipv4(), z.ipv6()]).default('0.0.0.0'),
  TURN_PORT: z.coerce.number().int().min(1).max(65535).default(3478),
  TURN_TLS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  TURN_RELAY_PORTS: z
    .string()
    .default('49160-49359')
    .transform((text, ctx) => {
      const match = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
      const [min, max] = [Number(match?.[1]), Number(match?.[2])];
      if (!match || min < 1024 || max > 65535 || min > max) {
        ctx.addIssue({ code: 'custom', message: 'expected "<min>-<max>" between 1024 and 65535, e.g. "49160-49359"' });
        return z.NEVER;
      }
      return { min, max };
    }),
  TURN_REALM: z.string().min(1).default('classbridge'),
  TURN_PEER_IPS: z.string().default('').transform(commaList).pipe(z.array(z.union([z.ipv4(), z.ipv6()]))),
  REPLAY_TOKEN_MAX_TTL_SECONDS: z.coerce.number().int().min(60).max(90 * 24 * 3600).default(7 * 24 * 3600),
});

/** Fixed demo credentials: only ever used when DEMO=1 and nothing else is configured. */
const DEMO_API_KEY = 'demo-admin-key-change-me';
const DEMO_SECRET = 'demo-token-secret-not-for-production-use!!';

/** Every environment variable the signaling server reads (deployment examples are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv, cpuCount: number): ServerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const demo = e.DEMO === '1' || e.DEMO === 'true';
  if (!demo && (!e.ADMIN_API_KEY || !e.TOKEN_SECRET)) {
    throw new ConfigError('ADMIN_API_KEY and TOKEN_SECRET are required unless DEMO=1');
  }
  if (Boolean(e.TLS_CERT_FILE) !== Boolean(e.TLS_KEY_FILE)) {
    throw new ConfigError('TLS_CERT_FILE and TLS_KEY_FILE go together');
  }
  if (e.WEBHOOK_URLS.length > 0 && !e.WEBHOOK_SECRET) {
    throw new ConfigError('WEBHOOK_SECRET (at least 32 characters) is required when WEBHOOK_URLS is set');
  }
  const turn = turnConfig(e);
  return {
    port: e.PORT,
    host: e.HOST,
    rtcPort: e.RTC_PORT,
    rtcListenIp: e.RTC_LISTEN_IP,
    rtcSocketBufferBytes: e.RTC_SOCKET_BUFFER_BYTES,
    rtcAnnouncedAddress: e.RTC_ANNOUNCED_IP,
    numWorkers: e.SFU_WORKERS ?? cpuCount,
    dataDir: path.resolve(e.DATA_DIR),
    adminApiKey: e.ADMIN_API_KEY ?? DEMO_API_KEY,
    tokenSecret: e.TOKEN_SECRET ?? DEMO_SECRET,
    demo,
    seedFile: e.SEED_FILE === undefined ? undefined : path.resolve(e.SEED_FILE),
    logLevel: e.LOG_LEVEL,
    rateLimit: { burst: e.RATE_LIMIT_BURST, perSecond: e.RATE_LIMIT_PER_SECOND },
    limits: {
      connectsPerIp: e.CONNECT_RATE_PER_IP,
      authFailuresPerIp: e.AUTH_FAILURE_RATE_PER_IP,
      requestsPerIp: e.REQUEST_RATE_PER_IP,
      restPerIp: e.REST_RATE_PER_IP,
      adminAuthFailuresPerIp: e.ADMIN_AUTH_FAILURE_RATE_PER_IP,
      maxSocketsPerParticipant: e.MAX_SOCKETS_PER_PARTICIPANT,
      maxLiveLessons: e.MAX_LIVE_LESSONS,
      maxParticipantsPerLesson: e.MAX_PARTICIPANTS_PER_LESSON,
      maxOpenLessons: e.MAX_OPEN_LESSONS,
      roomIdleGraceMs: e.ROOM_IDLE_GRACE_SECONDS * 1000,
    },
    tokenMaxTtlSeconds: e.TOKEN_MAX_TTL_SECONDS,
    metricsToken: e.METRICS_TOKEN,
    trustProxyHops: e.TRUST_PROXY,
    corsOrigins: e.CORS_ORIGINS,
    maxFloorHolders: e.MAX_FLOOR_HOLDERS,
    redisUrl: e.REDIS_URL,
    nodeSelector: e.NODE_SELECTOR,
    signalingNodeId: e.SIGNALING_NODE_ID ?? `${os.hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40)}-${process.pid}`,
    lessonLeaseMs: e.LESSON_LEASE_MS,
    tls: e.TLS_CERT_FILE && e.TLS_KEY_FILE ? { certFile: path.resolve(e.TLS_CERT_FILE), keyFile: path.resolve(e.TLS_KEY_FILE) } : undefined,
    webhooks:
      e.WEBHOOK_URLS.length > 0 && e.WEBHOOK_SECRET
        ? {
            urls: e.WEBHOOK_URLS,
            secret: e.WEBHOOK_SECRET,
            events: e.WEBHOOK_EVENTS.length > 0 ? e.WEBHOOK_EVENTS : [...webhookEventTypes],
            timeoutMs: e.WEBHOOK_TIMEOUT_MS,
            maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
            retry: { baseMs: e.WEBHOOK_RETRY_BASE_MS, maxMs: WEBHOOK_RETRY_MAX_MS },
          }
        : undefined,
    recording:
      e.RECORDING === 'on'
        ? {
            dir: path.resolve(e.RECORDINGS_DIR ?? path.join(e.DATA_DIR, 'recordings')),
            retentionDays: e.RECORDING_RETENTION_DAYS,
            windowMs: e.RECORDING_SEGMENT_SECONDS * 1000,
            output: { width: e.RECORDING_SIZE[0], height: e.RECORDING_SIZE[1], fps: e.RECORDING_FPS },
            replayTokenMaxTtlSeconds: e.REPLAY_TOKEN_MAX_TTL_SECONDS,
          }
        : undefined,
    captions:
      e.CAPTIONS === 'on'
        ? {
            engines: { en: e.CAPTION_ENGINE_EN, zh: e.CAPTION_ENGINE_ZH },
            modelsDir: path.resolve(e.MODELS_DIR),
            transcriptsDir: path.resolve(e.TRANSCRIPTS_DIR ?? path.join(e.DATA_DIR, 'transcripts')),
            niceness: e.CAPTION_NICENESS,
          }
        : undefined,
    echoGuard: e.ECHO_GUARD === 'on' ? { niceness: e.CAPTION_NICENESS, duck: e.ECHO_DUCK === 'on' } : undefined,
    turn,
  };
}

/** TURN: off, an operator's coturn (URLs + its secret), or coturn started by the server. */
function turnConfig(e: z.infer<typeof envSchema>): TurnServiceConfig | undefined {
  const embedded = e.TURN_EMBEDDED === 'on';
  if (!embedded && e.TURN_URLS.length === 0) {
    if (e.TURN_SECRET) throw new ConfigError('TURN_SECRET is set but TURN_URLS is not: say where clients reach the TURN server, or set TURN_EMBEDDED=on');
    if (e.TURN_POLICY === 'relay') throw new ConfigError('TURN_POLICY=relay needs TURN (TURN_URLS and TURN_SECRET, or TURN_EMBEDDED=on)');
    return undefined;
  }
  if (!embedded && !e.TURN_SECRET) throw new ConfigError('TURN_SECRET (coturn\'s static-auth-secret, at least 16 characters) is required with TURN_URLS');
  if (e.TURN_TLS_PORT !== undefined && (!e.TLS_CERT_FILE || !e.TLS_KEY_FILE)) {
    throw new ConfigError('TURN_TLS_PORT needs TLS_CERT_FILE and TLS_KEY_FILE (coturn uses the same certificate)');
  }
  const tls = e.TURN_TLS_PORT !== undefined ? { port: e.TURN_TLS_PORT, certFile: path.resolve(e.TLS_CERT_FILE!), keyFile: path.resolve(e.TLS_KEY_FILE!) } : undefined;
  // Where clients reach an embedded coturn: the SFU's announced address (they reach that already).
  const host = e.RTC_ANNOUNCED_IP ?? (e.TURN_LISTEN_IP !== '0.0.0.0' && e.TURN_LISTEN_IP !== '::' ? e.TURN_LISTEN_IP : '127.0.0.1');
  const derivedUrls = [
    `turn:${host}:${e.TURN_PORT}?transport=udp`,
    `turn:${host}:${e.TURN_PORT}?transport=tcp`,
    ...(tls ? [`turns:${host}:${tls.port}?transport=tcp`] : []),
  ];
  return {
    urls: e.TURN_URLS.length > 0 ? e.TURN_URLS : derivedUrls,
    // An embedded coturn without a configured secret shares a fresh one with this process only.
    secret: e.TURN_SECRET ?? randomBytes(24).toString('base64url'),
    ttlSeconds: e.TURN_CREDENTIAL_TTL_SECONDS,
    policy: e.TURN_POLICY,
    embedded: embedded
      ? {
          bin: e.TURN_BIN,
          listenIp: e.TURN_LISTEN_IP,
          port: e.TURN_PORT,
          tls,
          minPort: e.TURN_RELAY_PORTS.min,
          maxPort: e.TURN_RELAY_PORTS.max,
          realm: e.TURN_REALM,
          peerAddresses: e.TURN_PEER_IPS.length > 0 ? e.TURN_PEER_IPS : undefined,
        }
      : undefined,
  };
}
