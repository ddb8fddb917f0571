import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const FFMPEG = process.env['FFMPEG_PATH'] ?? '/usr/bin/ffmpeg';
export const FFPROBE = process.env['FFPROBE_PATH'] ?? '/usr/bin/ffprobe';

/** One RTP packet as a sender would build it (version 2, no CSRCs unless given). */
export function rtpPacket(fields: { payloadType?: number; sequenceNumber: number; timestamp: number; ssrc?: number; marker?: boolean; payload: Buffer; csrcs?: number; extensionWords?: number; padding?: number }): Buffer {
  const csrcs = fields.csrcs ?? 0;
  const extension = fields.extensionWords === undefined ? null : Buffer.alloc(4 + fields.extensionWords * 4);
  if (extension) extension.writeUInt16BE(0xbede, 0), extension.writeUInt16BE(fields.extensionWords!, 2);
  const head = Buffer.alloc(12 + csrcs * 4);
  head[0] = 0x80 | (extension ? 0x10 : 0) | (fields.padding ? 0x20 : 0) | csrcs;
  head[1] = (fields.marker ? 0x80 : 0) | (fields.payloadType ?? 96);
  head.writeUInt16BE(fields.sequenceNumber & 0xffff, 2);
  head.writeUInt32BE(fields.timestamp >>> 0, 4);
  head.writeUInt32BE(fields.ssrc ?? 1234, 8);
  const padding = fields.padding ? Buffer.alloc(fields.padding, 0) : Buffer.alloc(0);
  if (fields.padding) padding[padding.length - 1] = fields.padding;
  return Buffer.concat([head, ...(extension ? [extension] : []), fields.payload, padding]);
}

/** VP8 frames (with 90 kHz RTP timestamps) made by ffmpeg's libvpx, read from an IVF file. */
export function vp8Frames(dir: string, seconds: number, fps = 15): Array<{ data: Buffer; timestamp: number; keyFrame: boolean }> {
  const file = path.join(dir, 'frames.ivf');
  execFileSync(FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=${fps}`, '-t', String(seconds), '-c:v', 'libvpx', '-deadline', 'realtime', '-g', String(fps * 2), '-f', 'ivf', file]);
  const ivf = fs.readFileSync(file);
  const frames: Array<{ data: Buffer; timestamp: number; keyFrame: boolean }> = [];
  for (let offset = ivf.readUInt16LE(6); offset + 12 <= ivf.length; ) {
    const size = ivf.readUInt32LE(offset);
    const pts = Number(ivf.readBigUInt64LE(offset + 4));
    const data = ivf.subarray(offset + 12, offset + 12 + size);
    frames.push({ data, timestamp: Math.round((pts * 90000) / fps), keyFrame: (data[0]! & 1) === 0 });
    offset += 12 + size;
  }
  return frames;
}

/** Splits a VP8 frame into RTP payloads (RFC 7741) with a 15-bit picture id. */
export function vp8Payloads(frame: Buffer, pictureId: number, maxPayload = 1000): Buffer[] {
  const payloads: Buffer[] = [];
  for (let offset = 0; offset < frame.length; offset += maxPayload) {
    const descriptor = Buffer.from([(offset === 0 ? 0x10 : 0) | 0x80, 0x80, 0x80 | ((pictureId >> 8) & 0x7f), pictureId & 0xff]);
    payloads.push(Buffer.concat([descriptor, frame.subarray(offset, offset + maxPayload)]));
  }
  return payloads;
}

/** A frame's RTP packets, numbered from `firstSequence`. */
export function packetsOf(payloads: Buffer[], firstSequence: number, timestamp: number): Buffer[] {
  return payloads.map((payload, index) => rtpPacket({ sequenceNumber: firstSequence + index, timestamp, marker: index === payloads.length - 1, payload }));
}

/** What ffprobe says about a file's one stream and how much of it decodes. */
export function probe(file: string): { startS: number; durationS: number; packets: number; decodeErrors: string } {
  const out = JSON.parse(execFileSync(FFPROBE, ['-v', 'error', '-show_entries', 'packet=pts_time', '-of', 'json', file]).toString());
  const times = (out.packets as Array<{ pts_time: string }>).map((packet) => Number(packet.pts_time));
  let decodeErrors = '';
  try {
    execFileSync(FFMPEG, ['-v', 'error', '-i', file, '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    decodeErrors = String((error as { stderr?: Buffer }).stderr ?? error);
  }
  return { startS: Math.min(...times), durationS: Math.max(...times) - Math.min(...times), packets: times.length, decodeErrors };
}
