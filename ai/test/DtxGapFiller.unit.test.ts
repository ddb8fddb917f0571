import { DtxGapFiller } from '../src/audio/DtxGapFiller.js';
import { OpusPcmDecoder } from '../src/audio/OpusPcmDecoder.js';
import OpusScript from 'opusscript';

const FRAME_TICKS = 960; // 20 ms at 48 kHz
const quiet = Buffer.alloc(320 * 2); // 20 ms of 16 kHz silence
const loud = (() => {
  const pcm = Buffer.alloc(320 * 2);
  for (let i = 0; i < 320; i++) pcm.writeInt16LE(Math.round(6000 * Math.sin(i / 3)), i * 2);
  return pcm;
})();

describe('DtxGapFiller', () => {
  it('assumes silence only after a quiet frame, once the next frame is the allowance late', () => {
    const gaps = new DtxGapFiller({ allowanceMs: 60 });
    expect(gaps.silenceUntil(1_000)).toBeNull(); // nothing seen yet
    gaps.decoded(quiet, 10 * FRAME_TICKS, 1_000); // the next frame is due at 1020
    expect(gaps.silenceUntil(1_020)).toBeNull();
    expect(gaps.silenceUntil(1_079)).toBeNull();
    expect(gaps.silenceUntil(1_080)).toBe(11 * FRAME_TICKS); // due frame 60 ms late → silence
    expect(gaps.silenceUntil(1_100)).toBe(12 * FRAME_TICKS);
    expect(gaps.onTimeArrival(11 * FRAME_TICKS)).toBe(1_040);
  });

  it('never fills after a loud frame (a late packet in speech is waited for)', () => {
    const gaps = new DtxGapFiller({ allowanceMs: 60 });
    gaps.decoded(loud, 10 * FRAME_TICKS, 1_000);
    expect(gaps.silenceUntil(1_500)).toBeNull();
  });

  it('stops at maxFillMs past the last frame (a paused producer is not filled for ever)', () => {
    const gaps = new DtxGapFiller({ allowanceMs: 60, maxFillMs: 1_000 });
    gaps.decoded(quiet, 10 * FRAME_TICKS, 1_000);
    expect(gaps.silenceUntil(60_000)).toBe(10 * FRAME_TICKS + 1_000 * 48);
  });
});

describe('OpusPcmDecoder.fillSilence with DtxGapFiller', () => {
  it('keeps the RTP clock: filled silence, then the next real frame decodes right after it; a frame inside the filled span is dropped', () => {
    const encoder = new OpusScript(48_000, 1, OpusScript.Application.VOIP);
    const packet = () => Buffer.from(encoder.encode(Buffer.alloc(960 * 2), 960));
    const decoder = new OpusPcmDecoder();
    const gaps = new DtxGapFiller({ allowanceMs: 60 });
    const first = decoder.decode(packet(), 0);
    gaps.decoded(first.at(-1)!.pcm, decoder.nextTimestamp!, 0);
    expect(decoder.fillSilence(0)).toBeNull();

    const filled = decoder.fillSilence(gaps.silenceUntil(100)!)!; // frames due at 20, 40 (and 60 once 60 ms late)
    expect(filled.rtpTimestamp).toBe(FRAME_TICKS);
    expect(filled.pcm.length / 2).toBe(((gaps.silenceUntil(100)! - FRAME_TICKS) * 16_000) / 48_000);
    expect(filled.pcm.every((b) => b === 0)).toBe(true);
    expect(decoder.nextTimestamp).toBe(gaps.silenceUntil(100));

    expect(decoder.decode(packet(), FRAME_TICKS)).toEqual([]); // its span was filled: late
    const next = decoder.nextTimestamp!;
    const after = decoder.decode(packet(), next);
    expect(after).toHaveLength(1);
    expect(after[0]!.rtpTimestamp).toBe(next);
    decoder.close();
    encoder.delete();
  });
});
