import type { Classroom, CreateLessonInput, Directory, DirectoryInput, Lesson, LessonStatus, School } from '../domain/schemas.js';

/**
 * Where districts, schools, classrooms, teachers and lessons live.
 * The embedded default keeps them in a JSON file under DATA_DIR (JsonFileDirectoryStore);
 * a cluster keeps them in a shared store behind this same interface.
 */
export interface DirectoryStore {
  snapshot(): Promise<Directory>;
  isEmpty(): Promise<boolean>;
  /**
   * Adds seed data; entries whose id exists already are left as they are.
   * Throws (nothing written) if the merged directory would have duplicate ids or dangling references.
   */
  importDirectory(input: DirectoryInput): Promise<void>;
  getSchool(id: string): Promise<School | undefined>;
  getClassroom(id: string): Promise<Classroom | undefined>;
  listLessons(filter?: { status?: LessonStatus }): Promise<Lesson[]>;
  getLesson(id: string): Promise<Lesson | undefined>;
  /** Validates references; throws ClassBridgeError NOT_FOUND/CONFLICT/BAD_REQUEST. */
  createLesson(input: CreateLessonInput, options?: { maxOpenLessons?: number }): Promise<Lesson>;
  /**
   * Moves a lesson along scheduled → live → ended; throws INVALID_STATE otherwise.
   * `changed` is true for exactly one of concurrent callers asking for the same move (so only one announces it).
   */
  setLessonStatus(id: string, status: 'live' | 'ended'): Promise<{ lesson: Lesson; changed: boolean }>;
  /**
   * Remembers durably that the teacher removed `participantId` from the lesson, whatever its status,
   * so the same token does not get back in after a restart. Idempotent; throws ClassBridgeError
   * NOT_FOUND for an unknown lesson.
   */
  removeParticipant(lessonId: string, participantId: string): Promise<Lesson>;
  /** Remembers who holds the lesson's floor, so whoever serves the lesson next gives it back. Throws NOT_FOUND for an unknown lesson. */
  setFloorHolders(lessonId: string, holderIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
