import { SpeechSegmenter, type SegmentEvent } from '../src/vad/SpeechSegmenter.js';

const W = 32;
/** Feeds a probability pattern (one value per 32 ms window) and collects the events. */
function run(segmenter: SpeechSegmenter, pattern: number[], fromMs = 0): SegmentEvent[] {
  return pattern.flatMap((p, i) => segmenter.push(fromMs + i * W, W, p));
}
const windows = (ms: number, p: number) => Array<number>(Math.round(ms / W)).fill(p);

describe('SpeechSegmenter', () => {
  it('starts at the first confident window (padded) and ends after enough silence', () => {
    const events = run(new SpeechSegmenter({ padMs: 64 }), [...windows(640, 0.05), ...windows(1600, 0.9), ...windows(800, 0.05)]);
    expect(events).toEqual([
      { type: 'start', atMs: 640 - 64 },
      { type: 'end', atMs: 640 + 1600 + 64, reason: 'silence' },
    ]);
  });

  it('keeps one utterance through pauses between words (hysteresis and a 500 ms end silence)', () => {
    const speech = [...windows(640, 0.9), ...windows(320, 0.1), ...windows(640, 0.9), ...windows(128, 0.4), ...windows(640, 0.8)];
    const events = run(new SpeechSegmenter(), [...speech, ...windows(640, 0)]);
    expect(events.map((e) => e.type)).toEqual(['start', 'end']);
  });

  it('never starts on probabilities under the start threshold', () => {
    expect(run(new SpeechSegmenter(), windows(5000, 0.45))).toEqual([]);
  });

  it('cuts a long monologue at a short pause once it is longer than softMaxMs', () => {
    const segmenter = new SpeechSegmenter({ softMaxMs: 4000, cutPauseMs: 160, endSilenceMs: 500 });
    const events = run(segmenter, [...windows(5000, 0.9), ...windows(192, 0.1), ...windows(2000, 0.9)]);
    expect(events.map((e) => (e.type === 'end' ? `end:${e.reason}` : e.type))).toEqual(['start', 'end:pause', 'start']);
    // The same short pause before softMaxMs does not cut.
    const early = run(new SpeechSegmenter({ softMaxMs: 4000 }), [...windows(2000, 0.9), ...windows(192, 0.1), ...windows(2000, 0.9)]);
    expect(early.map((e) => e.type)).toEqual(['start']);
  });

  it('cuts at hardMaxMs without a pause and goes straight on', () => {
    const events = run(new SpeechSegmenter({ hardMaxMs: 3200, softMaxMs: 2000 }), windows(7000, 0.95));
    expect(events.filter((e) => e.type === 'end').every((e) => e.type === 'end' && e.reason === 'max')).toBe(true);
    expect(events.filter((e) => e.type === 'end')).toHaveLength(2);
    const ends = events.filter((e) => e.type === 'end').map((e) => e.atMs);
    expect(ends[1]! - ends[0]!).toBe(3200);
  });

  it('flush ends the utterance in progress, no later than the last speech plus padding', () => {
    const segmenter = new SpeechSegmenter({ padMs: 100 });
    run(segmenter, windows(960, 0.9));
    expect(segmenter.flush(5000)).toEqual([{ type: 'end', atMs: 960 + 100, reason: 'silence' }]);
    expect(segmenter.flush(6000)).toEqual([]);
    expect(segmenter.speaking).toBe(false);
  });
});
