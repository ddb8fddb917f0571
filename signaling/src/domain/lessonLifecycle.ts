import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { Lesson } from './schemas.js';

/** scheduled → live → ended; also scheduled → ended (cancelled). Starting a live lesson again is a no-op. */
export function transitionLesson(lesson: Lesson, status: 'live' | 'ended', now: Date): Lesson {
  if (lesson.status === status) return lesson;
  if (lesson.status === 'ended') throw new ClassBridgeError(ErrorCode.InvalidState, `lesson ${lesson.id} has ended`);
  const at = now.toISOString();
  return status === 'live' ? { ...lesson, status, startedAt: at } : { ...lesson, status, endedAt: at };
}
