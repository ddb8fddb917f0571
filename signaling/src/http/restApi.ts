import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Request, RequestHandler, Router } from 'express';
import type { ZodType } from 'zod';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import { createLessonSchema } from '../domain/schemas.js';
import type { DirectoryStore } from '../store/DirectoryStore.js';
import type { LiveLessonRegistry } from '../live/LiveLessonRegistry.js';
import { lessonQuerySchema, mintTokenSchema } from './schemas.js';
import type { TokenIssuer } from './TokenIssuer.js';
import type { ClientBudgets } from '../limits/ClientBudgets.js';
import type { LessonEventBus } from '@classbridge/protocol';
import { clientAddress } from '../limits/clientAddress.js';

export interface RestApiOptions {
  adminApiKey: string;
  store: DirectoryStore;
  registry: LiveLessonRegistry;
  issuer: TokenIssuer;
  budgets: ClientBudgets;
  trustProxyHops: number;
  maxOpenLessons: number;
  events: LessonEventBus;
  /** Mounted at /webhooks, behind the same key check. */
  webhookRoutes: Router;
  /** /recordings and /lessons/:id/replay-tokens, behind the same key check. */
  recordingRoutes: Router;
  /** /lessons/:id/transcript and /transcripts/search, behind the same key check. */
  transcriptRoutes: Router;
}

/** The admin REST API under /api (described in openapi.ts). */
export function restApi({ adminApiKey, store, registry, issuer, budgets, trustProxyHops, maxOpenLessons, events, webhookRoutes, recordingRoutes, transcriptRoutes }: RestApiOptions): Router {
  const router = express.Router();
  router.use(requireApiKey(adminApiKey, budgets, trustProxyHops));
  router.use(recordingRoutes);
  router.use(transcriptRoutes);

  router.get('/directory', async (_req, res) => {
    const { lessons: _lessons, ...directory } = await store.snapshot();
    res.json(directory);
  });

  router.get('/lessons', async (req, res) => {
    const query = validate(lessonQuerySchema, req.query);
    res.json({ lessons: await store.listLessons(query) });
  });

  router.post('/lessons', async (req, res) => {
    const lesson = await store.createLesson(validate(createLessonSchema, req.body), { maxOpenLessons });
    res.status(201).json(lesson);
  });

  router.get('/lessons/:lessonId', async (req, res) => {
    res.json(await mustGetLesson(store, param(req, 'lessonId')));
  });

  router.post('/lessons/:lessonId/start', async (req, res) => {
    const lessonId = param(req, 'lessonId');
    const { lesson, changed } = await store.setLessonStatus(lessonId, 'live');
    if (changed) events.publish({ type: 'lesson.started', lessonId });
    res.json(lesson);
  });

  router.post('/lessons/:lessonId/end', async (req, res) => {
    const lessonId = param(req, 'lessonId');
    await mustGetLesson(store, lessonId);
    await registry.endLesson(lessonId, null);
    res.json(await mustGetLesson(store, lessonId));
  });

  router.get('/lessons/:lessonId/participants', async (req, res) => {
    const lessonId = param(req, 'lessonId');
    await mustGetLesson(store, lessonId);
    const live = await registry.find(lessonId);
    res.json({ participants: live?.participants() ?? [], floor: live?.floorState() ?? { holders: [], raisedHands: [] } });
  });

  router.post('/lessons/:lessonId/tokens', async (req, res) => {
    const { token, expiresAt, claims, ice } = await issuer.issue(param(req, 'lessonId'), validate(mintTokenSchema, req.body ?? {}));
    res.status(201).json({ token, expiresAt, participantId: claims.sub, role: claims.role, displayName: claims.name, ...ice });
  });

  router.use('/webhooks', webhookRoutes);

  router.use((_req, _res, next) => next(new ClassBridgeError(ErrorCode.NotFound, 'no such API route')));
  return router;
}

export function validate<T>(schema: ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ClassBridgeError(ErrorCode.BadRequest, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

async function mustGetLesson(store: DirectoryStore, lessonId: string) {
  const lesson = await store.getLesson(lessonId);
  if (!lesson) throw new ClassBridgeError(ErrorCode.NotFound, `no lesson ${lessonId}`);
  return lesson;
}

function param(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string' || value.length > 64) throw new ClassBridgeError(ErrorCode.BadRequest, `bad ${name}`);
  return value;
}

/**
 * `x-api-key: <key>` or `Authorization: Bearer <key>`, compared in constant time.
 * An address that presented too many wrong keys gets 429 for every admin call,
 * right or wrong key, until its budget refills: guessing cannot go faster than that.
 */
function requireApiKey(expected: string, budgets: ClientBudgets, trustProxyHops: number): RequestHandler {
  const expectedDigest = digest(expected);
  return (req, _res, next) => {
    const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxyHops);
    budgets.adminAuthFailures.assertAvailable(address);
    const bearer = req.get('authorization')?.match(/^Bearer (.+)$/)?.[1];
    const presented = req.get('x-api-key') ?? bearer;
    if (!presented || !timingSafeEqual(digest(presented), expectedDigest)) {
      budgets.adminAuthFailures.take(address);
      next(new ClassBridgeError(ErrorCode.Unauthorized, 'an admin API key is required (header x-api-key)'));
      return;
    }
    next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
