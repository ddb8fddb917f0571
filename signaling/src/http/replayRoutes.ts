import express from 'express';
import type { Router } from 'express';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { Recorder } from '@classbridge/recorder';
import type { ReplayTokens } from '../recordings/ReplayTokens.js';
import { fileNameParam, recordingIdParam } from './recordingRoutes.js';
import { mustFindFile, sendReplayFile } from './replayFiles.js';
import type { TranscriptStore } from '@classbridge/ai';
import { CAPTIONS_FILE, recordingCaptions } from '../recordings/recordingCaptions.js';

/**
 * Replay for viewers, mounted at /replay: everything needs a replay token for
 * the lesson, carried as the first path segment, so the HLS playlist's relative
 * segment URIs carry it too. Nothing can be listed or guessed without one.
 */
export function replayRoutes(recordings: Recorder | undefined, replayTokens: ReplayTokens, transcripts: TranscriptStore | undefined): Router {
  const router = express.Router();
  const recorder = (): Recorder => {
    if (!recordings) throw new ClassBridgeError(ErrorCode.NotFound, 'recording is off on this server');
    return recordings;
  };

  router.get('/:token/recordings', async (req, res) => {
    const { lessonId } = replayTokens.verify(String(req.params['token']));
    const ready = (await recorder().list({ lessonId })).filter((manifest) => manifest.state === 'ready');
    const transcript = await transcripts?.get(lessonId);
    const captions = transcript?.captions.length ? CAPTIONS_FILE : null;
    res.set('Cache-Control', 'private, no-store');
    res.json({
      lessonId,
      lesson: ready[0]?.lesson ?? null,
      recordings: ready.map((manifest) => ({
        recordingId: manifest.recordingId,
        lesson: manifest.lesson,
        startedAt: manifest.startedAt,
        durationMs: manifest.durationMs,
        interrupted: manifest.interrupted,
        playlist: manifest.replay?.playlist ?? null,
        mp4: manifest.replay?.mp4 ?? null,
        thumbnail: manifest.replay?.thumbnail ?? null,
        captions,
        /** The captions' language (the <track>'s srclang). */
        language: transcript?.language ?? null,
      })),
    });
  });

  const serve: express.RequestHandler = async (req, res) => {
    const { lessonId } = replayTokens.verify(String(req.params['token']));
    const recordingId = recordingIdParam(req.params['recordingId']);
    const name = fileNameParam(req.params['file']);
    const manifest = await recorder().get(recordingId);
    // Another lesson's recording answers exactly like a missing one.
    if (!manifest || manifest.lessonId !== lessonId) throw new ClassBridgeError(ErrorCode.NotFound, 'no such recording file');
    const file = await mustFindFile(() => (name === CAPTIONS_FILE ? recordingCaptions(transcripts, manifest) : recorder().replayFile(recordingId, name)));
    sendReplayFile(req, res, name, file, { download: req.query['download'] === '1' });
  };
  router.get('/:token/:recordingId/:file', serve);
  router.head('/:token/:recordingId/:file', serve);
  return router;
}
