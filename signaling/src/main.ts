import fs from 'node:fs/promises';
import os from 'node:os';
import { demoDistrict } from '@classbridge/seeds';
import type { DirectoryInput } from './domain/schemas.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';
import { installProcessGuard } from './processGuard.js';

/** Entry point: configuration from the environment, graceful shutdown on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, os.availableParallelism());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const seed = config.seedFile ? await readSeedFile(config.seedFile) : config.demo ? demoDistrict(new Date()) : undefined;
  const server = await startServer(config, { logger, ...(seed ? { seed } : {}) }).catch((error: unknown) => {
    // Start-up failures an operator fixes (a bad setting, Redis unreachable): the message, not a stack.
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  });
  // From here on one failing handler must not end every lesson in the district.
  installProcessGuard(logger, (kind) => server.metrics.uncaughtErrors.inc({ kind }));
  if (config.demo) logger.info(`demo: open ${server.url}/ in a browser`);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

/** SEED_FILE's directory (the store validates it on import); a file that is not there or not JSON stops the start. */
async function readSeedFile(file: string): Promise<DirectoryInput> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as DirectoryInput;
  } catch (error) {
    process.stderr.write(`SEED_FILE ${file}: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`ClassBridge failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
