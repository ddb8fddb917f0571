import { pino } from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';

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

export const loggerOptions = (level: string): LoggerOptions => ({ level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'classbridge' } });

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
