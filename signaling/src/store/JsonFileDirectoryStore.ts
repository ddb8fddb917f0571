import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import { directorySchema, MAX_REMOVED_PARTICIPANTS, participantIdSchema } from '../domain/schemas.js';
import type { Classroom, CreateLessonInput, Directory, DirectoryInput, Lesson, LessonStatus, School } from '../domain/schemas.js';
import { directoryProblems, summarizeProblems } from '../domain/directoryIntegrity.js';
import { transitionLesson } from '../domain/lessonLifecycle.js';
import type { DirectoryStore } from './DirectoryStore.js';

const FILE_NAME = 'directory.json';
/** What #writeFile leaves behind if the process dies between open and rename: `directory.json.<pid>.tmp`. */
const STRAY_TMP = /^directory\.json\.[0-9]+\.tmp$/;

/**
 * The embedded store: the whole directory in memory, persisted as one JSON file.
 *
 * A district's directory is small (hundreds of records) and changes a few times
 * per lesson, so a file is enough. Every change is written to a temporary file,
 * fsynced and renamed over the old one: after a crash the file is either the old
 * or the new version, never half of each. Writes are serialized.
 */
export class JsonFileDirectoryStore implements DirectoryStore {
  readonly #file: string;
  #data: Directory;
  #writes: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(file: string, data: Directory) {
    this.#file = file;
    this.#data = data;
  }

  /**
   * Opens (or creates) the store in `dataDir`. A corrupt or inconsistent file (duplicate ids,
   * dangling references) stops start-up rather than being overwritten. Once the file has loaded,
   * temporary files a crashed write left behind are deleted.
   */
  static async open(dataDir: string): Promise<JsonFileDirectoryStore> {
    await fs.mkdir(dataDir, { recursive: true });
    const file = path.join(dataDir, FILE_NAME);
    const data = await readDirectoryFile(file);
    await removeStrayTmpFiles(dataDir);
    return new JsonFileDirectoryStore(file, data ?? { districts: [], schools: [], classrooms: [], teachers: [], lessons: [] });
  }

  async snapshot(): Promise<Directory> {
    return structuredClone(this.#data);
  }

  async isEmpty(): Promise<boolean> {
    return this.#data.districts.length === 0 && this.#data.lessons.length === 0;
  }

  /** Merges the seed, then refuses (BAD_REQUEST, nothing written) if the result has duplicate ids or dangling references. */
  async importDirectory(input: DirectoryInput): Promise<void> {
    const seed = directorySchema.parse(input);
    await this.#update((current) => {
      const next = structuredClone(current);
      for (const key of ['districts', 'schools', 'classrooms', 'teachers', 'lessons'] as const) {
        const known = new Set(next[key].map((entry) => entry.id));
        for (const entry of seed[key]) if (!known.has(entry.id)) (next[key] as Array<{ id: string }>).push(entry);
      }
      const problems = directoryProblems(next);
      if (problems.length > 0) throw new ClassBridgeError(ErrorCode.BadRequest, `directory import refused: ${summarizeProblems(problems)}`);
      return { next, result: undefined };
    });
  }

  async getSchool(id: string): Promise<School | undefined> {
    return this.#data.schools.find((school) => school.id === id);
  }

  async getClassroom(id: string): Promise<Classroom | undefined> {
    return this.#data.classrooms.find((classroom) => classroom.id === id);
  }

  async listLessons(filter: { status?: LessonStatus } = {}): Promise<Lesson[]> {
    return this.#data.lessons.filter((lesson) => !filter.status || lesson.status === filter.status);
  }

  async getLesson(id: string): Promise<Lesson | undefined> {
    return this.#data.lessons.find((lesson) => lesson.id === id);
  }

  async createLesson(input: CreateLessonInput, { maxOpenLessons = Infinity }: { maxOpenLessons?: number } = {}): Promise<Lesson> {
    return this.#update((current) => {
      // Counted inside the serialized update, so concurrent creations cannot overshoot the cap.
      const open = current.lessons.filter((lesson) => lesson.status !== 'ended').length;
      if (open >= maxOpenLessons) throw new ClassBridgeError(ErrorCode.LimitExceeded, `at most ${maxOpenLessons} lessons may be scheduled or live at once`);
      const lesson = validNewLesson(current, input);
      return { next: { ...current, lessons: [...current.lessons, lesson] }, result: lesson };
    });
  }

  async setLessonStatus(id: string, status: 'live' | 'ended'): Promise<{ lesson: Lesson; changed: boolean }> {
    return this.#update<{ lesson: Lesson; changed: boolean }>((current) => {
      const lesson = current.lessons.find((entry) => entry.id === id);
      if (!lesson) throw new ClassBridgeError(ErrorCode.NotFound, `no lesson ${id}`);
      const next = transitionLesson(lesson, status, new Date());
      if (next === lesson) return { next: current, result: { lesson, changed: false } };
      return { next: { ...current, lessons: current.lessons.map((entry) => (entry.id === id ? next : entry)) }, result: { lesson: next, changed: true } };
    });
  }

  async removeParticipant(lessonId: string, participantId: string): Promise<Lesson> {
    // Checked here too: an id the schema refuses would make the file unloadable at the next start.
    if (!participantIdSchema.safeParse(participantId).success) throw new ClassBridgeError(ErrorCode.BadRequest, `bad participant id ${JSON.stringify(participantId)}`);
    return this.#update((current) => {
      const lesson = current.lessons.find((entry) => entry.id === lessonId);
      if (!lesson) throw new ClassBridgeError(ErrorCode.NotFound, `no lesson ${lessonId}`);
      if (lesson.removedParticipantIds.includes(participantId)) return { next: current, result: lesson };
      if (lesson.removedParticipantIds.length >= MAX_REMOVED_PARTICIPANTS) {
        throw new ClassBridgeError(ErrorCode.LimitExceeded, `lesson ${lessonId} has ${MAX_REMOVED_PARTICIPANTS} removed participants already`);
      }
      const changed: Lesson = { ...lesson, removedParticipantIds: [...lesson.removedParticipantIds, participantId] };
      return { next: { ...current, lessons: current.lessons.map((entry) => (entry.id === lessonId ? changed : entry)) }, result: changed };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#writes;
  }

  /**
   * Applies `change` to the current state and persists the result; changes run one at a time,
   * so none is computed from a stale state. A failed write leaves memory and disk as they were.
   */
  #update<T>(change: (current: Directory) => { next: Directory; result: T }): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('directory store is closed'));
    const run = this.#writes.then(async () => {
      const { next, result } = change(this.#data);
      if (next !== this.#data) {
        await this.#writeFile(next);
        this.#data = next;
      }
      return result;
    });
    this.#writes = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #writeFile(data: Directory): Promise<void> {
    const tmp = `${this.#file}.${process.pid}.tmp`;
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(data, null, 1));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, this.#file);
    const dir = await fs.open(path.dirname(this.#file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
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
  };
}

/** The directory in `file`, or undefined if there is none; throws, naming the file, if it is unreadable, invalid or inconsistent. */
async function readDirectoryFile(file: string): Promise<Directory | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON; fix or move it away (nothing was overwritten)`);
  }
  const parsed = directorySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
    throw new Error(`${file} does not match the directory schema: ${where}${issue?.message ?? ''}; fix or move it away (nothing was overwritten)`);
  }
  const problems = directoryProblems(parsed.data);
  if (problems.length > 0) {
    throw new Error(`${file} is inconsistent (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${summarizeProblems(problems)}; fix or move it away (nothing was overwritten)`);
  }
  return parsed.data;
}

/** Deletes `directory.json.<pid>.tmp` files a crash left in `dataDir`; nothing else is touched. */
async function removeStrayTmpFiles(dataDir: string): Promise<void> {
  const entries = await fs.readdir(dataDir, { withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !STRAY_TMP.test(entry.name)) continue;
    await fs.rm(path.join(dataDir, entry.name), { force: true });
  }
}
