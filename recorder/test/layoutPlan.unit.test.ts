import { intersectRanges, MIN_SEGMENT_MS, planLayout, unionRanges } from '../src/compose/layoutPlan.js';
import type { FloorSpan, LayoutSegment, PlanTrack, TimeRange } from '../src/compose/layoutPlan.js';

const W = { startMs: 0, endMs: 10_000 };
const r = (startMs: number, endMs: number): TimeRange => ({ startMs, endMs });

function track(trackId: string, participantId: string, participantRole: PlanTrack['participantRole'], source: PlanTrack['source'], ranges: TimeRange[]): PlanTrack {
  return { trackId, participantId, participantRole, source, kind: source === 'microphone' ? 'audio' : 'video', ranges };
}
const teacherCam = (...ranges: TimeRange[]) => track('t-cam', 'teacher', 'teacher', 'camera', ranges);
const teacherScreen = (...ranges: TimeRange[]) => track('t-screen', 'teacher', 'teacher', 'screen', ranges);
const teacherMic = (...ranges: TimeRange[]) => track('t-mic', 'teacher', 'teacher', 'microphone', ranges);
const classCam = (...ranges: TimeRange[]) => track('c-cam', 'class', 'classroom', 'camera', ranges);
const classMic = (...ranges: TimeRange[]) => track('c-mic', 'class', 'classroom', 'microphone', ranges);
const floor = (participantId: string, startMs: number, endMs: number): FloorSpan => ({ participantId, startMs, endMs });
const seg = (startMs: number, endMs: number, main: string | null, pips: string[] = []): LayoutSegment => ({ startMs, endMs, main, pips });

describe('planLayout: the picture', () => {
  it("shows the teacher's camera for the whole window", () => {
    expect(planLayout(W, [teacherCam(r(0, 10_000))], []).segments).toEqual([seg(0, 10_000, 't-cam')]);
  });

  it('shows the slate when nobody has video', () => {
    expect(planLayout(W, [teacherMic(r(0, 10_000))], []).segments).toEqual([seg(0, 10_000, null)]);
  });

  it('shows the slate while the teacher camera is off', () => {
    expect(planLayout(W, [teacherCam(r(0, 3_000), r(6_000, 10_000))], []).segments).toEqual([
      seg(0, 3_000, 't-cam'),
      seg(3_000, 6_000, null),
      seg(6_000, 10_000, 't-cam'),
    ]);
  });

  it('puts a screen share in the main area and the teacher camera in a PiP', () => {
    expect(planLayout(W, [teacherCam(r(0, 10_000)), teacherScreen(r(2_000, 7_000))], []).segments).toEqual([
      seg(0, 2_000, 't-cam'),
      seg(2_000, 7_000, 't-screen', ['t-cam']),
      seg(7_000, 10_000, 't-cam'),
    ]);
  });

  it('shows a screen share alone when the teacher camera is off', () => {
    expect(planLayout(W, [teacherScreen(r(0, 10_000))], []).segments).toEqual([seg(0, 10_000, 't-screen')]);
  });

  it('shows the camera of a classroom in a PiP exactly while it holds the floor', () => {
    expect(planLayout(W, [teacherCam(r(0, 10_000)), classCam(r(0, 10_000))], [floor('class', 4_000, 8_000)]).segments).toEqual([
      seg(0, 4_000, 't-cam'),
      seg(4_000, 8_000, 't-cam', ['c-cam']),
      seg(8_000, 10_000, 't-cam'),
    ]);
  });

  it('shows a student holding the floor like a classroom', () => {
    const studentCam = track('s-cam', 'student', 'student', 'camera', [r(0, 10_000)]);
    expect(planLayout(W, [teacherCam(r(0, 10_000)), studentCam], [floor('student', 0, 10_000)]).segments).toEqual([seg(0, 10_000, 't-cam', ['s-cam'])]);
  });

  it('shows no PiP for a floor holder without video, an observer, or the teacher', () => {
    const observerCam = track('o-cam', 'observer', 'observer', 'camera', [r(0, 10_000)]);
    const tracks = [teacherCam(r(0, 10_000)), classCam(r(5_000, 10_000)), observerCam];
    const plan = planLayout(W, tracks, [floor('class', 0, 5_000), floor('observer', 0, 10_000), floor('teacher', 0, 10_000)]);
    expect(plan.segments).toEqual([seg(0, 10_000, 't-cam')]);
  });

  it('puts the teacher camera bottom-right and the floor holder above it during a screen share', () => {
    const plan = planLayout(W, [teacherScreen(r(0, 10_000)), teacherCam(r(0, 10_000)), classCam(r(0, 10_000))], [floor('class', 0, 10_000)]);
    expect(plan.segments).toEqual([seg(0, 10_000, 't-screen', ['t-cam', 'c-cam'])]);
  });

  it('shows at most two PiPs, keeping the earliest floor holder', () => {
    const tracks = [teacherScreen(r(0, 10_000)), teacherCam(r(0, 10_000)), classCam(r(0, 10_000)), track('s-cam', 'student', 'student', 'camera', [r(0, 10_000)])];
    const plan = planLayout(W, tracks, [floor('student', 2_000, 10_000), floor('class', 0, 10_000)]);
    expect(plan.segments).toEqual([seg(0, 10_000, 't-screen', ['t-cam', 'c-cam'])]);
    const noScreen = planLayout(W, tracks.slice(1), [floor('student', 2_000, 10_000), floor('class', 0, 10_000)]);
    expect(noScreen.segments).toEqual([seg(0, 2_000, 't-cam', ['c-cam']), seg(2_000, 10_000, 't-cam', ['c-cam', 's-cam'])]);
  });

  it('ignores media and floor outside the window', () => {
    const plan = planLayout({ startMs: 10_000, endMs: 20_000 }, [teacherCam(r(0, 30_000)), classCam(r(0, 30_000))], [floor('class', 2_000, 9_000), floor('class', 25_000, 28_000)]);
    expect(plan.segments).toEqual([seg(10_000, 20_000, 't-cam')]);
  });

  it('accepts unsorted, overlapping and empty ranges', () => {
    expect(planLayout(W, [teacherCam(r(6_000, 10_000), r(0, 4_000), r(3_000, 6_500), r(8_000, 8_000))], []).segments).toEqual([seg(0, 10_000, 't-cam')]);
  });

  it('rejects an empty window', () => {
    expect(() => planLayout({ startMs: 5_000, endMs: 5_000 }, [], [])).toThrow(RangeError);
  });
});

describe('planLayout: short stretches', () => {
  it('merges a PiP shown for less than 500 ms into its longer neighbour', () => {
    const plan = planLayout(W, [teacherCam(r(0, 10_000)), classCam(r(0, 10_000))], [floor('class', 6_000, 6_300)]);
    expect(plan.segments).toEqual([seg(0, 10_000, 't-cam')]);
  });

  it('bridges a short camera dropout instead of flashing the slate', () => {
    const plan = planLayout(W, [teacherCam(r(0, 4_990), r(5_020, 10_000))], []);
    expect(plan.segments).toEqual([seg(0, 10_000, 't-cam')]);
  });

  it('gives a short stretch to the longer neighbour', () => {
    // 0–2 s slate, 2–2.2 s camera, 2.2–10 s camera + PiP: the 200 ms go to the 7.8 s after.
    const plan = planLayout(W, [teacherCam(r(2_000, 10_000)), classCam(r(0, 10_000))], [floor('class', 2_200, 10_000)]);
    expect(plan.segments).toEqual([seg(0, 2_000, null), seg(2_000, 10_000, 't-cam', ['c-cam'])]);
  });

  it('merges a short stretch at the start of the window into the rest', () => {
    const plan = planLayout(W, [teacherCam(r(0, 10_000)), classCam(r(0, 10_000))], [floor('class', 0, 300)]);
    expect(plan.segments).toEqual([seg(0, 10_000, 't-cam')]);
  });

  it('makes one segment of a window shorter than 500 ms', () => {
    const plan = planLayout({ startMs: 20_000, endMs: 20_300 }, [teacherCam(r(0, 20_200))], []);
    expect(plan.segments).toEqual([seg(20_000, 20_300, 't-cam')]);
  });

  it('honours a custom minimum', () => {
    const tracks = [teacherCam(r(0, 10_000)), classCam(r(0, 10_000))];
    expect(planLayout(W, tracks, [floor('class', 6_000, 6_300)], { minSegmentMs: 100 }).segments).toHaveLength(3);
  });

  it('always covers the window exactly with stretches of at least 500 ms that differ from their neighbours', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const spans = (count: number) => Array.from({ length: count }, () => {
      const start = random(12_000) - 1_000;
      return r(start, start + random(3_000));
    });
    for (let round = 0; round < 300; round++) {
      const window = { startMs: random(1_000), endMs: 1_000 + random(10_000) };
      const tracks = [
        teacherCam(...spans(random(4))),
        teacherScreen(...spans(random(3))),
        classCam(...spans(random(4))),
        track('s-cam', 'student', 'student', 'camera', spans(random(3))),
      ];
      const floorSpans = [...spans(random(3)).map((s) => floor('class', s.startMs, s.endMs)), ...spans(random(3)).map((s) => floor('student', s.startMs, s.endMs))];
      const { segments } = planLayout(window, tracks, floorSpans);
      expect(segments[0]!.startMs).toBe(window.startMs);
      expect(segments.at(-1)!.endMs).toBe(window.endMs);
      segments.forEach((segment, i) => {
        expect(segment.endMs).toBeGreaterThan(segment.startMs);
        expect(segment.pips.length).toBeLessThanOrEqual(2);
        if (segments.length > 1) expect(segment.endMs - segment.startMs).toBeGreaterThanOrEqual(MIN_SEGMENT_MS);
        const next = segments[i + 1];
        if (next) {
          expect(next.startMs).toBe(segment.endMs);
          expect([next.main, next.pips]).not.toEqual([segment.main, segment.pips]);
        }
      });
    }
  });
});

describe('planLayout: the sound', () => {
  it('always hears the teacher, within the window and where the track has media', () => {
    const plan = planLayout({ startMs: 10_000, endMs: 20_000 }, [teacherMic(r(0, 12_000), r(15_000, 30_000))], []);
    expect(plan.audio).toEqual([{ trackId: 't-mic', ranges: [r(10_000, 12_000), r(15_000, 20_000)] }]);
  });

  it('hears a classroom only while it holds the floor', () => {
    const plan = planLayout(W, [teacherMic(r(0, 10_000)), classMic(r(0, 10_000))], [floor('class', 2_000, 4_000), floor('class', 8_000, 12_000)]);
    expect(plan.audio).toEqual([
      { trackId: 't-mic', ranges: [r(0, 10_000)] },
      { trackId: 'c-mic', ranges: [r(2_000, 4_000), r(8_000, 10_000)] },
    ]);
  });

  it('leaves out microphones that are not heard in the window', () => {
    const plan = planLayout(W, [classMic(r(0, 10_000)), track('o-mic', 'observer', 'observer', 'microphone', [r(0, 10_000)])], [floor('class', 12_000, 14_000)]);
    expect(plan.audio).toEqual([]);
  });

  it('hears a floor holder only where its microphone had media', () => {
    const plan = planLayout(W, [classMic(r(3_000, 5_000))], [floor('class', 0, 10_000)]);
    expect(plan.audio).toEqual([{ trackId: 'c-mic', ranges: [r(3_000, 5_000)] }]);
  });

  it('keeps short floor turns in the audio even when the picture merges them away', () => {
    const plan = planLayout(W, [teacherCam(r(0, 10_000)), classCam(r(0, 10_000)), classMic(r(0, 10_000))], [floor('class', 6_000, 6_300)]);
    expect(plan.segments).toHaveLength(1);
    expect(plan.audio).toEqual([{ trackId: 'c-mic', ranges: [r(6_000, 6_300)] }]);
  });
});

describe('range helpers', () => {
  it('unions sorted, merging touching ranges and dropping empty ones', () => {
    expect(unionRanges([r(5, 8), r(0, 2), r(2, 3), r(4, 4), r(7, 9)])).toEqual([r(0, 3), r(5, 9)]);
  });

  it('intersects', () => {
    expect(intersectRanges([r(0, 5), r(8, 12)], [r(3, 10)])).toEqual([r(3, 5), r(8, 10)]);
    expect(intersectRanges([r(0, 5)], [r(5, 10)])).toEqual([]);
  });
});
