import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveFfmpeg } from '../src/ffmpeg/resolveFfmpeg.js';

const notInstalled = () => Promise.reject(new Error("Cannot find package 'ffmpeg-static'"));

describe('resolveFfmpeg', () => {
  let dir: string;
  let empty: string;

  /** A stand-in binary printing `<name> version …`, as the real ones do for -version. */
  async function fakeBinary(folder: string, name: string, says = `${name} version 9.9-fake`): Promise<string> {
    const file = path.join(folder, name);
    await writeFile(file, `#!/bin/sh\necho "${says}"\n`);
    await chmod(file, 0o755);
    return file;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'classbridge-ffmpeg-'));
    empty = await mkdtemp(path.join(tmpdir(), 'classbridge-empty-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(empty, { recursive: true, force: true });
  });

  it('uses FFMPEG_PATH, with the ffprobe beside it', async () => {
    await expect(resolveFfmpeg({ FFMPEG_PATH: '/usr/bin/ffmpeg', PATH: empty })).resolves.toEqual({
      ffmpeg: '/usr/bin/ffmpeg',
      ffprobe: '/usr/bin/ffprobe',
      source: 'FFMPEG_PATH',
    });
  });

  it('uses FFPROBE_PATH when set', async () => {
    const ffprobe = await fakeBinary(dir, 'ffprobe');
    await expect(resolveFfmpeg({ FFMPEG_PATH: '/usr/bin/ffmpeg', FFPROBE_PATH: ffprobe })).resolves.toMatchObject({ ffprobe });
  });

  it('names FFMPEG_PATH when it points at nothing, rather than quietly using another ffmpeg', async () => {
    await expect(resolveFfmpeg({ FFMPEG_PATH: path.join(dir, 'missing', 'ffmpeg'), PATH: '/usr/bin' })).rejects.toThrow(/FFMPEG_PATH=.*missing/);
  });

  it('names FFMPEG_PATH when it points at something that is not ffmpeg', async () => {
    const impostor = await fakeBinary(dir, 'not-ffmpeg', 'hello');
    await expect(resolveFfmpeg({ FFMPEG_PATH: impostor })).rejects.toThrow(/FFMPEG_PATH/);
  });

  it('names FFPROBE_PATH when it does not work', async () => {
    await expect(resolveFfmpeg({ FFMPEG_PATH: '/usr/bin/ffmpeg', FFPROBE_PATH: path.join(dir, 'nope') })).rejects.toThrow(/FFPROBE_PATH/);
  });

  it("finds the system ffmpeg on PATH (Debian's /usr/bin/ffmpeg)", async () => {
    await expect(resolveFfmpeg({ PATH: `${empty}:/usr/bin` })).resolves.toEqual({ ffmpeg: '/usr/bin/ffmpeg', ffprobe: '/usr/bin/ffprobe', source: 'system' });
  });

  it('takes the first working ffmpeg on PATH, and the ffprobe beside it', async () => {
    const bin = await mkdtemp(path.join(dir, 'bin-'));
    const ffmpeg = await fakeBinary(bin, 'ffmpeg');
    const ffprobe = await fakeBinary(bin, 'ffprobe');
    await expect(resolveFfmpeg({ PATH: `${bin}:/usr/bin` })).resolves.toEqual({ ffmpeg, ffprobe, source: 'system' });
  });

  it('falls back to the ffmpeg-static package when it is installed', async () => {
    const importFfmpegStatic = () => Promise.resolve({ default: '/usr/bin/ffmpeg' });
    await expect(resolveFfmpeg({ PATH: empty }, { importFfmpegStatic })).resolves.toEqual({
      ffmpeg: '/usr/bin/ffmpeg',
      ffprobe: '/usr/bin/ffprobe',
      source: 'ffmpeg-static',
    });
  });

  it('says to set FFMPEG_PATH when there is no ffmpeg at all', async () => {
    await expect(resolveFfmpeg({ PATH: empty }, { importFfmpegStatic: notInstalled })).rejects.toThrow(/set FFMPEG_PATH/);
    // ffmpeg-static exports null on platforms it has no binary for.
    await expect(resolveFfmpeg({ PATH: empty }, { importFfmpegStatic: () => Promise.resolve({ default: null }) })).rejects.toThrow(/set FFMPEG_PATH/);
  });

  it('skips an ffmpeg on PATH that does not run', async () => {
    const bin = await mkdtemp(path.join(dir, 'broken-'));
    await fakeBinary(bin, 'ffmpeg', 'segfault');
    await expect(resolveFfmpeg({ PATH: bin }, { importFfmpegStatic: notInstalled })).rejects.toThrow(/did not run/);
    await expect(resolveFfmpeg({ PATH: `${bin}:/usr/bin` }, { importFfmpegStatic: notInstalled })).resolves.toMatchObject({ ffmpeg: '/usr/bin/ffmpeg', source: 'system' });
  });
});
