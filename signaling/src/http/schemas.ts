import { z } from 'zod';
import { displayTextSchema, roles } from '@classbridge/protocol';
import { MAX_TOKEN_TTL_SECONDS } from '../auth/TokenService.js';

/** Body of POST /api/lessons/{lessonId}/tokens. */
export const mintTokenSchema = z
  .object({
    role: z.enum(roles),
    displayName: displayTextSchema(100).optional(),
    /** Stable id of the participant; reusing it on a new token restores role and floor on rejoin. */
    participantId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).optional(),
    classroomId: z.string().min(1).max(64).optional(),
    school: displayTextSchema(200).optional(),
    ttlSeconds: z.number().int().min(1).max(MAX_TOKEN_TTL_SECONDS).default(4 * 3600),
  })
  .strict();

export type MintTokenInput = z.infer<typeof mintTokenSchema>;

export const lessonQuerySchema = z.object({ status: z.enum(['scheduled', 'live', 'ended']).optional() }).strict();
