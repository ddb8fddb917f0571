import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode } from '@classbridge/protocol';
import { demoDistrict } from '@classbridge/seeds';
import { JsonFileDirectoryStore } from '../src/store/JsonFileDirectoryStore.js';
import { createLessonSchema, directorySchema } from '../src/domain/schemas.js';
import type { Directory } from '../src/domain/schemas.js';
import { directoryProblems } from '../src/domain/directoryIntegrity.js';

const lessonInput = {
  title: 'Music',
  subject: 'music',
  teacherId: 't-wang-li',
  mainClassroomId: 'qh-exp-g4-1',
  remoteClassroomIds: ['qh-shangling-g4'],
  scheduledStart: '2026-11-23T08:00:00.000Z',
  durationMinutes: 40,
  recording: true,
  language: 'zh' as const,
  captions: true,
};

/** The demo district as the store keeps it (defaults filled in). */
const demo = (): Directory => directorySchema.parse(demoDistrict(new Date('2026-11-23T07:55:00.000Z')));

/** Ways a directory file can be schema-valid yet inconsistent, and what the refusal must say. */
const inconsistencies: Array<[string, (d: Directory) => void, RegExp]> = [
  ['two lessons with one id', (d) => d.lessons.push({ ...d.lessons[0]!, title: 'Copy' }), /duplicate lesson id "demo-music-g4"/],
  ['two districts with one id', (d) => d.districts.push({ ...d.districts[0]! }), /duplicate district id "qinghe"/],
  ['two schools with one id', (d) => d.schools.push({ ...d.schools[1]!, name: 'Twin' }), /duplicate school id "qh-shangling"/],
  ['two classrooms with one id', (d) => d.classrooms.push({ ...d.classrooms[0]! }), /duplicate classroom id "qh-exp-g4-1"/],
  ['two teachers with one id', (d) => d.teachers.push({ ...d.teachers[0]! }), /duplicate teacher id "t-wang-li"/],
  ['a school of an unknown district', (d) => (d.schools[0]!.districtId = 'atlantis'), /school "qh-exp" names unknown district "atlantis"/],
  ['a classroom of an unknown school', (d) => (d.classrooms[0]!.schoolId = 'nowhere'), /classroom "qh-exp-g4-1" names unknown school "nowhere"/],
  ['a teacher of an unknown school', (d) => (d.teachers[0]!.schoolId = 'nowhere'), /teacher "t-wang-li" names unknown school "nowhere"/],
  ['a lesson in an unknown main classroom', (d) => (d.lessons[0]!.mainClassroomId = 'gone'), /lesson "demo-music-g4" names unknown main classroom "gone"/],
  ['a lesson with an unknown remote classroom', (d) => d.lessons[0]!.remoteClassroomIds.push('nowhere'), /lesson "demo-music-g4" names unknown remote classroom "nowhere"/],
  ['a lesson with an unknown teacher', (d) => (d.lessons[1]!.teacherId = 't-nobody'), /lesson "demo-english-g4" names unknown teacher "t-nobody"/],
  ['a lesson whose main classroom is also remote', (d) => d.lessons[0]!.remoteClassroomIds.push('qh-exp-g4-1'), /lists its main classroom "qh-exp-g4-1" as a remote one/],
  ['a lesson listing a remote classroom twice', (d) => d.lessons[0]!.remoteClassroomIds.push('qh-xiahe-mixed'), /lists remote classroom "qh-xiahe-mixed" twice/],
];

describe('JsonFileDirectoryStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cb-store-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps the seeded district and lesson changes across a restart', async () => {
    const store = await JsonFileDirectoryStore.open(dir);
    expect(await store.isEmpty()).toBe(true);
    await store.importDirectory(demoDistrict(new Date()));
    const created = await store.createLesson({ ...lessonInput, id: 'extra' });
    await store.setLessonStatus('extra', 'live');
    await store.close();

    const reopened = await JsonFileDirectoryStore.open(dir);
    const snapshot = await reopened.snapshot();
    expect(snapshot.schools.filter((s) => s.kind === 'rural')).toHaveLength(3);
    expect(await reopened.getLesson('extra')).toMatchObject({ id: created.id, status: 'live' });
    expect((await reopened.getLesson('extra'))?.startedAt).toEqual(expect.any(String));
  });

  it('loses no update when lessons are created concurrently', async () => {
    const store = await JsonFileDirectoryStore.open(dir);
    await store.importDirectory(demoDistrict(new Date()));
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.createLesson({ ...lessonInput, id: `c${i}` })));
    await store.close();
    const reopened = await JsonFileDirectoryStore.open(dir);
    const ids = (await reopened.listLessons()).map((l) => l.id).filter((id) => id.startsWith('c'));
    expect(ids).toHaveLength(20);
  });

  it('reports a status change to exactly one of concurrent callers, and caps open lessons under concurrency', async () => {
    const store = await JsonFileDirectoryStore.open(dir);
    await store.importDirectory(demoDistrict(new Date()));
    const starts = await Promise.all(Array.from({ length: 5 }, () => store.setLessonStatus('demo-music-g4', 'live')));
    expect(starts.filter((s) => s.changed)).toHaveLength(1);
    expect(starts.every((s) => s.lesson.status === 'live')).toBe(true);
    const open = (await store.listLessons()).filter((l) => l.status !== 'ended').length;
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.createLesson({ ...lessonInput, id: `cap${i}` }, { maxOpenLessons: open + 3 }).then(() => 'ok', (e: { code: string }) => e.code)),
    );
    expect(created.filter((r) => r === 'ok')).toHaveLength(3);
    expect(created.filter((r) => r === ErrorCode.LimitExceeded)).toHaveLength(7);
    await store.close();
  });

  it('checks references and the lesson lifecycle', async () => {
    const store = await JsonFileDirectoryStore.open(dir);
    await store.importDirectory(demoDistrict(new Date()));
    await expect(store.createLesson({ ...lessonInput, remoteClassroomIds: ['nowhere'] })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(store.createLesson({ ...lessonInput, remoteClassroomIds: ['qh-exp-g4-1'] })).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    await expect(store.createLesson({ ...lessonInput, id: 'demo-music-g4' })).rejects.toMatchObject({ code: ErrorCode.Conflict });
    await store.setLessonStatus('demo-music-g4', 'ended');
    await expect(store.setLessonStatus('demo-music-g4', 'live')).rejects.toMatchObject({ code: ErrorCode.InvalidState });
  });

  it('refuses to start on a corrupt file instead of overwriting it', async () => {
    await fs.writeFile(path.join(dir, 'directory.json'), '{"districts": [');
    await expect(JsonFileDirectoryStore.open(dir)).rejects.toThrow(/not valid JSON/);
    expect(await fs.readFile(path.join(dir, 'directory.json'), 'utf8')).toBe('{"districts": [');
    await fs.writeFile(path.join(dir, 'directory.json'), '{"districts": 5}');
    await expect(JsonFileDirectoryStore.open(dir)).rejects.toThrow(/schema/);
  });

  describe('directory integrity', () => {
    it('finds nothing wrong with the demo district, nor with a lesson without teacher', () => {
      const directory = demo();
      directory.lessons[0]!.teacherId = null;
      expect(directoryProblems(directory)).toEqual([]);
    });

    it.each(inconsistencies)('refuses to start on a file with %s, naming the file and leaving it as it is', async (_name, spoil, problem) => {
      const directory = demo();
      spoil(directory);
      const file = path.join(dir, 'directory.json');
      const text = JSON.stringify(directory);
      await fs.writeFile(file, text);
      expect(directorySchema.safeParse(JSON.parse(text)).success).toBe(true); // only the cross-references are wrong
      await expect(JsonFileDirectoryStore.open(dir)).rejects.toThrow(problem);
      await expect(JsonFileDirectoryStore.open(dir)).rejects.toThrow(file);
      expect(await fs.readFile(file, 'utf8')).toBe(text);
    });

    it('refuses an import whose merged directory would be inconsistent, writing nothing', async () => {
      const store = await JsonFileDirectoryStore.open(dir);
      await store.importDirectory(demoDistrict(new Date()));
      const before = await fs.readFile(path.join(dir, 'directory.json'), 'utf8');
      const dangling = { districts: [], schools: [], classrooms: [], teachers: [], lessons: [{ ...demo().lessons[0]!, id: 'stray', remoteClassroomIds: ['nowhere'] }] };
      await expect(store.importDirectory(dangling)).rejects.toMatchObject({ code: ErrorCode.BadRequest, message: expect.stringMatching(/unknown remote classroom "nowhere"/) });
      const twice = { districts: [], schools: [], classrooms: [], teachers: [], lessons: [{ ...demo().lessons[0]!, id: 'twin' }, { ...demo().lessons[1]!, id: 'twin' }] };
      await expect(store.importDirectory(twice)).rejects.toMatchObject({ code: ErrorCode.BadRequest, message: expect.stringMatching(/duplicate lesson id "twin"/) });
      expect(await store.getLesson('stray')).toBeUndefined();
      expect(await store.getLesson('twin')).toBeUndefined();
      expect(await fs.readFile(path.join(dir, 'directory.json'), 'utf8')).toBe(before);
      await store.close();
    });
  });

  it('deletes the temporary files of a crashed write, and nothing else', async () => {
    const store = await JsonFileDirectoryStore.open(dir);
    await store.importDirectory(demoDistrict(new Date()));
    await store.close();
    const file = path.join(dir, 'directory.json');
    const before = await fs.readFile(file, 'utf8');
    await fs.writeFile(path.join(dir, 'directory.json.4242.tmp'), '{"districts": [');
    await fs.writeFile(path.join(dir, `directory.json.${process.pid}.tmp`), '');
    const keep = ['directory.json.bak', 'directory.json.tmp', 'directory.json.x1.tmp', 'directory.json.12.tmp.old', 'other.json.12.tmp', 'notes.tmp'];
    for (const name of keep) await fs.writeFile(path.join(dir, name), name);
    await fs.mkdir(path.join(dir, 'directory.json.77.tmp'));

    const reopened = await JsonFileDirectoryStore.open(dir);
    expect((await fs.readdir(dir)).sort()).toEqual(['directory.json', 'directory.json.77.tmp', ...keep].sort());
    expect(await fs.readFile(file, 'utf8')).toBe(before);
    expect(await reopened.getLesson('demo-music-g4')).toBeDefined();
    await reopened.close();
  });

  it('keeps the temporary files when the directory file itself is bad', async () => {
    await fs.writeFile(path.join(dir, 'directory.json'), '{"districts": [');
    await fs.writeFile(path.join(dir, 'directory.json.4242.tmp'), '{"districts": []');
    await expect(JsonFileDirectoryStore.open(dir)).rejects.toThrow(/not valid JSON/);
    expect(await fs.readFile(path.join(dir, 'directory.json.4242.tmp'), 'utf8')).toBe('{"districts": []');
  });

  describe('removed participants', () => {
    it('stay removed across a restart, whatever the lesson status, and only once each', async () => {
      const store = await JsonFileDirectoryStore.open(dir);
      await store.importDirectory(demoDistrict(new Date()));
      expect((await store.getLesson('demo-music-g4'))?.removedParticipantIds).toEqual([]);
      await store.setLessonStatus('demo-music-g4', 'live');
      expect((await store.removeParticipant('demo-music-g4', 'student-1a2b3c4d')).removedParticipantIds).toEqual(['student-1a2b3c4d']);
      await store.removeParticipant('demo-music-g4', 'student-1a2b3c4d');
      await store.setLessonStatus('demo-music-g4', 'ended');
      expect((await store.removeParticipant('demo-music-g4', 'classroom-qh-shangling-g4')).removedParticipantIds).toEqual([
        'student-1a2b3c4d',
        'classroom-qh-shangling-g4',
      ]);
      await store.removeParticipant('demo-english-g4', 'teacher');
      await store.close();

      const reopened = await JsonFileDirectoryStore.open(dir);
      expect((await reopened.getLesson('demo-music-g4'))?.removedParticipantIds).toEqual(['student-1a2b3c4d', 'classroom-qh-shangling-g4']);
      expect((await reopened.getLesson('demo-english-g4'))?.removedParticipantIds).toEqual(['teacher']);
      await reopened.close();
    });

    it('refuses an unknown lesson and an id the file could not hold', async () => {
      const store = await JsonFileDirectoryStore.open(dir);
      await store.importDirectory(demoDistrict(new Date()));
      await expect(store.removeParticipant('no-such-lesson', 'student-1')).rejects.toMatchObject({ code: ErrorCode.NotFound });
      await expect(store.removeParticipant('demo-music-g4', 'student 1')).rejects.toMatchObject({ code: ErrorCode.BadRequest });
      await expect(store.removeParticipant('demo-music-g4', 'x'.repeat(129))).rejects.toMatchObject({ code: ErrorCode.BadRequest });
      await store.close();
      expect((await (await JsonFileDirectoryStore.open(dir)).getLesson('demo-music-g4'))?.removedParticipantIds).toEqual([]);
    });

    it('loses no removal when twenty happen at once', async () => {
      const store = await JsonFileDirectoryStore.open(dir);
      await store.importDirectory(demoDistrict(new Date()));
      const ids = Array.from({ length: 20 }, (_, i) => `student-${i}`);
      await Promise.all(ids.map((participantId) => store.removeParticipant('demo-music-g4', participantId)));
      await store.close();
      const reopened = await JsonFileDirectoryStore.open(dir);
      expect([...((await reopened.getLesson('demo-music-g4'))?.removedParticipantIds ?? [])].sort()).toEqual([...ids].sort());
      await reopened.close();
    });

    it('loads a file written before removals were stored', async () => {
      const old = demoDistrict(new Date());
      expect(old.lessons[0]).not.toHaveProperty('removedParticipantIds');
      await fs.writeFile(path.join(dir, 'directory.json'), JSON.stringify(old));
      const store = await JsonFileDirectoryStore.open(dir);
      expect((await store.getLesson('demo-music-g4'))?.removedParticipantIds).toEqual([]);
      expect((await store.removeParticipant('demo-music-g4', 'student-9')).removedParticipantIds).toEqual(['student-9']);
      await store.close();
    });

    it('are set by the server only: lesson creation starts with none and the REST body cannot name any', async () => {
      expect(createLessonSchema.safeParse({ ...lessonInput, removedParticipantIds: [] }).success).toBe(false);
      expect(createLessonSchema.safeParse({ ...lessonInput, removedParticipantIds: ['student-1'] }).success).toBe(false);
      const store = await JsonFileDirectoryStore.open(dir);
      await store.importDirectory(demoDistrict(new Date()));
      expect((await store.createLesson(createLessonSchema.parse({ ...lessonInput, id: 'fresh' }))).removedParticipantIds).toEqual([]);
      await store.close();
    });
  });
});
