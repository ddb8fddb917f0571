import { Writable } from 'node:stream';
import jwt from 'jsonwebtoken';
import { startLocalServer } from '@classbridge/load-tests';
import { connect } from './support/socketClient.js';

/** Logs are structured JSON and never carry a token, the admin key or the token secret. */
describe('logging', () => {
  it('keeps credentials out of the logs while logging the session', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const server = await startLocalServer({ LOG_LEVEL: 'debug' }, { logStream: sink });
    const secrets: string[] = [server.adminKey, server.config.tokenSecret];
    try {
      const token = await server.mintToken('demo-music-g4', { role: 'teacher' });
      secrets.push(token);
      const socket = await connect(server.url, { token });
      const caps = await socket.request('getRouterRtpCapabilities');
      await socket.request('join', { rtpCapabilities: caps.data.rtpCapabilities });
      await socket.request('nonsense', { token });
      socket.close();
      const forged = jwt.sign({ sub: 'x' }, 'forged-secret-forged-secret-forged-secret');
      secrets.push(forged);
      await connect(server.url, { token: forged }).catch(() => undefined);
      await server.api('GET', '/api/lessons', undefined, { 'x-api-key': forged });
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await server.stop();
    }
    const parsed = lines.map((line) => JSON.parse(line) as { msg?: string; participantId?: string });
    expect(parsed.some((entry) => entry.msg === 'participant joined')).toBe(true);
    expect(parsed.some((entry) => entry.participantId === 'teacher')).toBe(true);
    const text = lines.join('\n');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
