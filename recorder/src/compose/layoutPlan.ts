/*
 * Which picture and which sounds the replay shows at each moment of a window:
 * pure, so every layout rule is unit-tested without ffmpeg.
 */

/** A half-open span [startMs, endMs) of the recording timeline, in ms. */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

export type ParticipantRole = 'teacher' | 'classroom' | 'student' | 'observer';

/** A recorded track and when it had media (ranges need not be sorted). */
export interface PlanTrack {
  trackId: string;
  participantId: string;
  kind: 'audio' | 'video';
  source: 'camera' | 'microphone' | 'screen';
  participantRole: ParticipantRole;
  ranges: TimeRange[];
}

/** Who held the floor (was heard and shown in the live lesson) when. */
export interface FloorSpan {
  participantId: string;
  startMs: number;
  endMs: number;
}

/** A stretch with a constant picture: one composed (HLS) segment. */
export interface LayoutSegment {
  startMs: number;
  endMs: number;
  /** Full-frame video, or null for the slate (background only). */
  main: string | null;
  /** Picture-in-picture tracks, bottom-right first, each next one stacked above. */
  pips: string[];
}

/** An audio track and when it is audible (inside the window). */
export interface AudioPlan {
  trackId: string;
  ranges: TimeRange[];
}

export interface LayoutPlan {
  window: TimeRange;
  /** Contiguous, covering the window exactly, in time order. */
  segments: LayoutSegment[];
  audio: AudioPlan[];
}

export interface PlanOptions {
  /** Shorter stretches are merged into a neighbour (avoids flicker and tiny HLS segments). */
  minSegmentMs?: number;
}

export const MIN_SEGMENT_MS = 500;
export const MAX_PIPS = 2;

/**
 * Plans one window of the replay: splits it at every change of layout and
 * says who is heard. Main video: the teacher's screen share, else the
 * teacher's camera, else the slate. PiPs: the teacher's camera while the
 * screen is main, and the camera of a classroom or student holding the floor
 * (at most {@link MAX_PIPS}). Audio: the teacher always, anyone else only
 * while holding the floor, as in the live lesson.
 */
export function planLayout(window: TimeRange, tracks: readonly PlanTrack[], floor: readonly FloorSpan[], options: PlanOptions = {}): LayoutPlan {
  if (!(window.endMs > window.startMs)) throw new RangeError(`empty window ${window.startMs}–${window.endMs}`);
  const minSegmentMs = options.minSegmentMs ?? MIN_SEGMENT_MS;
  const video = tracks.filter((track) => track.kind === 'video').map((track) => ({ ...track, ranges: unionRanges(track.ranges) }));
  const floorSpans = floor.filter((span) => span.endMs > span.startMs);

  const cuts = new Set([window.startMs, window.endMs]);
  for (const range of [...video.flatMap((track) => track.ranges), ...floorSpans]) {
    for (const at of [range.startMs, range.endMs]) if (at > window.startMs && at < window.endMs) cuts.add(at);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const segments: LayoutSegment[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    // No range starts or ends inside, so the layout at its start holds throughout.
    segments.push({ startMs: points[i]!, endMs: points[i + 1]!, ...layoutAt(points[i]!, video, floorSpans) });
  }

  return {
    window: { startMs: window.startMs, endMs: window.endMs },
    segments: absorbShortSegments(mergeEqualNeighbours(segments), minSegmentMs),
    audio: planAudio(window, tracks, floorSpans),
  };
}

function layoutAt(t: number, video: readonly PlanTrack[], floor: readonly FloorSpan[]): Pick<LayoutSegment, 'main' | 'pips'> {
  const live = video.filter((track) => track.ranges.some((range) => range.startMs <= t && t < range.endMs));
  const teacherScreen = live.find((track) => track.participantRole === 'teacher' && track.source === 'screen');
  const teacherCamera = live.find((track) => track.participantRole === 'teacher' && track.source === 'camera');
  // Earliest floor grant first, so a PiP keeps its place when a second one appears.
  const holders = floor
    .filter((span) => span.startMs <= t && t < span.endMs)
    .sort((a, b) => a.startMs - b.startMs)
    .map((span) => span.participantId);
  const floorCameras: string[] = [];
  for (const participantId of new Set(holders)) {
    const camera = live.find(
      (track) => track.participantId === participantId && track.source === 'camera' && (track.participantRole === 'classroom' || track.participantRole === 'student'),
    );
    if (camera) floorCameras.push(camera.trackId);
  }
  if (teacherScreen) {
    return { main: teacherScreen.trackId, pips: [...(teacherCamera ? [teacherCamera.trackId] : []), ...floorCameras].slice(0, MAX_PIPS) };
  }
  return { main: teacherCamera?.trackId ?? null, pips: floorCameras.slice(0, MAX_PIPS) };
}

function sameLayout(a: LayoutSegment, b: LayoutSegment): boolean {
  return a.main === b.main && a.pips.length === b.pips.length && a.pips.every((pip, i) => pip === b.pips[i]);
}

function mergeEqualNeighbours(segments: LayoutSegment[]): LayoutSegment[] {
  const merged: LayoutSegment[] = [];
  for (const segment of segments) {
    const last = merged.at(-1);
    if (last && sameLayout(last, segment)) last.endMs = segment.endMs;
    else merged.push({ ...segment, pips: [...segment.pips] });
  }
  return merged;
}

/** Gives each too-short segment's time to its longer neighbour, shortest first, until none is left (or one segment remains). */
function absorbShortSegments(segments: LayoutSegment[], minSegmentMs: number): LayoutSegment[] {
  let result = segments;
  for (;;) {
    let shortest = -1;
    for (let i = 0; i < result.length; i++) {
      const length = result[i]!.endMs - result[i]!.startMs;
      if (length < minSegmentMs && (shortest < 0 || length < result[shortest]!.endMs - result[shortest]!.startMs)) shortest = i;
    }
    if (shortest < 0 || result.length < 2) return result;
    const short = result[shortest]!;
    const before = result[shortest - 1];
    const after = result[shortest + 1];
    const length = (segment: LayoutSegment | undefined) => (segment ? segment.endMs - segment.startMs : -1);
    if (before && length(before) >= length(after)) before.endMs = short.endMs;
    else after!.startMs = short.startMs;
    result = mergeEqualNeighbours(result.filter((segment) => segment !== short));
  }
}

function planAudio(window: TimeRange, tracks: readonly PlanTrack[], floor: readonly FloorSpan[]): AudioPlan[] {
  const audio: AudioPlan[] = [];
  for (const track of tracks) {
    if (track.kind !== 'audio') continue;
    const heard =
      track.participantRole === 'teacher'
        ? track.ranges
        : intersectRanges(
            track.ranges,
            floor.filter((span) => span.participantId === track.participantId),
          );
    const ranges = intersectRanges(heard, [window]);
    if (ranges.length > 0) audio.push({ trackId: track.trackId, ranges });
  }
  return audio;
}

/** Sorted union of ranges; touching ranges merge, empty ones vanish. */
export function unionRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = ranges.filter((range) => range.endMs > range.startMs).sort((a, b) => a.startMs - b.startMs);
  const merged: TimeRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range.startMs <= last.endMs) last.endMs = Math.max(last.endMs, range.endMs);
    else merged.push({ startMs: range.startMs, endMs: range.endMs });
  }
  return merged;
}

/** Times covered by both sets of ranges. */
export function intersectRanges(a: readonly TimeRange[], b: readonly TimeRange[]): TimeRange[] {
  const result: TimeRange[] = [];
  for (const x of unionRanges(a)) {
    for (const y of unionRanges(b)) {
      const startMs = Math.max(x.startMs, y.startMs);
      const endMs = Math.min(x.endMs, y.endMs);
      if (endMs > startMs) result.push({ startMs, endMs });
    }
  }
  return unionRanges(result);
}
