import { randomUUID } from 'node:crypto';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import { directorySchema, MAX_REMOVED_PARTICIPANTS, MAX_STORED_FLOOR_HOLDERS, participantIdSchema } from './schemas.js';
import type { CreateLessonInput, Directory, DirectoryInput, Lesson } from './schemas.js';
import { directoryProblems, summarizeProblems } from './directoryIntegrity.js';
import { transitionLesson } from './lessonLifecycle.js';

/*
 * The directory's changes as pure functions of its current state: every DirectoryStore applies
 * them the same way (one at a time, or compare-and-set), so the rules live here once. Each returns
 * the next state (the same object when nothing changes) and the caller's result, or throws a
 * ClassBridgeError.
 */

export interface DirectoryChange<T> {
  next: Directory;
  result: T;
}

export const emptyDirectory = (): Directory => ({ districts: [], schools: [], classrooms: [], teachers: [], lessons: [] });

/** Merges the seed (entries whose id exists are kept as they are); BAD_REQUEST if the result has duplicate ids or dangling references. */
export function importChange(current: Directory, input: DirectoryInput): DirectoryChange<void> {
  const seed = directorySchema.parse(input);
  const next = structuredClone(current);
  for (const key of ['districts', 'schools', 'classrooms', 'teachers', 'lessons'] as const) {
    const known = new Set(next[key].map((entry) => entry.id));
    for (const entry of seed[key]) if (!known.has(entry.id)) (next[key] as Array<{ id: string }>).push(entry);
  }
  const problems = directoryProblems(next);
  if (problems.length > 0) throw new ClassBridgeError(ErrorCode.BadRequest, `directory import refused: ${summarizeProblems(problems)}`);
  return { next, result: undefined };
}

/** A new scheduled lesson, within the cap on lessons scheduled or live at once. */
export function createLessonChange(current: Directory, input: CreateLessonInput, maxOpenLessons = Infinity): DirectoryChange<Lesson> {
  const open = current.lessons.filter((lesson) => lesson.status !== 'ended').length;
  if (open >= maxOpenLessons) throw new ClassBridgeError(ErrorCode.LimitExceeded, `at most ${maxOpenLessons} lessons may be scheduled or live at once`);
  const lesson = validNewLesson(current, input);
  return { next: { ...current, lessons: [...current.lessons, lesson] }, result: lesson };
}

/** scheduled → live → ended; `changed` false when the lesson is there already. */
export function lessonStatusChange(current: Directory, id: string, status: 'live' | 'ended'): DirectoryChange<{ lesson: Lesson; changed: boolean }> {
  const lesson = current.lessons.find((entry) => entry.id === id);
  if (!lesson) throw new ClassBridgeError(ErrorCode.NotFound, `no lesson ${id}`);
  const next = transitionLesson(lesson, status, new Date());
  if (next === lesson) return { next: current, result: { lesson, changed: false } };
  return { next: { ...current, lessons: current.lessons.map((entry) => (entry.id === id ? next : entry)) }, result: { lesson: next, changed: true } };
}

/** Remembers a participant the teacher removed (idempotent). */
export function removeParticipantChange(current: Directory, lessonId: string, participantId: string): DirectoryChange<Lesson> {
  // Checked here too: an id the schema refuses would make the stored directory unloadable.
  if (!participantIdSchema.safeParse(participantId).success) throw new ClassBridgeError(ErrorCode.BadRequest, `bad participant id ${JSON.stringify(participantId)}`);
  const lesson = current.lessons.find((entry) => entry.id === lessonId);
  if (!lesson) throw new ClassBridgeError(ErrorCode.NotFound, `no lesson ${lessonId}`);
  if (lesson.removedParticipantIds.includes(participantId)) return { next: current, result: lesson };
  if (lesson.removedParticipantIds.length >= MAX_REMOVED_PARTICIPANTS) {
    throw new ClassBridgeError(ErrorCode.LimitExceeded, `lesson ${lessonId} has ${MAX_REMOVED_PARTICIPANTS} removed participants already`);
  }
  const changed: Lesson = { ...lesson, removedParticipantIds: [...lesson.removedParticipantIds, participantId] };
  return { next: { ...current, lessons: current.lessons.map((entry) => (entry.id === lessonId ? changed : entry)) }, result: changed };
}

/** Remembers who holds the floor now (the lesson's owner calls this on every change). */
export function floorHoldersChange(current: Directory, lessonId: string, holderIds: readonly string[]): DirectoryChange<Lesson> {
  const lesson = current.lessons.find((entry) => entry.id === lessonId);
  if (!lesson) throw new ClassBridgeError(ErrorCode.NotFound, `no lesson ${lessonId}`);
  if (holderIds.length > MAX_STORED_FLOOR_HOLDERS || !holderIds.every((id) => participantIdSchema.safeParse(id).success)) {
    throw new ClassBridgeError(ErrorCode.BadRequest, 'bad floor holders');
  }
  if (lesson.floorHolderIds.length === holderIds.length && lesson.floorHolderIds.every((id, i) => id === holderIds[i])) return { next: current, result: lesson };
  const changed: Lesson = { ...lesson, floorHolderIds: [...holderIds] };
  return { next: { ...current, lessons: current.lessons.map((entry) => (entry.id === lessonId ? changed : entry)) }, result: changed };
}

/** Checks a new lesson against the directory: known classrooms and teacher, distinct classrooms, a free id. */
function validNewLesson(directory: Directory, input: CreateLessonInput): Lesson {
  const lessonId = input.id ?? randomUUID();
  if (directory.lessons.some((lesson) => lesson.id === lessonId)) throw new ClassBridgeError(ErrorCode.Conflict, `lesson ${lessonId} exists`);
  const classrooms = new Set(directory.classrooms.map((classroom) => classroom.id));
  for (const classroomId of [input.mainClassroomId, ...input.remoteClassroomIds]) {
    if (!classrooms.has(classroomId)) throw new ClassBridgeError(ErrorCode.NotFound, `no classroom ${classroomId}`);
  }
  if (input.remoteClassroomIds.includes(input.mainClassroomId) || new Set(input.remoteClassroomIds).size !== input.remoteClassroomIds.length) {
    throw new ClassBridgeError(ErrorCode.BadRequest, 'classrooms must be distinct, and the main classroom is not a remote one');
  }
  if (input.teacherId && !directory.teachers.some((teacher) => teacher.id === input.teacherId)) {
    throw new ClassBridgeError(ErrorCode.NotFound, `no teacher ${input.teacherId}`);
  }
  return {
    ...input,
    id: lessonId,
    status: 'scheduled',
    startedAt: null,
    endedAt: null,
    createdAt: new Date().toISOString(),
    removedParticipantIds: [],
    floorHolderIds: [],
  };
}
