import { z } from 'zod';
import { roles } from './roles.js';

/**
 * Text shown to other participants (names, schools): no markup characters and no
 * control or bidirectional-override characters, so a name can neither inject HTML
 * into a page that forgets to escape it nor disguise itself.
 */
export const displayTextSchema = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((text) => !/[<>\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(text), 'must not contain <, > or control characters');

/** Claims of a ClassBridge access token (a JWT signed by the signaling server). */
export const accessClaimsSchema = z.object({
  /** Participant id: stable across reconnects, so rejoin restores role and floor. */
  sub: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/),
  lessonId: z.string().min(1).max(128),
  role: z.enum(roles),
  name: displayTextSchema(100),
  school: displayTextSchema(200).nullable().optional(),
  classroomId: z.string().max(128).nullable().optional(),
});

export type AccessClaims = z.infer<typeof accessClaimsSchema>;
