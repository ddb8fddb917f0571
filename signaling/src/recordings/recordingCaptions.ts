import { Readable } from 'node:stream';
import type { TranscriptStore } from '@classbridge/ai';
import type { RecordingManifest, ReplayFile } from '@classbridge/recorder';

/** The caption track's file name in a recording's replay (the replay page adds it as a <track>). */
export const CAPTIONS_FILE = 'captions.vtt';

/**
 * A recording's caption track: the lesson's transcript as WebVTT on the recording's timeline
 * (zero at its start), rendered from the one stored transcript, so a lesson recorded in two parts
 * (a restart) gets a track that lines up with each part. null: no transcript.
 */
export async function recordingCaptions(transcripts: TranscriptStore | undefined, manifest: RecordingManifest): Promise<ReplayFile | null> {
  if (!transcripts) return null;
  const text = await transcripts.webVttFrom(manifest.lessonId, Date.parse(manifest.startedAt));
  if (text === null) return null;
  const bytes = Buffer.from(text, 'utf8');
  return {
    bytes: bytes.length,
    modifiedAt: new Date(manifest.updatedAt),
    open: (range) => Readable.from([range ? bytes.subarray(range.start, range.end + 1) : bytes]),
  };
}

/** Whether a recording has a caption track to offer. */
export async function hasCaptions(transcripts: TranscriptStore | undefined, lessonId: string): Promise<boolean> {
  return Boolean(transcripts && ((await transcripts.get(lessonId))?.captions.length ?? 0) > 0);
}
