import fsp from 'node:fs/promises';
import { Id, readId, readSize } from './ebml.js';

export interface WebmScan {
  /** Recording-timeline ms of the first and last complete block (null: none). */
  firstMs: number | null;
  lastMs: number | null;
  frames: number;
  keyFrames: number;
  /** The file ends inside an element (what SIGKILL leaves while a cluster was being written). */
  truncated: boolean;
  kind: 'audio' | 'video' | null;
  codec: 'opus' | 'vp8' | 'h264' | null;
  width?: number;
  height?: number;
}

const CODECS: Record<string, 'opus' | 'vp8' | 'h264'> = { A_OPUS: 'opus', V_VP8: 'vp8', 'V_MPEG4/ISO/AVC': 'h264' };

/**
 * Reads a capture file written by LiveWebmWriter and reports the complete
 * blocks it holds: how far a recording got before a crash. Tolerates any
 * truncation; never throws for the file's content (only for I/O).
 */
export async function scanWebm(path: string): Promise<WebmScan> {
  return scanWebmBuffer(await fsp.readFile(path));
}

export function scanWebmBuffer(buffer: Buffer): WebmScan {
  const scan: WebmScan = { firstMs: null, lastMs: null, frames: 0, keyFrames: 0, truncated: false, kind: null, codec: null };
  let offset = 0;
  // Top level: the EBML header, then the Segment (whose children we walk into).
  while (offset < buffer.length) {
    const id = readId(buffer, offset);
    const size = id ? readSize(buffer, offset + id.length) : null;
    if (!id || !size) {
      scan.truncated = true;
      return scan;
    }
    const body = offset + id.length + size.length;
    if (id.id === Id.Segment) {
      offset = body;
      continue;
    }
    const end = size.value === null ? buffer.length : body + size.value;
    if (end > buffer.length) scan.truncated = true;
    if (id.id === Id.Tracks) readTracks(buffer.subarray(body, Math.min(end, buffer.length)), scan);
    if (id.id === Id.Cluster) readCluster(buffer.subarray(body, Math.min(end, buffer.length)), scan);
    if (end > buffer.length) return scan;
    offset = end;
  }
  return scan;
}

function readTracks(tracks: Buffer, scan: WebmScan): void {
  walk(tracks, (id, body) => {
    if (id !== Id.TrackEntry) return;
    walk(body, (field, value) => {
      if (field === Id.CodecID) scan.codec = CODECS[value.toString('utf8')] ?? null;
      if (field === Id.TrackType) scan.kind = readUint(value) === 2 ? 'audio' : 'video';
      if (field === Id.Video) {
        walk(value, (dimension, number) => {
          if (dimension === Id.PixelWidth) scan.width = readUint(number);
          if (dimension === Id.PixelHeight) scan.height = readUint(number);
        });
      }
    });
  });
}

function readCluster(cluster: Buffer, scan: WebmScan): void {
  let clusterMs = 0;
  walk(cluster, (id, body) => {
    if (id === Id.Timestamp) clusterMs = readUint(body);
    if (id === Id.SimpleBlock && body.length >= 4) {
      const ms = clusterMs + body.readInt16BE(1);
      scan.firstMs = scan.firstMs === null ? ms : Math.min(scan.firstMs, ms);
      scan.lastMs = scan.lastMs === null ? ms : Math.max(scan.lastMs, ms);
      scan.frames++;
      if (body[3]! & 0x80) scan.keyFrames++;
    }
  });
}

/** Calls `visit` for every complete child element; stops at the first incomplete one. */
function walk(buffer: Buffer, visit: (id: number, body: Buffer) => void): void {
  let offset = 0;
  while (offset < buffer.length) {
    const id = readId(buffer, offset);
    const size = id ? readSize(buffer, offset + id.length) : null;
    if (!id || !size || size.value === null) return;
    const body = offset + id.length + size.length;
    if (body + size.value > buffer.length) return;
    visit(id.id, buffer.subarray(body, body + size.value));
    offset = body + size.value;
  }
}

function readUint(bytes: Buffer): number {
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  return value;
}
