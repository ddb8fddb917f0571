import OpusScript from 'opusscript';
import { OpusPcmDecoder, PCM_RATE } from '../src/audio/OpusPcmDecoder.js';

/** 20 ms stereo 48 kHz frames of a tone, Opus-encoded as Chromium sends them. */
function encodeTone(hz: number, frames: number): Buffer[] {
  const encoder = new OpusScript(48_000, 2, OpusScript.Application.AUDIO);
  const packets: Buffer[] = [];
  for (let f = 0; f < frames; f++) {
    const pcm = Buffer.alloc(960 * 4);
    for (let i = 0; i < 960; i++) {
      const v = Math.round(8000 * Math.sin((2 * Math.PI * hz * (f * 960 + i)) / 48_000));
      pcm.writeInt16LE(v, i * 4);
      pcm.writeInt16LE(v, i * 4 + 2);
    }
    packets.push(Buffer.from(encoder.encode(pcm, 960)));
  }
  encoder.delete();
  return packets;
}

/** Frequency from zero crossings of s16le samples. */
function frequency(pcm: Buffer): number {
  let crossings = 0;
  for (let i = 2; i < pcm.length; i += 2) if (pcm.readInt16LE(i - 2) < 0 !== pcm.readInt16LE(i) < 0) crossings++;
  return crossings / 2 / (pcm.length / 2 / PCM_RATE);
}

describe('OpusPcmDecoder', () => {
  it('decodes 48 kHz stereo Opus to 16 kHz mono, keeping the tone', () => {
    const decoder = new OpusPcmDecoder();
    const out = encodeTone(440, 50).flatMap((packet, i) => decoder.decode(packet, 1000 + i * 960));
    decoder.close();
    const pcm = Buffer.concat(out.map((c) => c.pcm));
    expect(pcm.length / 2).toBe(50 * 320); // one second at 16 kHz
    expect(frequency(pcm.subarray(3200))).toBeGreaterThan(420);
    expect(frequency(pcm.subarray(3200))).toBeLessThan(460);
  });

  it('fills a lost packet with silence so samples stay on the RTP clock; drops late ones', () => {
    const packets = encodeTone(440, 5);
    const decoder = new OpusPcmDecoder();
    const first = decoder.decode(packets[0]!, 0);
    const afterLoss = decoder.decode(packets[2]!, 2 * 960);
    expect(first).toHaveLength(1);
    expect(afterLoss).toHaveLength(2);
    expect(afterLoss[0]).toMatchObject({ rtpTimestamp: 960 });
    expect(afterLoss[0]!.pcm.length).toBe(320 * 2);
    expect(afterLoss[0]!.pcm.every((b) => b === 0)).toBe(true);
    expect(decoder.decode(packets[1]!, 960)).toEqual([]);
    // A long gap (a paused producer) starts a new run instead of minutes of zeros.
    const resumed = decoder.decode(packets[3]!, 10 * 48_000);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]!.rtpTimestamp).toBe(10 * 48_000);
    decoder.close();
  });

  it('skips a corrupt frame without throwing', () => {
    const decoder = new OpusPcmDecoder();
    expect(() => decoder.decode(Buffer.from([0xff, 0xff, 0xff]), 0)).not.toThrow();
    decoder.close();
  });
});
