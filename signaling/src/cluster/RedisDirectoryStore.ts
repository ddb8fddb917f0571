import type { RedisClientType } from 'redis';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import { orUnavailable } from './orUnavailable.js';
import { directorySchema } from '../domain/schemas.js';
import type { Classroom, CreateLessonInput, Directory, DirectoryInput, Lesson, LessonStatus, School } from '../domain/schemas.js';
import { directoryProblems, summarizeProblems } from '../domain/directoryIntegrity.js';
import { createLessonChange, emptyDirectory, importChange, floorHoldersChange, lessonStatusChange, removeParticipantChange, type DirectoryChange } from '../domain/directoryChanges.js';
import type { DirectoryStore } from '../store/DirectoryStore.js';

/** Sets the document only if nobody changed it since `version` was read; answers the new version, or 0. */
const COMPARE_AND_SET = `
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if current ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return redis.call('INCR', KEYS[2])`;

/** Conflicting writers retry this often before the caller hears of it (CONFLICT). */
const MAX_ATTEMPTS = 50;

/**
 * The directory of a cluster, shared by every signaling node: one JSON document in Redis (a
 * district's directory is hundreds of records) with a version counter. Changes are the same pure
 * functions the file store applies (directoryChanges), made atomic by compare-and-set: a writer
 * whose read went stale retries on the new state, so concurrent creations, status moves and caps
 * hold across nodes as they do in one process. Reads use a copy refreshed when the version moves.
 * What is read from Redis is validated like a file would be: a corrupt document is refused, never
 * overwritten.
 */
export class RedisDirectoryStore implements DirectoryStore {
  readonly #redis: RedisClientType;
  readonly #documentKey: string;
  readonly #versionKey: string;
  #cached: { version: number; data: Directory } | null = null;
  #closed = false;

  constructor(redis: RedisClientType, { prefix = 'classbridge:' }: { prefix?: string } = {}) {
    this.#redis = redis;
    this.#documentKey = `${prefix}directory`;
    this.#versionKey = `${prefix}directory:version`;
  }

  async snapshot(): Promise<Directory> {
    return structuredClone((await this.#read()).data);
  }

  async isEmpty(): Promise<boolean> {
    const { data } = await this.#read();
    return data.districts.length === 0 && data.lessons.length === 0;
  }

  async importDirectory(input: DirectoryInput): Promise<void> {
    await this.#update((current) => importChange(current, input));
  }

  async getSchool(id: string): Promise<School | undefined> {
    return (await this.#read()).data.schools.find((school) => school.id === id);
  }

  async getClassroom(id: string): Promise<Classroom | undefined> {
    return (await this.#read()).data.classrooms.find((classroom) => classroom.id === id);
  }

  async listLessons(filter: { status?: LessonStatus } = {}): Promise<Lesson[]> {
    return (await this.#read()).data.lessons.filter((lesson) => !filter.status || lesson.status === filter.status);
  }

  async getLesson(id: string): Promise<Lesson | undefined> {
    return (await this.#read()).data.lessons.find((lesson) => lesson.id === id);
  }

  async createLesson(input: CreateLessonInput, { maxOpenLessons = Infinity }: { maxOpenLessons?: number } = {}): Promise<Lesson> {
    return this.#update((current) => createLessonChange(current, input, maxOpenLessons));
  }

  async setLessonStatus(id: string, status: 'live' | 'ended'): Promise<{ lesson: Lesson; changed: boolean }> {
    return this.#update((current) => lessonStatusChange(current, id, status));
  }

  async removeParticipant(lessonId: string, participantId: string): Promise<Lesson> {
    return this.#update((current) => removeParticipantChange(current, lessonId, participantId));
  }

  async setFloorHolders(lessonId: string, holderIds: readonly string[]): Promise<void> {
    await this.#update((current) => floorHoldersChange(current, lessonId, holderIds));
  }

  /** The Redis client is the owner's to close. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  async #update<T>(change: (current: Directory) => DirectoryChange<T>): Promise<T> {
    if (this.#closed) throw new Error('directory store is closed');
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.#read();
      const { next, result } = change(current.data);
      if (next === current.data) return result;
      const version = Number(await orUnavailable(this.#redis.eval(COMPARE_AND_SET, { keys: [this.#documentKey, this.#versionKey], arguments: [String(current.version), JSON.stringify(next)] })));
      if (version > 0) {
        this.#cached = { version, data: next };
        return result;
      }
      // Another node wrote meanwhile: compute the change again on what it wrote.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
    }
    throw new ClassBridgeError(ErrorCode.Conflict, 'the directory is changing too fast; try again');
  }

  async #read(): Promise<{ version: number; data: Directory }> {
    if (this.#closed) throw new Error('directory store is closed');
    const version = Number((await orUnavailable(this.#redis.get(this.#versionKey))) ?? '0');
    if (this.#cached?.version === version) return this.#cached;
    const [versionNow, text] = await orUnavailable(this.#redis.mGet([this.#versionKey, this.#documentKey]));
    const data = text == null ? emptyDirectory() : parseDirectory(text, this.#documentKey);
    this.#cached = { version: Number(versionNow ?? '0'), data };
    return this.#cached;
  }
}

function parseDirectory(text: string, key: string): Directory {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`Redis key ${key} is not valid JSON; fix or delete it (nothing was overwritten)`);
  }
  const parsed = directorySchema.safeParse(json);
  if (!parsed.success) throw new Error(`Redis key ${key} does not match the directory schema: ${parsed.error.issues[0]?.message ?? ''} (nothing was overwritten)`);
  const problems = directoryProblems(parsed.data);
  if (problems.length > 0) throw new Error(`Redis key ${key} is inconsistent: ${summarizeProblems(problems)} (nothing was overwritten)`);
  return parsed.data;
}
