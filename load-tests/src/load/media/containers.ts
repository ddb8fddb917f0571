import fs from 'node:fs/promises';

/** VP8 frames of an IVF file, in order, with which are key frames. */
export interface IvfVideo {
  frames: Buffer[];
  keyframes: boolean[];
  fps: number;
  width: number;
  height: number;
}

/** Reads an IVF file (what `ffmpeg -c:v libvpx … out.ivf` writes). */
export async function readIvf(file: string): Promise<IvfVideo> {
  const buf = await fs.readFile(file);
  if (buf.length < 32 || buf.toString('ascii', 0, 4) !== 'DKIF') throw new Error(`${file}: not an IVF file`);
  const headerLength = buf.readUInt16LE(6);
  const width = buf.readUInt16LE(12);
  const height = buf.readUInt16LE(14);
  const rate = buf.readUInt32LE(16);
  const scale = buf.readUInt32LE(20);
  const frames: Buffer[] = [];
  const keyframes: boolean[] = [];
  for (let offset = headerLength; offset + 12 <= buf.length; ) {
    const size = buf.readUInt32LE(offset);
    const frame = buf.subarray(offset + 12, offset + 12 + size);
    if (frame.length !== size) throw new Error(`${file}: truncated frame at byte ${offset}`);
    frames.push(frame);
    keyframes.push((frame[0]! & 0x01) === 0); // VP8 frame tag: P bit 0 = key frame
    offset += 12 + size;
  }
  if (frames.length === 0) throw new Error(`${file}: no frames`);
  // ffmpeg writes the time base (1/fps or finer) here; frames are evenly spaced in what we encode.
  const fps = scale > 0 && rate / scale <= 120 ? rate / scale : 30;
  return { frames, keyframes, fps, width, height };
}

/** Opus packets of an Ogg file (what `ffmpeg -c:a libopus … out.ogg` writes), without its two header packets. */
export async function readOggOpus(file: string): Promise<Buffer[]> {
  const buf = await fs.readFile(file);
  const packets: Buffer[] = [];
  let pending: Buffer[] = [];
  for (let offset = 0; offset + 27 <= buf.length; ) {
    if (buf.toString('ascii', offset, offset + 4) !== 'OggS') throw new Error(`${file}: bad Ogg page at byte ${offset}`);
    const segments = buf[offset + 26]!;
    const table = buf.subarray(offset + 27, offset + 27 + segments);
    let position = offset + 27 + segments;
    for (const length of table) {
      pending.push(buf.subarray(position, position + length));
      position += length;
      if (length < 255) {
        packets.push(Buffer.concat(pending));
        pending = [];
      }
    }
    offset = position;
  }
  const isHeader = (packet: Buffer) => ['OpusHead', 'OpusTags'].includes(packet.toString('ascii', 0, 8));
  const audio = packets.filter((packet) => !isHeader(packet));
  if (audio.length === 0) throw new Error(`${file}: no Opus packets`);
  return audio;
}
