import { z } from 'zod';
import { roles } from '@classbridge/protocol';

/*
 * The per-recording manifest: everything needed to finish, replay or delete a
 * recording, written atomically after every change so a crash at any moment
 * leaves a manifest that describes the files on disk.
 */

const timeRange = z.object({ startMs: z.number().int().min(0), endMs: z.number().int().min(0).nullable() });

export const recordingStates = ['recording', 'processing', 'ready', 'failed'] as const;
export type RecordingState = (typeof recordingStates)[number];


const captureFile = z.object({
  /** File name inside the recording's directory. */
  name: z.string(),
  /** Recording-timeline ms of its first and last frame (null until known). */
  startMs: z.number().int().min(0).nullable(),
  endMs: z.number().int().min(0).nullable(),
});

const track = z.object({
  trackId: z.string(),
  producerId: z.string(),
  participantId: z.string(),
  participantName: z.string(),
  role: z.enum(roles),
  kind: z.enum(['audio', 'video']),
  source: z.enum(['camera', 'microphone', 'screen']),
  codec: z.enum(['opus', 'vp8', 'h264']),
  files: z.array(captureFile),
  /** When the producer was live (not paused); the last one open while it records. */
  live: z.array(timeRange),
});

const segment = z.object({
  name: z.string(),
  startMs: z.number().int().min(0),
  endMs: z.number().int().min(0),
  bytes: z.number().int().min(0),
});

export const manifestSchema = z.object({
  version: z.literal(1),
  recordingId: z.string(),
  lessonId: z.string(),
  lesson: z.object({
    title: z.string(),
    subject: z.string(),
    school: z.string(),
    classroom: z.string(),
    teacher: z.string(),
    scheduledStart: z.string(),
  }),
  state: z.enum(recordingStates),
  /** Wall-clock ISO time of the recording timeline's zero. */
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  /** Recording-timeline length once known (the lesson's end, or the last frame after a crash). */
  durationMs: z.number().int().min(0).nullable(),
  /** Set when the recorder finished it after a crash rather than at the lesson's end. */
  interrupted: z.boolean(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  tracks: z.array(track),
  /** Who held the floor when (remote participants speaking to the class). */
  floor: z.array(z.object({ participantId: z.string(), startMs: z.number().int().min(0), endMs: z.number().int().min(0).nullable() })),
  spotlight: z.array(z.object({ participantId: z.string(), startMs: z.number().int().min(0), endMs: z.number().int().min(0).nullable() })),
  /** Composed HLS segments, in order, covering [0, composedUntilMs). */
  segments: z.array(segment),
  composedUntilMs: z.number().int().min(0),
  replay: z
    .object({
      playlist: z.string(),
      mp4: z.string(),
      thumbnail: z.string().nullable(),
      captions: z.string().nullable(),
      /** Seconds from the lesson's end until the replay was ready. */
      readyAfterEndSeconds: z.number().nullable(),
    })
    .nullable(),
  updatedAt: z.string(),
});

export type RecordingManifest = z.infer<typeof manifestSchema>;
export type RecordedTrack = RecordingManifest['tracks'][number];
export type LessonDescription = RecordingManifest['lesson'];

export const MANIFEST_FILE = 'manifest.json';

/** Parses a manifest read from storage; throws a readable error for a damaged one. */
export function parseManifest(text: string): RecordingManifest {
  return manifestSchema.parse(JSON.parse(text));
}
