import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseRtpPacket } from '../src/rtp/RtpPacket.js';
import { Vp8Depacketizer } from '../src/rtp/Vp8Depacketizer.js';
import { LiveWebmWriter } from '../src/webm/LiveWebmWriter.js';
import { scanWebm } from '../src/webm/scanWebm.js';
import { packetsOf, probe, vp8Frames, vp8Payloads } from './support/rtpFixtures.js';

/**
 * Capture files as ffmpeg (the composer) will read them: real VP8 from libvpx,
 * packetized to RTP, reassembled, written live, and cut short as SIGKILL would.
 */
jest.setTimeout(30_000);

describe('LiveWebmWriter with real ffmpeg', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-webm-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function captureVp8(file: string, seconds: number): Promise<{ frames: number }> {
    const depacketizer = new Vp8Depacketizer();
    const writer = await LiveWebmWriter.open(file, { kind: 'video', codec: 'vp8' });
    let sequence = 40_000;
    let frames = 0;
    for (const [index, frame] of vp8Frames(dir, seconds).entries()) {
      const packets = packetsOf(vp8Payloads(frame.data, index), sequence, frame.timestamp);
      sequence += packets.length;
      for (const packet of packets) {
        for (const out of depacketizer.push(parseRtpPacket(packet)!)) {
          // The recording timeline: this track started 120 s into the lesson.
          writer.addFrame(120_000 + Math.round(out.timestamp / 90), out.data, out.keyFrame);
          frames++;
        }
      }
    }
    await writer.close();
    return { frames };
  }

  it('writes VP8 that ffmpeg decodes, at its absolute place on the timeline', async () => {
    const file = path.join(dir, 'camera.webm');
    const { frames } = await captureVp8(file, 6);
    const probed = probe(file);
    expect(probed.decodeErrors).toBe('');
    expect(probed.packets).toBe(frames);
    expect(probed.startS).toBeCloseTo(120, 1);
    expect(probed.durationS).toBeGreaterThan(5.8);
    const scan = await scanWebm(file);
    expect(scan).toMatchObject({ kind: 'video', codec: 'vp8', width: 320, height: 240, frames, truncated: false, firstMs: 120_000 });
    expect(scan.lastMs! - scan.firstMs!).toBeGreaterThan(5800);
    await expect(LiveWebmWriter.open(file, { kind: 'video', codec: 'vp8' })).rejects.toThrow(/EEXIST/);
  });

  it('a file cut anywhere (SIGKILL mid-write) still decodes up to its last complete cluster', async () => {
    const file = path.join(dir, 'whole.webm');
    await captureVp8(file, 6);
    const whole = await fs.readFile(file);
    const full = await scanWebm(file);
    for (const fraction of [0.31, 0.5, 0.77, 0.999]) {
      const cut = path.join(dir, `cut-${fraction}.webm`);
      await fs.writeFile(cut, whole.subarray(0, Math.floor(whole.length * fraction)));
      const scan = await scanWebm(cut);
      expect(scan.truncated).toBe(true);
      // Clusters hold at most about a second: the cut loses no more.
      expect(scan.lastMs!).toBeGreaterThan(full.firstMs! + (full.lastMs! - full.firstMs!) * fraction - 1100);
      const probed = probe(cut);
      expect(probed.packets).toBeGreaterThanOrEqual(scan.frames);
      expect(probed.startS).toBeCloseTo(120, 1);
    }
  });

  it('writes Opus with the header ffmpeg needs, gaps (DTX) kept as gaps', async () => {
    const file = path.join(dir, 'mic.webm');
    const writer = await LiveWebmWriter.open(file, { kind: 'audio', codec: 'opus' });
    // A 20 ms Opus packet of digital silence (TOC 0xf8: CELT FB 20 ms, one frame).
    const silence = Buffer.from([0xf8, 0xff, 0xfe]);
    for (let ms = 0; ms < 4000; ms += 20) if (ms < 1500 || ms >= 2500) writer.addFrame(5_000 + ms, silence, true);
    await writer.close();
    const probed = probe(file);
    expect(probed.decodeErrors).toBe('');
    expect(probed.packets).toBe(150);
    expect(probed.startS).toBeCloseTo(5, 1);
    expect(await scanWebm(file)).toMatchObject({ kind: 'audio', codec: 'opus', frames: 150, firstMs: 5_000, lastMs: 8_980 });
  });

  it('on a full disk: stops, says so (ENOSPC), and what it wrote stays readable', async () => {
    // A 64 KiB tmpfs is a disk that fills up for real (the tests run as root, like the set-up).
    const mountPoint = path.join(dir, 'tiny');
    await fs.mkdir(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint]);
    try {
      const file = path.join(mountPoint, 'mic.webm');
      const writer = await LiveWebmWriter.open(file, { kind: 'audio', codec: 'opus' });
      const errors: Error[] = [];
      writer.onError = (error) => errors.push(error);
      const packet = Buffer.alloc(200, 0x55);
      packet[0] = 0xf8;
      for (let ms = 0; ms < 20_000; ms += 20) {
        writer.addFrame(ms, packet, true);
        if (ms % 1000 === 0) await writer.flush();
      }
      await writer.close();
      expect(errors.map((error) => (error as NodeJS.ErrnoException).code)).toEqual(['ENOSPC']);
      expect(writer.failure).not.toBeNull();
      const scan = await scanWebm(file);
      expect(scan.frames).toBeGreaterThan(100);
      expect(scan.lastMs).toBeLessThan(20_000);
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});
