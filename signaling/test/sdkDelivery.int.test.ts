import http from 'node:http';
import { startLocalServer } from '@classbridge/load-tests';
import type { LocalServer } from '@classbridge/load-tests';

/** The SDK bundle as a rural classroom PC downloads it, from a production start (no demo). */
describe('SDK delivery', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer({ DEMO: '0' });
  });
  afterAll(async () => {
    await server.stop();
  });

  const get = (route: string, headers: Record<string, string> = {}) => fetch(`${server.url}${route}`, { headers });

  it('is compressed with brotli or gzip, whichever the browser takes', async () => {
    const plain = await get('/sdk/classbridge-sdk.js', { 'accept-encoding': 'identity' });
    const size = (await plain.arrayBuffer()).byteLength;
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-encoding')).toBeNull();
    // fetch decodes what it asked for, so read the raw length from the manifest and the header instead.
    const manifest = await (await get('/sdk/manifest.json')).json();
    expect(manifest.bytes).toBe(size);
    expect(manifest.brotliBytes).toBeLessThan(size / 4);
    expect(manifest.gzipBytes).toBeLessThan(size / 4);
    const br = await get('/sdk/classbridge-sdk.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toMatch(/Accept-Encoding/i);
    expect((await br.arrayBuffer()).byteLength).toBe(size); // decoded by fetch: the same file
    const gzip = await get('/sdk/classbridge-sdk.js', { 'accept-encoding': 'gzip' });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
  });

  it('has a content-hashed URL cached for a year, and the plain URL revalidates cheaply', async () => {
    const manifest = await (await get('/sdk/manifest.json')).json();
    expect(manifest.url).toMatch(/^\/sdk\/v\/[0-9a-f]{12}\/classbridge-sdk\.js$/);
    expect(manifest.integrity).toMatch(/^sha384-/);
    const versioned = await get(manifest.url);
    expect(versioned.status).toBe(200);
    expect(versioned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await get('/sdk/v/000000000000/classbridge-sdk.js')).status).toBe(404);
    const plain = await get('/sdk/classbridge-sdk.js');
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    const etag = plain.headers.get('etag')!;
    // Plain node:http: fetch marks conditional requests it did not make itself as no-cache.
    const status = await new Promise<number | undefined>((resolve, reject) =>
      http.get(`${server.url}/sdk/classbridge-sdk.js`, { headers: { 'if-none-match': etag } }, (res) => (res.resume(), resolve(res.statusCode))).on('error', reject),
    );
    expect(status).toBe(304);
  });

  it('serves the source map only to whoever asks for it', async () => {
    const bundle = await (await get('/sdk/classbridge-sdk.js')).text();
    expect(bundle).not.toContain('sourceMappingURL');
    const map = await get('/sdk/classbridge-sdk.js.map');
    expect(map.status).toBe(200);
    expect((await map.json()).version).toBe(3);
  });
});
