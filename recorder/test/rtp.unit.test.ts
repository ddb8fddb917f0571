import { parseRtpPacket } from '../src/rtp/RtpPacket.js';
import { Unwrapper } from '../src/rtp/unwrap.js';
import { RtpClock } from '../src/rtp/RtpClock.js';
import { SenderClock } from '../src/rtp/SenderClock.js';
import { Vp8Depacketizer } from '../src/rtp/Vp8Depacketizer.js';
import { H264Depacketizer } from '../src/rtp/H264Depacketizer.js';
import { OpusDepacketizer } from '../src/rtp/OpusDepacketizer.js';
import { packetsOf, rtpPacket, vp8Payloads } from './support/rtpFixtures.js';

/** A fake VP8 frame: key frames carry the start code and a 320x240 size. */
function vp8Frame(key: boolean, bytes: number, fill: number): Buffer {
  const frame = Buffer.alloc(bytes, fill);
  if (key) {
    frame[0] = 0x10; // bit 0 = 0: key frame
    frame.set([0x9d, 0x01, 0x2a], 3);
    frame.writeUInt16LE(320, 6);
    frame.writeUInt16LE(240, 8);
  } else frame[0] = 0x11;
  return frame;
}

describe('parseRtpPacket', () => {
  it('reads the header, skips CSRCs and extensions, strips padding', () => {
    const packet = parseRtpPacket(rtpPacket({ sequenceNumber: 65535, timestamp: 0xfffffff0, marker: true, payload: Buffer.from('abc'), csrcs: 2, extensionWords: 1, padding: 4 }));
    expect(packet).toMatchObject({ payloadType: 96, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 1234, marker: true });
    expect(packet!.payload.toString()).toBe('abc');
  });

  it('refuses RTCP and malformed datagrams, and never throws', () => {
    const rtcpSenderReport = Buffer.from([0x80, 200, 0, 6, ...Buffer.alloc(24)]);
    expect(parseRtpPacket(rtcpSenderReport)).toBeNull();
    expect(parseRtpPacket(Buffer.alloc(5))).toBeNull();
    expect(parseRtpPacket(Buffer.from([0x40, 96, ...Buffer.alloc(10)]))).toBeNull();
    let random = 1;
    for (let i = 0; i < 5_000; i++) {
      const bytes = Buffer.alloc(i % 64);
      for (let j = 0; j < bytes.length; j++) bytes[j] = (random = (random * 1103515245 + 12345) % 2 ** 31) & 0xff;
      if (bytes.length > 0) bytes[0] = (bytes[0]! & 0x3f) | 0x80;
      expect(() => parseRtpPacket(bytes)).not.toThrow();
    }
  });
});

describe('Unwrapper', () => {
  it('extends 16-bit sequence numbers across the wrap, with reordering', () => {
    const unwrap = new Unwrapper(16);
    expect([65534, 65535, 1, 0, 2, 3].map((value) => unwrap.unwrap(value))).toEqual([65534, 65535, 65537, 65536, 65538, 65539]);
  });

  it('extends 32-bit timestamps across the wrap', () => {
    const unwrap = new Unwrapper(32);
    expect(unwrap.unwrap(0xffffff00)).toBe(0xffffff00);
    expect(unwrap.unwrap(0x00000100)).toBe(2 ** 32 + 0x100);
    expect(unwrap.unwrap(0xfffffff0)).toBe(0xfffffff0);
  });
});

describe('RtpClock', () => {
  it('places media by its RTP time, ignoring late (jittered) arrivals, never going backwards', () => {
    const clock = new RtpClock({ clockRate: 90_000, originMs: 1_000_000 });
    // Packets every 100 ms of media arrive 500 ms after the origin plus jitter of up to 40 ms.
    const jitter = [30, 0, 40, 10, 25, 5];
    const placed = jitter.map((late, index) => clock.toMs(90_000 + index * 9_000, 1_000_500 + index * 100 + late));
    // The first estimate is 30 ms late; from the second packet (on time) on, the timeline is exact.
    expect(placed).toEqual([530, 600, 700, 800, 900, 1000]);
    // A frame from before the last one cannot move time back.
    expect(clock.toMs(90_000, 1_001_200)).toBe(1000);
  });
});

describe('RtpClock with sender reports', () => {
  it("places a participant's camera and microphone by their capture times, not by when they arrived", () => {
    const origin = 1_800_000_000_000;
    const sender = new SenderClock();
    // The sender's clock is 5 s ahead of ours; its audio reaches us 80 ms later after capture than its video.
    const senderAhead = 5000;
    const audio = new RtpClock({ clockRate: 48_000, originMs: origin, sender });
    const video = new RtpClock({ clockRate: 90_000, originMs: origin, sender });
    // Simulcast: reports come for two layers whose RTP clocks started at random points; the tap carries layer 1's.
    video.observeSenderReport(111, origin + senderAhead, 4_000_000_000);
    video.observeSenderReport(222, origin + senderAhead, 1_000);
    audio.observeSenderReport(333, origin + senderAhead, 7_000);
    const capturedAt = 2000; // ms after the origin, on both
    const videoMs = video.toMs(1_000 + capturedAt * 90, origin + capturedAt + 20);
    const audioMs = audio.toMs(7_000 + capturedAt * 48, origin + capturedAt + 100);
    expect(audioMs).toBe(videoMs);
    // Both sit at capture time plus the fastest path (the video's 20 ms).
    expect(videoMs).toBe(capturedAt + 20);
  });

  it('without reports, falls back to arrival times', () => {
    const clock = new RtpClock({ clockRate: 90_000, originMs: 0, sender: new SenderClock() });
    expect(clock.toMs(90_000, 3000)).toBe(3000);
    expect(clock.toMs(180_000, 4000)).toBe(4000);
  });
});

describe('Vp8Depacketizer', () => {
  it('reassembles frames from their packets, through reordering, and reports the key frame size', () => {
    const depacketizer = new Vp8Depacketizer();
    const key = vp8Frame(true, 2500, 1);
    const delta = vp8Frame(false, 1200, 2);
    const packets = [...packetsOf(vp8Payloads(key, 1), 100, 3000), ...packetsOf(vp8Payloads(delta, 2), 103, 6000)];
    expect(depacketizer.needsKeyFrame).toBe(true);
    // Deliver out of order: 100, 102, 101, 104, 103.
    const order = [0, 2, 1, 4, 3];
    const frames = order.flatMap((index) => depacketizer.push(parseRtpPacket(packets[index]!)!));
    expect(frames.map((frame) => [frame.timestamp, frame.keyFrame, frame.data.length])).toEqual([
      [3000, true, 2500],
      [6000, false, 1200],
    ]);
    expect(frames[0]!.data.equals(key)).toBe(true);
    expect(frames[0]).toMatchObject({ width: 320, height: 240 });
    expect(depacketizer.needsKeyFrame).toBe(false);
  });

  it('drops a frame that lost a packet and everything after it until the next key frame', () => {
    const depacketizer = new Vp8Depacketizer();
    const out: number[] = [];
    const push = (packets: Buffer[]) => packets.forEach((packet) => depacketizer.push(parseRtpPacket(packet)!).forEach((frame) => out.push(frame.timestamp)));
    push(packetsOf(vp8Payloads(vp8Frame(true, 1500, 1), 1), 10, 1000)); // 10, 11
    const lossy = packetsOf(vp8Payloads(vp8Frame(false, 1500, 2), 2), 12, 2000); // 12, 13 — 13 is lost
    push([lossy[0]!]);
    // The next delta frames come, the missing packet never does.
    for (let i = 0; i < 70; i++) push(packetsOf(vp8Payloads(vp8Frame(false, 500, 3), 3 + i), 14 + i, 3000 + i * 1000));
    expect(depacketizer.needsKeyFrame).toBe(true);
    push(packetsOf(vp8Payloads(vp8Frame(true, 500, 4), 100), 84, 80_000));
    expect(out).toEqual([1000, 80_000]);
    expect(depacketizer.needsKeyFrame).toBe(false);
  });

  it('waits for the first frame start and ignores duplicates', () => {
    const depacketizer = new Vp8Depacketizer();
    const packets = packetsOf(vp8Payloads(vp8Frame(true, 2500, 1), 1), 500, 9000);
    expect(depacketizer.push(parseRtpPacket(packets[1]!)!)).toEqual([]);
    expect(depacketizer.push(parseRtpPacket(packets[2]!)!)).toEqual([]);
    const again = packetsOf(vp8Payloads(vp8Frame(true, 100, 1), 2), 503, 12_000);
    expect(depacketizer.push(parseRtpPacket(again[0]!)!).map((frame) => frame.timestamp)).toEqual([12_000]);
    expect(depacketizer.push(parseRtpPacket(again[0]!)!)).toEqual([]);
  });
});

describe('H264Depacketizer', () => {
  it('turns single NAL units, STAP-A and FU-A into one Annex B access unit', () => {
    const depacketizer = new H264Depacketizer();
    const sps = Buffer.from([0x67, 1, 2, 3]);
    const pps = Buffer.from([0x68, 4, 5]);
    const idr = Buffer.concat([Buffer.from([0x65]), Buffer.alloc(3000, 7)]);
    const stap = Buffer.concat([Buffer.from([0x18]), Buffer.from([0, sps.length]), sps, Buffer.from([0, pps.length]), pps]);
    const fuIndicator = (idr[0]! & 0xe0) | 28;
    const fragments = [idr.subarray(1, 1500), idr.subarray(1500)].map((part, index, all) =>
      Buffer.concat([Buffer.from([fuIndicator, (index === 0 ? 0x80 : 0) | (index === all.length - 1 ? 0x40 : 0) | 5]), part]),
    );
    const packets = [stap, ...fragments].map((payload, index, all) => rtpPacket({ sequenceNumber: 7 + index, timestamp: 90_000, marker: index === all.length - 1, payload }));
    const frames = packets.flatMap((packet) => depacketizer.push(parseRtpPacket(packet)!));
    expect(frames).toHaveLength(1);
    const start = Buffer.from([0, 0, 0, 1]);
    expect(frames[0]!.keyFrame).toBe(true);
    expect(frames[0]!.data.equals(Buffer.concat([start, sps, start, pps, start, idr]))).toBe(true);
  });
});

describe('OpusDepacketizer', () => {
  it('passes every packet as a frame, dropping late and duplicate ones', () => {
    const depacketizer = new OpusDepacketizer();
    const packet = (sequenceNumber: number, timestamp: number) => parseRtpPacket(rtpPacket({ sequenceNumber, timestamp, payloadType: 111, payload: Buffer.from([sequenceNumber & 0xff]) }))!;
    const out = [packet(1, 960), packet(2, 1920), packet(2, 1920), packet(1, 960), packet(4, 3840)].flatMap((p) => depacketizer.push(p));
    expect(out.map((frame) => frame.timestamp)).toEqual([960, 1920, 3840]);
    expect(depacketizer.needsKeyFrame).toBe(false);
  });
});
