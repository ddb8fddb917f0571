import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('uses documented defaults in demo mode', () => {
    const config = loadConfig({ DEMO: '1' }, 2);
    expect(config).toMatchObject({ port: 3000, rtcPort: 40000, numWorkers: 2, demo: true, maxFloorHolders: 1 });
    expect(config.tokenSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('takes a seed directory file (SEED_FILE) as an absolute path, none by default', () => {
    expect(loadConfig({ DEMO: '1' }, 2).seedFile).toBeUndefined();
    expect(loadConfig({ DEMO: '1', SEED_FILE: 'district.json' }, 2).seedFile).toBe(`${process.cwd()}/district.json`);
  });

  it('sizes the media sockets\' kernel buffers (RTC_SOCKET_BUFFER_BYTES: 4 MiB by default, 0 for the OS default)', () => {
    expect(loadConfig({ DEMO: '1' }, 2).rtcSocketBufferBytes).toBe(4 * 1024 * 1024);
    expect(loadConfig({ DEMO: '1', RTC_SOCKET_BUFFER_BYTES: '0' }, 2).rtcSocketBufferBytes).toBe(0);
    expect(() => loadConfig({ DEMO: '1', RTC_SOCKET_BUFFER_BYTES: '-1' }, 2)).toThrow(/RTC_SOCKET_BUFFER_BYTES/);
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

  it('runs the echo guard by default, without the duck, and with or without captions', () => {
    expect(loadConfig({ DEMO: '1' }, 2).echoGuard).toEqual({ niceness: 10, duck: false });
    expect(loadConfig({ DEMO: '1', CAPTIONS: 'off', ECHO_DUCK: 'on' }, 2)).toMatchObject({ captions: undefined, echoGuard: { duck: true } });
    expect(loadConfig({ DEMO: '1', ECHO_GUARD: 'off' }, 2).echoGuard).toBeUndefined();
    expect(() => loadConfig({ DEMO: '1', ECHO_DUCK: 'yes' }, 2)).toThrow(/ECHO_DUCK/);
  });

  it('leaves TURN off unless TURN_* is set', () => {
    expect(loadConfig({ DEMO: '1' }, 2).turn).toBeUndefined();
  });

  it('takes an operator\'s coturn (URLs and its shared secret) or starts its own', () => {
    const operated = loadConfig({ DEMO: '1', TURN_URLS: 'turn:turn.school.cn:3478?transport=udp, turns:turn.school.cn:443?transport=tcp', TURN_SECRET: 'x'.repeat(16) }, 2).turn!;
    expect(operated).toMatchObject({ urls: ['turn:turn.school.cn:3478?transport=udp', 'turns:turn.school.cn:443?transport=tcp'], secret: 'x'.repeat(16), policy: 'all', embedded: undefined });
    const embedded = loadConfig({ DEMO: '1', TURN_EMBEDDED: 'on', RTC_ANNOUNCED_IP: '10.1.2.3', TURN_POLICY: 'relay', TURN_RELAY_PORTS: '50000-50099' }, 2).turn!;
    expect(embedded.urls).toEqual(['turn:10.1.2.3:3478?transport=udp', 'turn:10.1.2.3:3478?transport=tcp']);
    expect(embedded.secret.length).toBeGreaterThanOrEqual(16); // a fresh one, shared with the child only
    expect(embedded).toMatchObject({ policy: 'relay', embedded: { port: 3478, minPort: 50000, maxPort: 50099, tls: undefined } });
  });

  it.each([
    [{ DEMO: '1', TURN_URLS: 'turn:a.cn:3478' }, /TURN_SECRET .*required/],
    [{ DEMO: '1', TURN_SECRET: 'x'.repeat(16) }, /TURN_URLS is not/],
    [{ DEMO: '1', TURN_POLICY: 'relay' }, /TURN_POLICY=relay needs TURN/],
    [{ DEMO: '1', TURN_URLS: 'stun:a.cn:3478', TURN_SECRET: 'x'.repeat(16) }, /TURN_URLS/],
    [{ DEMO: '1', TURN_URLS: 'turn:a.cn', TURN_SECRET: 'short' }, /TURN_SECRET/],
    [{ DEMO: '1', TURN_EMBEDDED: 'on', TURN_RELAY_PORTS: '600-700' }, /TURN_RELAY_PORTS/],
    [{ DEMO: '1', TURN_EMBEDDED: 'on', TURN_TLS_PORT: '443' }, /TURN_TLS_PORT needs TLS_CERT_FILE/],
    [{ DEMO: '1', TURN_EMBEDDED: 'on', TURN_PEER_IPS: 'sfu.school.cn' }, /TURN_PEER_IPS/],
  ])('rejects TURN settings %j with a message naming the variable', (env, pattern) => {
    expect(() => loadConfig(env, 2)).toThrow(pattern);
  });
});
