import http from 'node:http';
import { jest } from '@jest/globals';
import { startServerProcess } from '@classbridge/load-tests';
import type { ServerProcess } from '@classbridge/load-tests';

jest.setTimeout(60_000);

/** A raw HTTP GET (no client library in between): status, headers and body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/**
 * A production start (ADMIN_API_KEY and TOKEN_SECRET set, no DEMO) in its own process,
 * hit with plain HTTP requests an attacker on the school network could send.
 */
describe('server process under unauthenticated HTTP', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({}, { gcPreload: false });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers a socket.io polling handshake once and keeps running', async () => {
    // Before the fix, express answered 404 and engine.io wrote its handshake on the same
    // response: ERR_HTTP_HEADERS_SENT, uncaught, and the process (every lesson) was gone.
    for (let i = 0; i < 5; i++) {
      const handshake = await get(`${server.url}/socket.io/?EIO=4&transport=polling`);
      expect(handshake.status).toBe(200);
      expect(handshake.body).toMatch(/^0\{"sid":/);
    }
    const odd = await Promise.all([
      get(`${server.url}/socket.io/?EIO=3&transport=polling`),
      get(`${server.url}/socket.io/?EIO=4&transport=websocket`),
      get(`${server.url}/socket.io/?EIO=4&transport=polling&sid=bogus`),
      get(`${server.url}/socket.io/`),
      get(`${server.url}/socket.io/../api/lessons`),
      get(`${server.url}/%E0%A4%A`),
      get(`${server.url}/api/lessons/%00`, { 'x-api-key': server.adminKey }),
    ]);
    for (const answer of odd) expect(answer.status).toBeGreaterThanOrEqual(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.alive()).toBe(true);
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
    expect(server.output()).not.toMatch(/ERR_HTTP_HEADERS_SENT|uncaught/);
    const metrics = (await get(`${server.url}/metrics`)).body;
    expect(metrics).toContain('# TYPE classbridge_uncaught_errors_total counter');
    expect(metrics).not.toMatch(/^classbridge_uncaught_errors_total\{[^}]*\} [1-9]/m);
  });
});
