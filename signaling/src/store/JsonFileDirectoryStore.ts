import fs from 'node:fs/promises';
import path from 'node:path';
import { directorySchema } from '../domain/schemas.js';
import type { Classroom, CreateLessonInput, Directory, DirectoryInput, Lesson, LessonStatus, School } from '../domain/schemas.js';
import { directoryProblems, summarizeProblems } from '../domain/directoryIntegrity.js';
import { createLessonChange, emptyDirectory, importChange, floorHoldersChange, lessonStatusChange, removeParticipantChange, type DirectoryChange } from '../domain/directoryChanges.js';
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
    return new JsonFileDirectoryStore(file, data ?? emptyDirectory());
  }

  async snapshot(): Promise<Directory> {
    return structuredClone(this.#data);
  }

  async isEmpty(): Promise<boolean> {
    return this.#data.districts.length === 0 && this.#data.lessons.length === 0;
  }

  /** Merges the seed, then refuses (BAD_REQUEST, nothing written) if the result has duplicate ids or dangling references. */
  async importDirectory(input: DirectoryInput): Promise<void> {
    await this.#update((current) => importChange(current, input));
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
    // Counted inside the serialized update, so concurrent creations cannot overshoot the cap.
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

  async close(): Promise<void> {
    this.#closed = true;
    await this.#writes;
  }

  /**
   * Applies `change` to the current state and persists the result; changes run one at a time,
   * so none is computed from a stale state. A failed write leaves memory and disk as they were.
   */
  #update<T>(change: (current: Directory) => DirectoryChange<T>): Promise<T> {
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
