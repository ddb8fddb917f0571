import { pino } from 'pino';
import { ConfigError, loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';

describe('the composition root', () => {
  it('refuses REDIS_URL (cluster mode) with a clear message instead of running single-node unawares', async () => {
    const config = loadConfig({ DEMO: '1', REDIS_URL: 'redis://127.0.0.1:6379', DATA_DIR: '/nonexistent/never-created' }, 1);
    const started = startServer(config, { logger: pino({ level: 'silent' }) });
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(/REDIS_URL asks for cluster mode/);
  });
});
