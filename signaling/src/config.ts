import path from 'node:path';
import { z } from 'zod';

/** Server configuration, read from environment variables (documented in README.md). */
export interface ServerConfig {
  port: number;
  host: string;
  rtcPort: number;
  rtcListenIp: string;
  rtcAnnouncedAddress: string | undefined;
  numWorkers: number;
  dataDir: string;
  /** Key that REST admin calls must present (header `x-api-key`). */
  adminApiKey: string;
  /** HMAC secret for access tokens. */
  tokenSecret: string;
  /** Serve the demo pages and the seeded demo district. */
  demo: boolean;
  logLevel: string;
  /** Per-socket message budget: burst size and refill per second. */
  rateLimit: { burst: number; perSecond: number };
  /** How many remote participants may hold the floor at once (echo control: 1 by default). */
  maxFloorHolders: number;
  redisUrl: string | undefined;
  /** PEM files for HTTPS: browsers capture camera and microphone only on https:// (or localhost). */
  tls: { certFile: string; keyFile: string } | undefined;
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  RTC_PORT: z.coerce.number().int().min(0).max(65535).default(40000),
  RTC_LISTEN_IP: z.string().default('0.0.0.0'),
  RTC_ANNOUNCED_IP: z.string().min(1).optional(),
  SFU_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  DATA_DIR: z.string().default('data'),
  ADMIN_API_KEY: z.string().min(16, 'ADMIN_API_KEY must be at least 16 characters').optional(),
  TOKEN_SECRET: z.string().min(32, 'TOKEN_SECRET must be at least 32 characters').optional(),
  DEMO: z.enum(['0', '1', 'true', 'false']).default('0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(60),
  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(30),
  MAX_FLOOR_HOLDERS: z.coerce.number().int().min(1).max(16).default(1),
  REDIS_URL: z.string().url().optional(),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
});

/** Fixed demo credentials: only ever used when DEMO=1 and nothing else is configured. */
const DEMO_API_KEY = 'demo-admin-key-change-me';
const DEMO_SECRET = 'demo-token-secret-not-for-production-use!!';

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
  return {
    port: e.PORT,
    host: e.HOST,
    rtcPort: e.RTC_PORT,
    rtcListenIp: e.RTC_LISTEN_IP,
    rtcAnnouncedAddress: e.RTC_ANNOUNCED_IP,
    numWorkers: e.SFU_WORKERS ?? cpuCount,
    dataDir: path.resolve(e.DATA_DIR),
    adminApiKey: e.ADMIN_API_KEY ?? DEMO_API_KEY,
    tokenSecret: e.TOKEN_SECRET ?? DEMO_SECRET,
    demo,
    logLevel: e.LOG_LEVEL,
    rateLimit: { burst: e.RATE_LIMIT_BURST, perSecond: e.RATE_LIMIT_PER_SECOND },
    maxFloorHolders: e.MAX_FLOOR_HOLDERS,
    redisUrl: e.REDIS_URL,
    tls: e.TLS_CERT_FILE && e.TLS_KEY_FILE ? { certFile: path.resolve(e.TLS_CERT_FILE), keyFile: path.resolve(e.TLS_KEY_FILE) } : undefined,
  };
}
