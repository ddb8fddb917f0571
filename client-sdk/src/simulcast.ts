import type { types } from 'mediasoup-client';

/*
 * Simulcast layers chosen from the size the camera actually captures.
 *
 * Chromium sends at most as many simulcast streams as the frame size allows
 * (1 below 480×270, 2 below 960×540, 3 from there) and drops the *top* ones
 * beyond that: three fixed layers on a 640×360 webcam sent only 90p and 180p,
 * so every receiver saw a thumbnail. Asking for exactly as many layers as the
 * browser will send keeps the full-size layer alive.
 */

export interface CaptureSize {
  width: number;
  height: number;
}

/** Below this many pixels Chromium sends one stream, below the next two, else three. */
const TWO_LAYERS_FROM = 480 * 270;
const THREE_LAYERS_FROM = 960 * 540;

/** Upper bitrates per layer size: enough for a clear classroom picture, modest for rural uplinks. */
const BITRATE_BY_PIXELS: Array<[maxPixels: number, bitsPerSecond: number]> = [
  [320 * 180, 150_000],
  [480 * 270, 300_000],
  [640 * 360, 500_000],
  [640 * 480, 700_000],
  [960 * 540, 900_000],
  [1280 * 720, 1_200_000],
  [Infinity, 2_500_000],
];

/** How many simulcast layers a capture of this size can carry. */
export function layerCount({ width, height }: CaptureSize): 1 | 2 | 3 {
  const pixels = width * height;
  if (pixels >= THREE_LAYERS_FROM) return 3;
  if (pixels >= TWO_LAYERS_FROM) return 2;
  return 1;
}

export function bitrateFor(pixels: number): number {
  for (const [maxPixels, bitrate] of BITRATE_BY_PIXELS) if (pixels <= maxPixels) return bitrate;
  return BITRATE_BY_PIXELS[BITRATE_BY_PIXELS.length - 1]![1];
}

/** Encodings for a camera capture: smallest layer first, the full-size layer last. */
export function cameraEncodings(size: CaptureSize): types.RtpEncodingParameters[] {
  const count = layerCount(size);
  return Array.from({ length: count }, (_, index) => {
    const scaleResolutionDownBy = 2 ** (count - 1 - index);
    const pixels = (size.width / scaleResolutionDownBy) * (size.height / scaleResolutionDownBy);
    return { rid: `r${index}`, scaleResolutionDownBy, maxBitrate: bitrateFor(pixels), scalabilityMode: 'L1T3' };
  });
}

/** The capture size a track reports; cameras that report nothing are treated as 720p. */
export function captureSize(track: MediaStreamTrack): CaptureSize {
  const { width, height } = track.getSettings();
  return width && height ? { width, height } : { width: 1280, height: 720 };
}
