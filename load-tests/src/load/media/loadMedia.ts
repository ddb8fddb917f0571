import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readIvf, readOggOpus } from './containers.js';
import type { IvfVideo } from './containers.js';

const run = promisify(execFile);

/** Pre-encoded media every bot of a run sends: encoded once, cached, read into memory once. */
export interface LoadMedia {
  /** Simulcast camera, smallest first (r0, r1, r2). */
  cameraLayers: [IvfVideo, IvfVideo, IvfVideo];
  /** A single-layer camera of about 1 Mbit/s (simulcast off). */
  camera: IvfVideo;
  /** Slides: large, low frame rate. */
  screen: IvfVideo;
  /** 20 ms Opus packets (speech-rate, mono, 32 kbit/s). */
  opus: Buffer[];
}

const LOOP_S = 10;
/** name → ffmpeg arguments (bumping VERSION re-encodes every cache). */
const VERSION = 1;
const vp8 = (size: string, fps: number, kbps: number, pattern: string) => [
  '-f', 'lavfi', '-i', `${pattern}=size=${size}:rate=${fps}:duration=${LOOP_S}`,
  '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', String(fps), '-auto-alt-ref', '0',
  '-b:v', `${kbps}k`, '-minrate', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`, '-pix_fmt', 'yuv420p',
];
const FILES: Record<string, string[]> = {
  'camera-r0.ivf': vp8('320x180', 30, 150, 'testsrc2'),
  'camera-r1.ivf': vp8('640x360', 30, 350, 'testsrc2'),
  'camera-r2.ivf': vp8('1280x720', 30, 700, 'testsrc2'),
  'camera.ivf': vp8('1280x720', 30, 1000, 'testsrc2'),
  'screen.ivf': vp8('1280x720', 5, 250, 'testsrc'),
  'speech.ogg': [
    '-f', 'lavfi', '-i', `sine=frequency=220:sample_rate=48000:duration=${LOOP_S}`,
    '-c:a', 'libopus', '-b:a', '32k', '-vbr', 'off', '-frame_duration', '20', '-application', 'voip', '-ac', '1',
  ],
};

const defaultCacheDir = fileURLToPath(new URL(`../../../.cache/load-media-v${VERSION}/`, import.meta.url));

/** Encodes what is missing from the cache (ffmpeg, a few seconds once), then reads it all. */
export async function loadMedia(options: { ffmpegPath: string; cacheDir?: string; progress?: (line: string) => void }): Promise<LoadMedia> {
  const dir = options.cacheDir ?? defaultCacheDir;
  await fs.mkdir(dir, { recursive: true });
  for (const [name, args] of Object.entries(FILES)) {
    const file = path.join(dir, name);
    if (await exists(file)) continue;
    options.progress?.(`encoding ${name} (once; cached in ${dir})`);
    const partial = `${file}.partial${path.extname(name)}`;
    await run(options.ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-y', ...args, partial], { timeout: 120_000 });
    await fs.rename(partial, file);
  }
  const ivf = (name: string) => readIvf(path.join(dir, name));
  return {
    cameraLayers: [await ivf('camera-r0.ivf'), await ivf('camera-r1.ivf'), await ivf('camera-r2.ivf')],
    camera: await ivf('camera.ivf'),
    screen: await ivf('screen.ivf'),
    opus: await readOggOpus(path.join(dir, 'speech.ogg')),
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
