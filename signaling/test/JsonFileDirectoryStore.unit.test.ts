import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode } from '@classbridge/protocol';
import { demoDistrict } from '@classbridge/seeds';
import { JsonFileDirectoryStore } from '../src/store/JsonFileDirectoryStore.js';

const lessonInput = {
  title: 'Music',
  subject: 'music',
  teacherId: 't-wang-li',
  mainClassroomId: 'qh-exp-g4-1',
  remoteClassroomIds: ['qh-shangling-g4'],
  scheduledStart: '2026-11-23T08:00:00.000Z',
  durationMinutes: 40,
};

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
});
