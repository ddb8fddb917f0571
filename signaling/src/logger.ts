import { pino } from 'pino';
import type { Logger } from 'pino';

/** Paths that may carry credentials; pino replaces them before anything is written. */
const redactPaths = [
  'token',
  '*.token',
  'auth.token',
  'handshake.auth',
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'apiKey',
  'secret',
  'tokenSecret',
  'adminApiKey',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'classbridge' } });
}
