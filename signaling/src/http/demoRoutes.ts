import express from 'express';
import type { Router } from 'express';
import { z } from 'zod';
import { displayTextSchema, roles } from '@classbridge/protocol';
import type { DirectoryStore } from '../store/DirectoryStore.js';
import type { TokenIssuer } from './TokenIssuer.js';
import { validate } from './restApi.js';
import type { Recorder } from '@classbridge/recorder';
import type { ReplayTokens } from '../recordings/ReplayTokens.js';
import { recordingSummary } from './recordingRoutes.js';
import type { TranscriptStore } from '@classbridge/ai';
import { hasCaptions } from '../recordings/recordingCaptions.js';

const seatSchema = z
  .object({
    role: z.enum(roles),
    classroomId: z.string().min(1).max(64).optional(),
    displayName: displayTextSchema(100).optional(),
  })
  .strict();

/**
 * DEMO=1 only: lets the demo pages pick a seat without an admin key. It mints
 * tokens for anyone, so it is never mounted outside demo mode.
 */
export function demoRoutes(store: DirectoryStore, issuer: TokenIssuer, recordings: Recorder | undefined, replayTokens: ReplayTokens, transcripts: TranscriptStore | undefined): Router {
  const router = express.Router();
  // Every recording with a fresh replay link per lesson, so the demo replay page needs no admin key.
  router.get('/recordings', async (_req, res) => {
    const manifests = recordings ? await recordings.list() : [];
    const links = new Map<string, string>();
    const captioned = new Map<string, boolean>();
    for (const { lessonId } of manifests) {
      if (links.has(lessonId)) continue;
      links.set(lessonId, replayTokens.mint(lessonId, 4 * 3600).token);
      captioned.set(lessonId, await hasCaptions(transcripts, lessonId));
    }
    res.json({ recordings: manifests.map((manifest) => ({ ...recordingSummary(manifest, captioned.get(manifest.lessonId) ?? false), token: links.get(manifest.lessonId) })) });
  });
  router.get('/lessons', async (_req, res) => {
    const directory = await store.snapshot();
    const classroomName = new Map(directory.classrooms.map((c) => [c.id, c.name]));
    const schoolOf = new Map(directory.classrooms.map((c) => [c.id, directory.schools.find((s) => s.id === c.schoolId)?.name ?? '']));
    res.json({
      lessons: directory.lessons
        .filter((lesson) => lesson.status !== 'ended')
        .map((lesson) => ({
          ...lesson,
          mainClassroom: { id: lesson.mainClassroomId, name: classroomName.get(lesson.mainClassroomId), school: schoolOf.get(lesson.mainClassroomId) },
          remoteClassrooms: lesson.remoteClassroomIds.map((id) => ({ id, name: classroomName.get(id), school: schoolOf.get(id) })),
        })),
    });
  });
  router.post('/lessons/:lessonId/seat', async (req, res) => {
    const seat = validate(seatSchema, req.body ?? {});
    const { token, claims } = await issuer.issue(String(req.params['lessonId']), { ...seat, ttlSeconds: 4 * 3600 });
    res.status(201).json({ token, participantId: claims.sub, role: claims.role, displayName: claims.name });
  });
  return router;
}
