import { z } from 'zod';
import { roles } from './roles.js';

/** Claims of a ClassBridge access token (a JWT signed by the signaling server). */
export const accessClaimsSchema = z.object({
  /** Participant id: stable across reconnects, so rejoin restores role and floor. */
  sub: z.string().min(1).max(128),
  lessonId: z.string().min(1).max(128),
  role: z.enum(roles),
  name: z.string().min(1).max(100),
  school: z.string().max(200).nullable().optional(),
  classroomId: z.string().max(128).nullable().optional(),
});

export type AccessClaims = z.infer<typeof accessClaimsSchema>;
