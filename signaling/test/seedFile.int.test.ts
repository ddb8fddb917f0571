import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { serverMainPath, startServerProcess } from '@classbridge/load-tests';

const run = promisify(execFile);

/** SEED_FILE: a directory imported into an empty store at start (the server as a process). */
describe('SEED_FILE', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-seed-test-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const directory = (lessonClassroom: string) => ({
    districts: [{ id: 'd', name: 'District' }],
    schools: [{ id: 's', districtId: 'd', name: 'School', kind: 'urban' }],
    classrooms: [{ id: 'main', schoolId: 's', name: 'Main' }],
    teachers: [],
    lessons: [{ id: 'seeded', title: 'Seeded', mainClassroomId: lessonClassroom, remoteClassroomIds: [], scheduledStart: '2026-12-03T08:00:00Z', status: 'scheduled', createdAt: '2026-12-03T07:00:00Z' }],
  });

  it('imports the file into an empty store: its lesson is there', async () => {
    const file = path.join(dir, 'good.json');
    await fs.writeFile(file, JSON.stringify(directory('main')));
    const server = await startServerProcess({ SEED_FILE: file }, { gcPreload: false });
    try {
      const lesson = await server.api('GET', '/api/lessons/seeded');
      expect(lesson.status).toBe(200);
      expect(lesson.body).toMatchObject({ id: 'seeded', mainClassroomId: 'main' });
    } finally {
      await server.stop();
    }
  }, 60_000);

  // A start that fails this way ends the process with a message, never a half-seeded store.
  const start = (file: string) =>
    run(process.execPath, [serverMainPath], {
      env: { PATH: process.env['PATH'] ?? '', SEED_FILE: file, DATA_DIR: path.join(dir, `data-${path.basename(file)}`), DEMO: '1', PORT: '0', RTC_PORT: '0', SFU_WORKERS: '1', HOST: '127.0.0.1', RTC_LISTEN_IP: '127.0.0.1', LOG_LEVEL: 'silent', RECORDING: 'off', CAPTIONS: 'off' },
      timeout: 30_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );

  it('stops the start (exit 2, the file named) when the file is missing or not JSON', async () => {
    const missing = await start(path.join(dir, 'missing.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('SEED_FILE');
    const notJson = path.join(dir, 'not.json');
    await fs.writeFile(notJson, '{ districts: ');
    expect(await start(notJson)).toMatchObject({ code: 2, stderr: expect.stringContaining('not.json') });
  }, 60_000);

  it('refuses a directory with dangling references (exit 1, the store\'s reason)', async () => {
    const file = path.join(dir, 'dangling.json');
    await fs.writeFile(file, JSON.stringify(directory('no-such-classroom')));
    const refused = await start(file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('directory import refused');
  }, 60_000);
});
