import fs from 'node:fs/promises';

/*
 * A YUV4MPEG2 writer, in the subset Chromium's --use-file-for-fake-video-capture reads:
 * 4:2:0 only, a header under 200 bytes ending in a newline, an integer frame rate
 * (Chromium divides the F tag's numerator by its denominator in integers), and every
 * frame introduced by a bare "FRAME\n" (Chromium skips exactly 6 bytes, so no frame tags).
 */

/** One 4:2:0 picture: full-size luma plane, quarter-size chroma planes. */
export interface I420Frame {
  width: number;
  height: number;
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
}

/** A colour as 8-bit Y'CbCr (limited range: black 16, white 235, neutral chroma 128). */
export interface Yuv {
  y: number;
  u: number;
  v: number;
}

export const Y4M_FRAME_MARKER = 'FRAME\n';

/** The stream header, e.g. `YUV4MPEG2 W640 H360 F15:1 Ip A1:1 C420jpeg\n`. */
export function y4mHeader(width: number, height: number, fps: number): string {
  if (width % 2 || height % 2) throw new Error(`4:2:0 needs even dimensions, got ${width}x${height}`);
  if (!Number.isInteger(fps) || fps <= 0) throw new Error(`Chromium reads an integer frame rate, got ${fps}`);
  return `YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`;
}

/** Bytes of one frame's pixels (without the FRAME marker). */
export function i420Size(width: number, height: number): number {
  return width * height + 2 * (width / 2) * (height / 2);
}

/** A frame whose three planes are views of one buffer, in file order (Y, then U, then V). */
export function createI420Frame(width: number, height: number): I420Frame & { bytes: Uint8Array } {
  const bytes = new Uint8Array(i420Size(width, height));
  const lumaSize = width * height;
  const chromaSize = lumaSize / 4;
  return {
    width,
    height,
    bytes,
    y: bytes.subarray(0, lumaSize),
    u: bytes.subarray(lumaSize, lumaSize + chromaSize),
    v: bytes.subarray(lumaSize + chromaSize),
  };
}

/** Paints a rectangle (clipped to the frame); chroma is painted at half resolution. */
export function fillRect(frame: I420Frame, x: number, y: number, w: number, h: number, color: Yuv): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(frame.width, Math.floor(x + w));
  const y1 = Math.min(frame.height, Math.floor(y + h));
  for (let row = y0; row < y1; row++) frame.y.fill(color.y, row * frame.width + x0, row * frame.width + x1);
  const cw = frame.width / 2;
  for (let row = y0 >> 1; row < (y1 + 1) >> 1; row++) {
    frame.u.fill(color.u, row * cw + (x0 >> 1), row * cw + ((x1 + 1) >> 1));
    frame.v.fill(color.v, row * cw + (x0 >> 1), row * cw + ((x1 + 1) >> 1));
  }
}

/** Paints the whole frame one colour. */
export function fillFrame(frame: I420Frame, color: Yuv): void {
  frame.y.fill(color.y);
  frame.u.fill(color.u);
  frame.v.fill(color.v);
}

/**
 * Writes `frameCount` frames to `path`; `paint(index, frame)` draws each one into a
 * reused buffer, so memory stays at one frame whatever the length.
 */
export async function writeY4m(
  path: string,
  options: { width: number; height: number; fps: number; frameCount: number },
  paint: (index: number, frame: I420Frame) => void,
): Promise<void> {
  const { width, height, fps, frameCount } = options;
  const file = await fs.open(path, 'w');
  try {
    await file.write(y4mHeader(width, height, fps));
    const marker = Buffer.from(Y4M_FRAME_MARKER, 'ascii');
    const frame = createI420Frame(width, height);
    for (let i = 0; i < frameCount; i++) {
      paint(i, frame);
      await file.write(marker);
      await file.write(frame.bytes);
    }
  } finally {
    await file.close();
  }
}
