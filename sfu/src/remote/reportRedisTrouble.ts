import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';

/**
 * Logs a Redis outage once (the first of `clients` to notice it) and its end once, not every retry
 * of every client. Also gives each client the 'error' listener node-redis needs to keep retrying.
 */
export function reportRedisTrouble(clients: readonly RedisClientType[], logger: Pick<Logger, 'warn' | 'info'>): void {
  let troubled = false;
  for (const client of clients) {
    client.on('error', (error: Error) => {
      if (!troubled) logger.warn({ err: error.message }, 'Redis connection trouble; retrying');
      troubled = true;
    });
    client.on('ready', () => {
      if (troubled) logger.info('Redis connection back');
      troubled = false;
    });
  }
}
