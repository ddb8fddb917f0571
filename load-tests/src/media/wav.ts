import fs from 'node:fs/promises';

/*
 * 16-bit PCM WAV, the plain RIFF layout (44-byte header) that Chromium's
 * --use-file-for-fake-audio-capture and every other reader accept.
 */

export const WAV_HEADER_BYTES = 44;

/** The RIFF/WAVE header for `dataBytes` of interleaved 16-bit PCM. */
export function wavHeader(dataBytes: number, sampleRate: number, channels: number): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  const blockAlign = channels * 2;
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28); // byte rate
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/**
 * A whole WAV file from mono samples in [-1, 1] (clipped), copied to every channel.
 */
export function encodeWav(samples: Float32Array, sampleRate: number, channels = 1): Buffer {
  const data = Buffer.alloc(samples.length * channels * 2);
  for (let i = 0; i < samples.length; i++) {
    const value = Math.round(Math.max(-1, Math.min(1, samples[i]!)) * 32767);
    for (let c = 0; c < channels; c++) data.writeInt16LE(value, (i * channels + c) * 2);
  }
  return Buffer.concat([wavHeader(data.length, sampleRate, channels), data]);
}

export async function writeWav(path: string, samples: Float32Array, sampleRate: number, channels = 1): Promise<void> {
  await fs.writeFile(path, encodeWav(samples, sampleRate, channels));
}

/** Reads back what encodeWav writes (44-byte header, 16-bit PCM): the first channel, in [-1, 1]. */
export function decodeWav(file: Buffer): { sampleRate: number; channels: number; samples: Float32Array } {
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE' || file.readUInt16LE(34) !== 16) {
    throw new Error('not a 16-bit PCM WAV');
  }
  const channels = file.readUInt16LE(22);
  const sampleRate = file.readUInt32LE(24);
  const dataBytes = file.readUInt32LE(40);
  const samples = new Float32Array(dataBytes / 2 / channels);
  for (let i = 0; i < samples.length; i++) samples[i] = file.readInt16LE(WAV_HEADER_BYTES + i * channels * 2) / 32768;
  return { sampleRate, channels, samples };
}
