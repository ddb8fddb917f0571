import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';

describe('the composition root', () => {
  it('runs cluster mode for REDIS_URL, and says clearly when that Redis cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there.
    const config = loadConfig({ DEMO: '1', REDIS_URL: 'redis://:secret@127.0.0.1:1', DATA_DIR: '/nonexistent/never-created' }, 1);
    const started = startServer(config, { logger: pino({ level: 'silent' }) });
    await expect(started).rejects.toThrow(/cannot reach Redis at REDIS_URL \(redis:\/\/:\*\*\*@127\.0\.0\.1:1\)/);
  });
});
