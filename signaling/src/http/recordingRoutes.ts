import express from 'express';
import type { Router } from 'express';
import { z } from 'zod';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { Recorder, RecordingManifest } from '@classbridge/recorder';
import { isRecordingFileName, isRecordingId } from '@classbridge/recorder';
import type { DirectoryStore } from '../store/DirectoryStore.js';
import type { ReplayTokens } from '../recordings/ReplayTokens.js';
import { validate } from './restApi.js';
import { mustFindFile, sendReplayFile } from './replayFiles.js';
import type { TranscriptStore } from '@classbridge/ai';
import { CAPTIONS_FILE, hasCaptions, recordingCaptions } from '../recordings/recordingCaptions.js';

export const replayTokenRequestSchema = z.object({ ttlSeconds: z.number().int().min(60).max(90 * 24 * 3600).optional() }).strict();
const listQuerySchema = z.object({ lessonId: z.string().min(1).max(64).optional() }).strict();

/** What a listing shows of a recording (the full manifest is one GET away). */
export function recordingSummary(manifest: RecordingManifest, captions: boolean) {
  return {
    recordingId: manifest.recordingId,
    lessonId: manifest.lessonId,
    lesson: manifest.lesson,
    state: manifest.state,
    startedAt: manifest.startedAt,
    endedAt: manifest.endedAt,
    durationMs: manifest.durationMs,
    interrupted: manifest.interrupted,
    error: manifest.error,
    readyAfterEndSeconds: manifest.replay?.readyAfterEndSeconds ?? null,
    hasThumbnail: Boolean(manifest.replay?.thumbnail),
    hasCaptions: captions,
  };
}

/** Processing progress: how much of the lesson is composed into the replay. */
export function recordingProgress(manifest: RecordingManifest) {
  return { composedSeconds: manifest.composedUntilMs / 1000, durationSeconds: manifest.durationMs === null ? null : manifest.durationMs / 1000 };
}

export interface RecordingRoutesOptions {
  recordings: Recorder | undefined;
  store: DirectoryStore;
  replayTokens: ReplayTokens;
  transcripts: TranscriptStore | undefined;
}

/** Admin routes (behind the API key): list, inspect, delete, download, and mint replay links. */
export function recordingRoutes({ recordings, store, replayTokens, transcripts }: RecordingRoutesOptions): Router {
  const router = express.Router();
  const recorder = (): Recorder => {
    if (!recordings) throw new ClassBridgeError(ErrorCode.NotFound, 'recording is off on this server (RECORDING=off, or no ffmpeg)');
    return recordings;
  };

  router.get('/recordings', async (req, res) => {
    const query = validate(listQuerySchema, req.query);
    if (!recordings) {
      res.json({ recording: 'off', recordings: [] });
      return;
    }
    const manifests = await recordings.list(query.lessonId ? { lessonId: query.lessonId } : {});
    const captioned = new Map<string, boolean>();
    for (const { lessonId } of manifests) if (!captioned.has(lessonId)) captioned.set(lessonId, await hasCaptions(transcripts, lessonId));
    res.json({ recording: 'on', recordings: manifests.map((manifest) => recordingSummary(manifest, captioned.get(manifest.lessonId) ?? false)) });
  });

  router.get('/recordings/:recordingId', async (req, res) => {
    const manifest = await recorder().get(recordingIdParam(req.params['recordingId']));
    if (!manifest) throw new ClassBridgeError(ErrorCode.NotFound, 'no such recording');
    res.json({ ...manifest, progress: recordingProgress(manifest) });
  });

  router.delete('/recordings/:recordingId', async (req, res) => {
    if (!(await recorder().delete(recordingIdParam(req.params['recordingId'])))) throw new ClassBridgeError(ErrorCode.NotFound, 'no such recording');
    res.status(204).end();
  });

  router.get('/recordings/:recordingId/files/:name', async (req, res) => {
    const recordingId = recordingIdParam(req.params['recordingId']);
    const name = fileNameParam(req.params['name']);
    const file = await mustFindFile(async () => {
      if (name !== CAPTIONS_FILE) return recorder().replayFile(recordingId, name);
      const manifest = await recorder().get(recordingId);
      return manifest ? recordingCaptions(transcripts, manifest) : null;
    });
    sendReplayFile(req, res, name, file, { download: req.query['download'] === '1' });
  });

  router.post('/lessons/:lessonId/replay-tokens', async (req, res) => {
    const lessonId = String(req.params['lessonId']);
    const body = validate(replayTokenRequestSchema, req.body ?? {});
    if (!(await store.getLesson(lessonId))) throw new ClassBridgeError(ErrorCode.NotFound, `no lesson ${lessonId}`);
    const minted = replayTokens.mint(lessonId, body.ttlSeconds);
    res.status(201).json({ ...minted, url: `/replay.html#token=${minted.token}` });
  });

  return router;
}

/** Recording ids are ours (random, url-safe): anything else is refused before it reaches storage. */
export function recordingIdParam(value: unknown): string {
  if (typeof value !== 'string' || !isRecordingId(value)) throw new ClassBridgeError(ErrorCode.BadRequest, 'invalid recording id');
  return value;
}

export function fileNameParam(value: unknown): string {
  if (typeof value !== 'string' || !isRecordingFileName(value)) throw new ClassBridgeError(ErrorCode.BadRequest, 'invalid file name');
  return value;
}
