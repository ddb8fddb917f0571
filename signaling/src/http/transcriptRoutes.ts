import express from 'express';
import type { Response, Router } from 'express';
import { z } from 'zod';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { TranscriptStore } from '@classbridge/ai';
import type { DirectoryStore } from '../store/DirectoryStore.js';
import type { ReplayTokens } from '../recordings/ReplayTokens.js';
import { validate } from './restApi.js';

const formatQuery = z.object({ format: z.enum(['json', 'vtt', 'srt']).default('json'), download: z.enum(['0', '1']).optional() }).strict();
const searchQuery = z
  .object({
    q: z.string().trim().min(1, 'q (the text to find) is required').max(100),
    lessonId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
const lessonSearchQuery = searchQuery.omit({ lessonId: true });

const CONTENT_TYPES = { json: 'application/json; charset=utf-8', vtt: 'text/vtt; charset=utf-8', srt: 'application/x-subrip; charset=utf-8' } as const;

/** Admin routes (behind the API key): a lesson's transcript, and search over every transcript. */
export function adminTranscriptRoutes(transcripts: TranscriptStore | undefined, store: DirectoryStore): Router {
  const router = express.Router();

  router.get('/lessons/:lessonId/transcript', async (req, res) => {
    const lessonId = String(req.params['lessonId']);
    const query = validate(formatQuery, req.query);
    await sendTranscript(res, mustHave(transcripts), lessonId, query.format, query.download === '1');
  });

  router.get('/transcripts/search', async (req, res) => {
    const query = validate(searchQuery, req.query);
    const hits = await mustHave(transcripts).search(query.q, { ...(query.lessonId ? { lessonIds: [query.lessonId] } : {}), limit: query.limit });
    const titles = new Map<string, string | null>();
    for (const hit of hits) if (!titles.has(hit.lessonId)) titles.set(hit.lessonId, (await store.getLesson(hit.lessonId))?.title ?? null);
    res.json({ query: query.q, hits: hits.map((hit) => ({ ...hit, lessonTitle: titles.get(hit.lessonId) ?? null })) });
  });

  return router;
}

/**
 * Viewer routes under /replay/:token (the replay token's lesson only, like its recordings): the
 * transcript, and search within it. Mounted before the recording file route.
 */
export function replayTranscriptRoutes(transcripts: TranscriptStore | undefined, replayTokens: ReplayTokens): Router {
  const router = express.Router();

  router.get('/:token/transcript', async (req, res) => {
    const { lessonId } = replayTokens.verify(String(req.params['token']));
    const query = validate(formatQuery, req.query);
    await sendTranscript(res, mustHave(transcripts), lessonId, query.format, query.download === '1');
  });

  router.get('/:token/transcript/search', async (req, res) => {
    const { lessonId } = replayTokens.verify(String(req.params['token']));
    const query = validate(lessonSearchQuery, req.query);
    res.set('Cache-Control', 'private, no-store');
    res.json({ query: query.q, hits: await mustHave(transcripts).search(query.q, { lessonIds: [lessonId], limit: query.limit }) });
  });

  return router;
}

async function sendTranscript(res: Response, transcripts: TranscriptStore, lessonId: string, format: 'json' | 'vtt' | 'srt', download: boolean): Promise<void> {
  const body = format === 'json' ? await transcripts.get(lessonId) : await transcripts.rendered(lessonId, format);
  if (body === null) throw new ClassBridgeError(ErrorCode.NotFound, 'this lesson has no transcript');
  res.set('Content-Type', CONTENT_TYPES[format]);
  res.set('Cache-Control', 'private, no-cache');
  if (download) res.set('Content-Disposition', `attachment; filename="${lessonId}.${format}"`);
  res.send(format === 'json' ? JSON.stringify(body) : body);
}

function mustHave(transcripts: TranscriptStore | undefined): TranscriptStore {
  if (!transcripts) throw new ClassBridgeError(ErrorCode.NotFound, 'captions and transcripts are off on this server (CAPTIONS=off)');
  return transcripts;
}
