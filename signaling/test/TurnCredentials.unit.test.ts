import { createHmac } from 'node:crypto';
import { TurnCredentials, turnPassword } from '../src/turn/TurnCredentials.js';
import { coturnConfig } from '../src/turn/TurnServerProcess.js';

const secret = 'shared-with-coturn-0123456789';

describe('TurnCredentials (TURN REST API, as coturn checks it)', () => {
  it('mints "<expiry>:<participant>" with the base64 HMAC-SHA1 of it under the shared secret', () => {
    const turn = new TurnCredentials({ urls: ['turn:127.0.0.1:3478?transport=udp'], secret, ttlSeconds: 3600, policy: 'relay' });
    const now = Date.UTC(2026, 11, 3, 8, 0, 0);
    const { iceServers, iceTransportPolicy } = turn.forParticipant('classroom-cr-1', now);
    expect(iceTransportPolicy).toBe('relay');
    expect(iceServers).toHaveLength(1);
    const [server] = iceServers;
    expect(server!.urls).toEqual(['turn:127.0.0.1:3478?transport=udp']);
    expect(server!.username).toBe(`${now / 1000 + 3600}:classroom-cr-1`);
    // Computed independently of turnPassword: what coturn's use-auth-secret recomputes.
    expect(server!.credential).toBe(createHmac('sha1', secret).update(server!.username!).digest('base64'));
  });

  it('gives each participant and each moment its own credential', () => {
    const turn = new TurnCredentials({ urls: ['turn:a:3478'], secret, ttlSeconds: 60, policy: 'all' });
    const a = turn.forParticipant('a', 1_000_000).iceServers[0]!;
    const b = turn.forParticipant('b', 1_000_000).iceServers[0]!;
    const later = turn.forParticipant('a', 1_000_000 + 5_000).iceServers[0]!;
    expect(new Set([a.credential, b.credential, later.credential]).size).toBe(3);
    expect(turnPassword('another-secret-0123456789', a.username!)).not.toBe(a.credential);
  });

  it('refuses to run without URLs or with a weak secret', () => {
    expect(() => new TurnCredentials({ urls: [], secret, ttlSeconds: 60, policy: 'all' })).toThrow(/TURN URL/);
    expect(() => new TurnCredentials({ urls: ['turn:a'], secret: 'short', ttlSeconds: 60, policy: 'all' })).toThrow(/16 characters/);
  });
});

describe('coturnConfig', () => {
  const base = { bin: 'turnserver', listenIp: '0.0.0.0', port: 3478, minPort: 49160, maxPort: 49359, realm: 'classbridge', secret };

  it('uses the shared secret, closes the CLI and relays only to the SFU', () => {
    const lines = coturnConfig({ ...base, peerAddresses: ['10.1.2.3'] }).split('\n');
    expect(lines).toEqual(expect.arrayContaining(['use-auth-secret', `static-auth-secret=${secret}`, 'no-cli', 'no-tls', 'denied-peer-ip=0.0.0.0-255.255.255.255', 'allowed-peer-ip=10.1.2.3']));
    expect(lines).not.toContain('allow-loopback-peers');
  });

  it('allows loopback peers only when the SFU is on loopback, and listens for TLS where configured', () => {
    const lines = coturnConfig({ ...base, peerAddresses: ['127.0.0.1'], tls: { port: 443, certFile: '/etc/cb/cert.pem', keyFile: '/etc/cb/key.pem' } }).split('\n');
    expect(lines).toEqual(expect.arrayContaining(['allow-loopback-peers', 'allowed-peer-ip=127.0.0.1', 'tls-listening-port=443', 'cert=/etc/cb/cert.pem', 'pkey=/etc/cb/key.pem']));
    expect(lines).not.toContain('no-tls');
  });
});
