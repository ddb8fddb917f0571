import { execFile } from 'node:child_process';
import { stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CaptureFile } from '../../src/compose/filterGraph.js';

/*
 * Capture-like WebM files made by ffmpeg itself (one track, absolute
 * timestamps on the recording timeline), and measurements of composed output.
 */

export const FFMPEG = '/usr/bin/ffmpeg';
export const FFPROBE = '/usr/bin/ffprobe';

export function run(binary: string, args: readonly string[]): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(binary)} ${args.join(' ')}\n${stderr.toString()}`, { cause: error }));
      else resolve({ stdout, stderr: stderr.toString() });
    });
  });
}

/**
 * A VP8 capture file of a lavfi source (e.g. `color=c=red:size=640x360:rate=10`)
 * whose packets are stamped startMs… on the recording timeline.
 */
export async function makeVideoCapture(dir: string, name: string, source: string, startMs: number, durationMs: number): Promise<CaptureFile> {
  const file = path.join(dir, name);
  await run(FFMPEG, [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-t', String(durationMs / 1000)],
    ...['-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '300k', '-g', '150'],
    ...['-output_ts_offset', String(startMs / 1000), '-f', 'webm', file],
  ]);
  return { path: file, startMs, endMs: startMs + durationMs };
}

/**
 * A VP8 capture file whose picture size changes mid-file, as when the SFU
 * switches simulcast layers: each source in turn for `partMs`, from startMs.
 */
export async function makeSwitchingVideoCapture(dir: string, name: string, sources: readonly string[], startMs: number, partMs: number): Promise<CaptureFile> {
  const parts = await Promise.all(sources.map((source, i) => makeVideoCapture(dir, `${name}.part${i}.webm`, source, 0, partMs)));
  const list = path.join(dir, `${name}.ffconcat`);
  await writeFile(list, `ffconcat version 1.0\n${parts.map((part) => `file '${part.path}'`).join('\n')}\n`);
  const file = path.join(dir, name);
  await run(FFMPEG, ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', '-output_ts_offset', String(startMs / 1000), '-f', 'webm', file]);
  return { path: file, startMs, endMs: startMs + sources.length * partMs };
}

/**
 * An Opus (48 kHz stereo) capture file of a sine tone at startMs…, with the
 * given absolute ranges left out as timestamp jumps, like Opus DTX.
 */
export async function makeAudioCapture(
  dir: string,
  name: string,
  frequency: number,
  startMs: number,
  durationMs: number,
  gaps: ReadonlyArray<{ startMs: number; endMs: number }> = [],
): Promise<CaptureFile> {
  const file = path.join(dir, name);
  const drop = gaps.map((gap) => `between(t,${(gap.startMs - startMs) / 1000},${(gap.endMs - startMs) / 1000 - 0.001})`).join('+');
  await run(FFMPEG, [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=f=${frequency}:sample_rate=48000:d=${durationMs / 1000}`],
    ...['-af', `aformat=channel_layouts=stereo${drop ? `,aselect='not(${drop})'` : ''}`],
    // ffmpeg stamps its first Opus packet (the pre-skip) off the 20 ms grid; in
    // captures made from RTP every packet is on it.
    ...['-c:a', 'libopus', '-b:a', '64k', '-bsf:a', "noise=drop='eq(n\\,0)'"],
    ...['-output_ts_offset', String(startMs / 1000), '-f', 'webm', file],
  ]);
  return { path: file, startMs, endMs: startMs + durationMs };
}

/** Cuts the last bytes off, as a crash mid-cluster would. */
export async function truncateTail(file: string, bytes: number): Promise<void> {
  const { size } = await stat(file);
  await truncate(file, size - bytes);
}

/** Presentation timestamps (s) of one stream's packets, in file order. */
export async function packetTimes(file: string, stream: 'v' | 'a'): Promise<number[]> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-select_streams', `${stream}:0`, '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file]);
  return stdout
    .toString()
    .split('\n')
    .map((line) => line.replace(/,+$/, '').trim())
    .filter((line) => line !== '')
    .map(Number);
}

export async function probe(file: string): Promise<{ format: { duration: string; start_time: string }; streams: Array<Record<string, string | number>> }> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file]);
  return JSON.parse(stdout.toString());
}

/** What a full decode complains about (empty when the file is clean). */
export async function decodeErrors(file: string): Promise<string> {
  const { stderr } = await run(FFMPEG, ['-v', 'error', '-i', file, '-f', 'null', '-']);
  return stderr.trim();
}

/** Average RGB of a region of the frame shown at `atSeconds`. */
export async function averageColour(file: string, atSeconds: number, region: { x: number; y: number; width: number; height: number }): Promise<[number, number, number]> {
  const { stdout } = await run(FFMPEG, [
    ...['-v', 'error', '-ss', String(atSeconds), '-i', file, '-frames:v', '1'],
    ...['-vf', `crop=${region.width}:${region.height}:${region.x}:${region.y},scale=1:1:flags=area`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
  ]);
  if (stdout.length < 3) throw new Error(`no frame at ${atSeconds} s in ${file}`);
  return [stdout[0]!, stdout[1]!, stdout[2]!];
}

/** The audio as mono samples in [-1, 1). */
export async function decodeMono(file: string, sampleRate: number): Promise<Float32Array> {
  const { stdout } = await run(FFMPEG, ['-v', 'error', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', String(sampleRate), '-f', 's16le', '-']);
  const pcm = new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.length / 2));
  return Float32Array.from(pcm, (sample) => sample / 32768);
}

/** Amplitude of one frequency in samples[from, to) (Goertzel): a full-scale sine gives 1. */
export function toneAmplitude(samples: Float32Array, sampleRate: number, frequency: number, from: number, to: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s0 = samples[i]! + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / (to - from);
}

/**
 * RMS of what is left of samples[from, to) after fitting a sum of sines of the
 * given frequencies (least squares): near zero where the tones run on
 * unbroken, large at a click or a jump in phase.
 */
export function sineFitResidual(samples: Float32Array, sampleRate: number, frequencies: readonly number[], from: number, to: number): number {
  const basis = (i: number) => frequencies.flatMap((f) => [Math.sin((2 * Math.PI * f * i) / sampleRate), Math.cos((2 * Math.PI * f * i) / sampleRate)]);
  const n = 2 * frequencies.length;
  // Normal equations [AᵀA | Aᵀy], solved by Gauss-Jordan elimination.
  const m = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  for (let i = from; i < to; i++) {
    const row = basis(i);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) m[r][c] += row[r]! * row[c]!;
      m[r][n] += row[r]! * samples[i]!;
    }
  }
  for (let col = 0; col < n; col++) {
    const pivot = m[col][col];
    for (let c = col; c <= n; c++) m[col][c] /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = m[r][col];
      for (let c = col; c <= n; c++) m[r][c] -= factor * m[col][c];
    }
  }
  const coefficients = m.map((row) => row[n]!);
  let sum = 0;
  for (let i = from; i < to; i++) {
    const fitted = basis(i).reduce((acc, value, k) => acc + value * coefficients[k]!, 0);
    sum += (samples[i]! - fitted) ** 2;
  }
  return Math.sqrt(sum / (to - from));
}
