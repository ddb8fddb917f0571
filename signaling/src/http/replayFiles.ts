import type { Request, Response } from 'express';
import type { ReplayFile } from '@classbridge/recorder';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.mp4': 'video/mp4',
  '.jpg': 'image/jpeg',
  '.vtt': 'text/vtt; charset=utf-8',
};

/**
 * Sends a replay file: its type, one byte range when asked (browsers seek MP4
 * and HLS that way), private caching only (these are recordings of children).
 */
export function sendReplayFile(req: Request, res: Response, name: string, file: ReplayFile, { download }: { download: boolean }): void {
  const extension = name.slice(name.lastIndexOf('.'));
  res.set('Content-Type', CONTENT_TYPES[extension] ?? 'application/octet-stream');
  res.set('Accept-Ranges', 'bytes');
  // Playlists change while a lesson records; segments and the MP4 never change once written.
  res.set('Cache-Control', extension === '.m3u8' ? 'private, no-cache' : 'private, max-age=3600');
  res.set('Last-Modified', file.modifiedAt.toUTCString());
  if (download) res.set('Content-Disposition', `attachment; filename="${name}"`);
  const range = parseRange(req.get('range'), file.bytes);
  if (range === 'unsatisfiable') {
    res.status(416).set('Content-Range', `bytes */${file.bytes}`).end();
    return;
  }
  if (range) {
    res.status(206).set('Content-Range', `bytes ${range.start}-${range.end}/${file.bytes}`).set('Content-Length', String(range.end - range.start + 1));
  } else {
    res.set('Content-Length', String(file.bytes));
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = file.open(range ?? undefined);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; several ranges are answered whole (allowed by RFC 9110). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, from, to] = match;
  if (from === '' && to === '') return null;
  let start: number;
  let end: number;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/** A recording's file, or NOT_FOUND (the same answer for a missing recording, a missing file and a forbidden name). */
export async function mustFindFile(find: () => Promise<ReplayFile | null>): Promise<ReplayFile> {
  const file = await find();
  if (!file) throw new ClassBridgeError(ErrorCode.NotFound, 'no such recording file');
  return file;
}
