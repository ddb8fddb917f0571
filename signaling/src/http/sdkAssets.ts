import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import express from 'express';
import type { Request, Response, Router } from 'express';
import type { Logger } from 'pino';

/** One file and its compressed forms, each made once, when first asked for. */
interface Encoded {
  identity: Buffer;
  compressed: Partial<Record<'gzip' | 'br', Buffer>>;
  etag: string;
  type: string;
}

export interface SdkManifest {
  /** Content hash of the bundle: part of the versioned URL. */
  hash: string;
  /** Cache-forever URL of this exact bundle. */
  url: string;
  /** Subresource integrity for <script type="module" integrity=…>. */
  integrity: string;
  bytes: number;
  gzipBytes: number;
  brotliBytes: number;
}

const BUNDLE = 'classbridge-sdk.js';
const MAP = `${BUNDLE}.map`;
const YEAR_SECONDS = 365 * 24 * 3600;

/**
 * Serves the browser SDK for rural links: brotli or gzip (compressed once, at
 * start-up), a content-hashed URL cached for a year (`/sdk/v/<hash>/classbridge-sdk.js`,
 * announced in `/sdk/manifest.json`), the plain URL revalidated by ETag, and the
 * source map only to whoever asks for it.
 */
export function sdkAssets(bundleDir: string, logger: Logger): Router {
  const router = express.Router();
  const bundle = load(path.join(bundleDir, BUNDLE), 'text/javascript; charset=utf-8');
  if (!bundle) {
    logger.warn({ bundleDir }, 'SDK bundle not built: /sdk answers 404 (run npm run build)');
    return router;
  }
  const map = load(path.join(bundleDir, MAP), 'application/json; charset=utf-8');
  const hash = bundle.etag.slice(1, 13);
  // Built on first request: brotli costs ~0.15 s, which a start-up should not pay.
  let manifest: SdkManifest | undefined;
  router.get('/manifest.json', (_req, res) => {
    manifest ??= {
      hash,
      url: `/sdk/v/${hash}/${BUNDLE}`,
      integrity: `sha384-${createHash('sha384').update(bundle.identity).digest('base64')}`,
      bytes: bundle.identity.length,
      gzipBytes: compressed(bundle, 'gzip').length,
      brotliBytes: compressed(bundle, 'br').length,
    };
    res.set('Cache-Control', 'no-cache').json(manifest);
  });
  router.get(`/${BUNDLE}`, (req, res) => send(req, res, bundle, 'no-cache'));
  router.get(`/${MAP}`, (req, res) => (map ? send(req, res, map, 'no-cache') : res.sendStatus(404)));
  router.get(`/v/:hash/:file`, (req, res) => {
    const file = req.params['file'] === BUNDLE ? bundle : req.params['file'] === MAP ? map : undefined;
    // Only the current hash: an old URL must not be cached forever with new content.
    if (req.params['hash'] !== hash || !file) {
      res.status(404).json({ error: { code: 'NOT_FOUND', message: `this server has SDK ${hash}; see /sdk/manifest.json` } });
      return;
    }
    send(req, res, file, `public, max-age=${YEAR_SECONDS}, immutable`);
  });
  return router;
}

function load(file: string, type: string): Encoded | undefined {
  let identity: Buffer;
  try {
    identity = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  return {
    identity,
    compressed: {},
    etag: `"${createHash('sha256').update(identity).digest('hex').slice(0, 32)}"`,
    type,
  };
}

function send(req: Request, res: Response, file: Encoded, cacheControl: string): void {
  res.set({ 'Cache-Control': cacheControl, ETag: file.etag, 'Content-Type': file.type });
  res.vary('Accept-Encoding');
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  // Our preference, not the order the browser lists them in: brotli is the smaller.
  const encoding = req.acceptsEncodings('br') ? 'br' : req.acceptsEncodings('gzip') ? 'gzip' : 'identity';
  if (encoding === 'br' || encoding === 'gzip') {
    res.set('Content-Encoding', encoding);
    res.send(compressed(file, encoding));
    return;
  }
  res.send(file.identity);
}

/** Brotli at quality 10: ~15% smaller than gzip for the bundle, ~0.15 s once per process. */
function compressed(file: Encoded, encoding: 'gzip' | 'br'): Buffer {
  file.compressed[encoding] ??=
    encoding === 'gzip'
      ? zlib.gzipSync(file.identity, { level: 9 })
      : zlib.brotliCompressSync(file.identity, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 10, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: file.identity.length } });
  return file.compressed[encoding];
}
