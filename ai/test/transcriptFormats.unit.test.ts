import type { Caption } from '@classbridge/protocol';
import { formatSrt, formatWebVtt, toCues } from '../src/transcripts/transcriptFormats.js';

const ORIGIN = 1_800_000_000_000;
const caption = (over: Partial<Caption>): Caption => ({
  captionId: 'c',
  participantId: 'teacher',
  speaker: '王丽',
  language: 'en',
  text: 'hello class',
  final: true,
  startMs: ORIGIN + 1000,
  endMs: ORIGIN + 2500,
  ...over,
});

describe('transcript formats', () => {
  it('places final captions on the recording timeline, skipping partials and empty text', () => {
    const cues = toCues(
      [
        caption({ captionId: 'b', startMs: ORIGIN + 3_723_004, endMs: ORIGIN + 3_725_000, text: 'second' }),
        caption({ final: false, text: 'partial' }),
        caption({ text: '  ' }),
        caption({}),
      ],
      ORIGIN,
    );
    expect(cues).toEqual([
      { startS: 1, endS: 2.5, speaker: '王丽', text: 'hello class' },
      { startS: 3723.004, endS: 3725, speaker: '王丽', text: 'second' },
    ]);
  });

  it('trims a speaker\'s overlapping cue and drops what ended before the recording began', () => {
    const cues = toCues(
      [caption({ startMs: ORIGIN - 3000, endMs: ORIGIN - 1000 }), caption({ startMs: ORIGIN + 1000, endMs: ORIGIN + 4000 }), caption({ startMs: ORIGIN + 3000, endMs: ORIGIN + 5000, text: 'next' })],
      ORIGIN,
    );
    expect(cues.map((c) => [c.startS, c.endS])).toEqual([
      [1, 3],
      [3, 5],
    ]);
  });

  it('writes WebVTT with voices and escapes markup', () => {
    const vtt = formatWebVtt(toCues([caption({ text: 'a <b> & c', startMs: ORIGIN + 3_723_004, endMs: ORIGIN + 3_725_000 })], ORIGIN));
    expect(vtt).toBe('WEBVTT\n\n01:02:03.004 --> 01:02:05.000\n<v 王丽>a &lt;b&gt; &amp; c\n');
  });

  it('writes numbered SubRip cues with comma fractions', () => {
    const srt = formatSrt(toCues([caption({}), caption({ speaker: 'Room 2', startMs: ORIGIN + 61_000, endMs: ORIGIN + 62_250, text: 'yes' })], ORIGIN));
    expect(srt).toBe('1\n00:00:01,000 --> 00:00:02,500\n王丽: hello class\n\n2\n00:01:01,000 --> 00:01:02,250\nRoom 2: yes\n');
  });
});
