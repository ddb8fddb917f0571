import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runFfmpeg } from '../ffmpeg/runFfmpeg.js';

export interface BuildMp4Options {
  ffmpeg: string;
  /** The composed MPEG-TS segments, in timeline order. */
  segmentPaths: readonly string[];
  output: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ThumbnailOptions {
  ffmpeg: string;
  /** A seekable video (the MP4: single-GOP TS segments cannot be seeked into). */
  input: string;
  atSeconds: number;
  output: string;
  signal?: AbortSignal;
}

export const THUMBNAIL_SIZE = { width: 320, height: 180 } as const;

/**
 * Joins the segments into one MP4 without re-encoding (a remux: seconds for a
 * lesson), moov atom first so it plays while downloading.
 */
export async function buildMp4(options: BuildMp4Options): Promise<{ bytes: number; elapsedMs: number }> {
  if (options.segmentPaths.length === 0) throw new Error('no segments to join');
  const temporary = temporaryName(options.output);
  const listFile = `${temporary}.ffconcat`;
  try {
    await writeFile(listFile, await concatList(options.segmentPaths));
    const { elapsedMs } = await runFfmpeg(
      options.ffmpeg,
      [
        ...['-loglevel', 'warning', '-y', '-f', 'concat', '-safe', '0', '-i', listFile],
        ...['-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy', '-bsf:a', 'aac_adtstoasc'],
        ...['-movflags', '+faststart', '-f', 'mp4', temporary],
      ],
      options,
    );
    const { size } = await stat(temporary);
    await rename(temporary, options.output);
    return { bytes: size, elapsedMs };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    await rm(listFile, { force: true });
  }
}

/**
 * The concat demuxer's list. It lines files up by duration, and a segment's
 * probed duration runs to its last AAC frame (up to 21 ms past its end), so
 * each file gets the exact distance to the next one's first video frame.
 */
async function concatList(segmentPaths: readonly string[]): Promise<string> {
  const starts = await Promise.all(segmentPaths.map((file) => readFirstVideoPts(file)));
  const lines = ['ffconcat version 1.0'];
  segmentPaths.forEach((file, i) => {
    lines.push(`file '${path.resolve(file).replaceAll("'", "'\\''")}'`);
    const start = starts[i];
    const next = starts[i + 1];
    if (start !== null && start !== undefined && next !== null && next !== undefined) {
      lines.push(`duration ${(((next - start + PTS_WRAP) % PTS_WRAP) / 90_000).toFixed(6)}`);
    }
  });
  return `${lines.join('\n')}\n`;
}

const TS_PACKET = 188;
const PTS_WRAP = 2 ** 33;

async function readFirstVideoPts(file: string): Promise<number | null> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(256 * TS_PACKET);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return firstVideoPts(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** The PTS (90 kHz) of the first video PES packet in an MPEG-TS buffer, or null. */
export function firstVideoPts(ts: Uint8Array): number | null {
  for (let offset = 0; offset + TS_PACKET <= ts.length; offset += TS_PACKET) {
    if (ts[offset] !== 0x47) return null;
    const payloadStart = (ts[offset + 1]! & 0x40) !== 0;
    const adaptation = (ts[offset + 3]! >> 4) & 0x3;
    if (!payloadStart || (adaptation & 0x1) === 0) continue;
    const p = offset + 4 + (adaptation & 0x2 ? 1 + ts[offset + 4]! : 0);
    const isVideoPes = ts[p] === 0 && ts[p + 1] === 0 && ts[p + 2] === 1 && (ts[p + 3]! & 0xf0) === 0xe0;
    if (!isVideoPes || (ts[p + 7]! & 0x80) === 0 || p + 14 > offset + TS_PACKET) continue;
    const b = ts.subarray(p + 9, p + 14);
    // 33 bits, so arithmetic rather than 32-bit shifts for the top ones.
    return ((b[0]! >> 1) & 0x7) * 2 ** 30 + b[1]! * 2 ** 22 + (b[2]! >> 1) * 2 ** 15 + b[3]! * 2 ** 7 + (b[4]! >> 1);
  }
  return null;
}

/** A 320x180 JPEG of the frame at `atSeconds` (letterboxed when the aspect differs). */
export async function makeThumbnail(options: ThumbnailOptions): Promise<{ bytes: number }> {
  const { width, height } = THUMBNAIL_SIZE;
  const temporary = temporaryName(options.output);
  try {
    await runFfmpeg(
      options.ffmpeg,
      [
        ...['-loglevel', 'warning', '-y', '-ss', String(Math.max(0, options.atSeconds)), '-i', options.input, '-frames:v', '1'],
        ...['-vf', `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:-1:-1:color=0x1b1f24`],
        ...['-c:v', 'mjpeg', '-q:v', '4', '-f', 'image2', '-update', '1', temporary],
      ],
      options,
    );
    // ffmpeg succeeds without writing anything when there is no frame at that time.
    const size = await stat(temporary).then((s) => s.size, () => 0);
    if (size === 0) throw new Error(`no video frame at ${options.atSeconds} s in ${options.input}`);
    await rename(temporary, options.output);
    return { bytes: size };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Beside the output (same file system, so the rename is atomic). */
function temporaryName(output: string): string {
  return `${output}.${randomBytes(4).toString('hex')}.partial`;
}
