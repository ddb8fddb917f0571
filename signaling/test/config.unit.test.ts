import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('uses documented defaults in demo mode', () => {
    const config = loadConfig({ DEMO: '1' }, 2);
    expect(config).toMatchObject({ port: 3000, rtcPort: 40000, numWorkers: 2, demo: true, maxFloorHolders: 1 });
    expect(config.tokenSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('requires real secrets outside demo mode', () => {
    expect(() => loadConfig({}, 2)).toThrow(ConfigError);
    const config = loadConfig({ ADMIN_API_KEY: 'k'.repeat(16), TOKEN_SECRET: 's'.repeat(32), PORT: '8080', RTC_ANNOUNCED_IP: '203.0.113.7' }, 4);
    expect(config).toMatchObject({ port: 8080, rtcAnnouncedAddress: '203.0.113.7', numWorkers: 4, demo: false });
  });

  it.each([
    [{ DEMO: '1', PORT: 'eighty' }, /PORT/],
    [{ DEMO: '1', RTC_PORT: '70000' }, /RTC_PORT/],
    [{ DEMO: '1', REDIS_URL: 'not a url' }, /REDIS_URL/],
    [{ ADMIN_API_KEY: 'short', TOKEN_SECRET: 's'.repeat(32) }, /ADMIN_API_KEY/],
    [{ DEMO: '1', TLS_CERT_FILE: 'cert.pem' }, /TLS_CERT_FILE and TLS_KEY_FILE/],
  ])('rejects %j with a message naming the variable', (env, pattern) => {
    expect(() => loadConfig(env, 2)).toThrow(pattern);
  });
});
