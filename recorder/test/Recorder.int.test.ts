import { jest } from '@jest/globals';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ErrorCode } from '@classbridge/protocol';
import { LocalSfu, defaultSfuConfig } from '@classbridge/sfu';
import { LocalDirectoryStorage, Recorder, resolveFfmpeg } from '../src/index.js';
import type { LessonCatalog, RecordingManifest } from '../src/index.js';
import { TestEventBus, testLesson } from './support/lessonEvents.js';

jest.setTimeout(60_000);

const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The recorder service with a real mediasoup SFU, real files and real ffmpeg, driven
 * by the lesson event stream (media itself is exercised by recording.e2e.test.ts).
 */
describe('Recorder (real SFU, storage and ffmpeg)', () => {
  let sfu: LocalSfu;
  let root: string;
  let storage: LocalDirectoryStorage;
  const recorders: Recorder[] = [];
  const catalog: LessonCatalog = {
    describe: async (lessonId) => (lessonId.startsWith('unknown') ? null : { record: !lessonId.startsWith('norec'), lesson: testLesson }),
  };

  beforeAll(async () => {
    sfu = await LocalSfu.start(defaultSfuConfig({ numWorkers: 1, rtcPort: 0, listenIp: '127.0.0.1' }), logger);
  });
  afterAll(async () => {
    await sfu.close();
  });
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-recorder-'));
    storage = new LocalDirectoryStorage(root);
  });
  afterEach(async () => {
    for (const recorder of recorders.splice(0)) await recorder.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function startRecorder(events: TestEventBus, overrides: Partial<Parameters<typeof Recorder.start>[0]> = {}): Promise<Recorder> {
    const recorder = Recorder.start({
      sfu,
      events,
      storage,
      lessons: catalog,
      ffmpeg: await resolveFfmpeg(),
      registry: new Registry(),
      logger,
      windowMs: 2000,
      retentionDays: 30,
      output: { width: 320, height: 180, fps: 10 },
      ...overrides,
    });
    recorders.push(recorder);
    return recorder;
  }

  const joined = (lessonId: string, participantId: string) =>
    ({ type: 'participant.joined', lessonId, rejoin: false, participant: { participantId, displayName: participantId, role: 'teacher', school: null, classroomId: null } }) as const;

  it('starts exactly one recording per lesson, however many events race to start it', async () => {
    const events = new TestEventBus();
    const recorder = await startRecorder(events);
    const changes: Array<{ lessonId: string; recording: boolean }> = [];
    recorder.on('recordingChanged', (change) => changes.push(change));
    events.publish({ type: 'lesson.started', lessonId: 'lesson-a' });
    for (let i = 0; i < 10; i++) events.publish(joined('lesson-a', `p-${i}`));
    events.publish({ type: 'lesson.started', lessonId: 'norec-lesson' });
    events.publish(joined('norec-lesson', 'teacher'));
    events.publish(joined('unknown-lesson', 'teacher'));
    await waitUntil(() => recorder.isRecording('lesson-a'));
    await sleep(200);
    expect(await storage.list()).toHaveLength(1);
    expect(changes).toEqual([{ lessonId: 'lesson-a', recording: true }]);
    expect(recorder.isRecording('norec-lesson')).toBe(false);
    const [manifest] = await recorder.list();
    expect(manifest).toMatchObject({ lessonId: 'lesson-a', state: 'recording', lesson: testLesson });
    await expect(recorder.delete(manifest!.recordingId)).rejects.toMatchObject({ code: ErrorCode.Conflict });
  });

  it('composes while the lesson runs and has the replay ready right after it ends', async () => {
    const events = new TestEventBus();
    const recorder = await startRecorder(events);
    events.publish({ type: 'lesson.started', lessonId: 'lesson-b' });
    await waitUntil(() => recorder.isRecording('lesson-b'));
    // Windows are 2 s: two are composed while the lesson still runs.
    await waitUntil(async () => ((await recorder.list({ lessonId: 'lesson-b' }))[0]?.segments.length ?? 0) >= 2, 20_000);
    expect(recorder.isRecording('lesson-b')).toBe(true);
    const ended = Date.now();
    events.publish({ type: 'lesson.ended', lessonId: 'lesson-b', reason: 'ended-by-teacher' });
    expect(recorder.isRecording('lesson-b')).toBe(false);
    const manifest = await waitForState(recorder, 'lesson-b', 'ready');
    expect(Date.now() - ended).toBeLessThan(10_000);
    expect(manifest.durationMs).toBeGreaterThan(4000);
    expect(Math.abs(manifest.durationMs! - (ended - Date.parse(manifest.startedAt)))).toBeLessThan(500);
    expect(manifest.segments.at(-1)!.endMs).toBe(manifest.durationMs);
    expect(manifest.replay).toMatchObject({ playlist: 'index.m3u8', mp4: 'lesson.mp4', thumbnail: 'thumbnail.jpg' });
    const playlist = (await storage.read(manifest.recordingId, 'index.m3u8')).toString();
    expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(playlist).toContain('#EXT-X-ENDLIST');
    expect(await recorder.replayFile(manifest.recordingId, 'lesson.mp4')).toMatchObject({ bytes: expect.any(Number) });
    // Only files the manifest names are served.
    expect(await recorder.replayFile(manifest.recordingId, 'manifest.json')).toBeNull();
  });

  it('a recording a shutdown or crash left behind is finished by the next start, never left "recording"', async () => {
    const events = new TestEventBus();
    const first = await startRecorder(events);
    events.publish({ type: 'lesson.started', lessonId: 'lesson-c' });
    await waitUntil(() => first.isRecording('lesson-c'));
    await sleep(3000);
    await first.close();
    const [left] = await first.list();
    expect(left!.state).toBe('recording');

    const second = await startRecorder(new TestEventBus());
    const recovered = await second.recovered;
    expect(recovered.map((manifest) => manifest.recordingId)).toEqual([left!.recordingId]);
    const manifest = (await second.get(left!.recordingId))!;
    expect(manifest).toMatchObject({ state: 'ready', interrupted: true });
    expect(manifest.durationMs).toBeGreaterThanOrEqual(2000);
    expect(await storage.stat(manifest.recordingId, 'lesson.mp4')).not.toBeNull();
  });

  it('deletes recordings past their retention, and keeps the others', async () => {
    const events = new TestEventBus();
    const recorder = await startRecorder(events, { retentionDays: 30 });
    const old = await handMadeRecording('old-recording-1', 40);
    const recent = await handMadeRecording('new-recording-1', 2);
    expect(await recorder.sweepExpired()).toEqual([old]);
    expect(await storage.list()).toEqual([recent]);
  });

  async function handMadeRecording(recordingId: string, daysAgo: number): Promise<string> {
    const at = new Date(Date.now() - daysAgo * 24 * 3600 * 1000).toISOString();
    const manifest: RecordingManifest = {
      version: 1,
      recordingId,
      lessonId: `lesson-${recordingId}`,
      lesson: testLesson,
      state: 'ready',
      startedAt: at,
      endedAt: at,
      durationMs: 1000,
      interrupted: false,
      error: null,
      tracks: [],
      floor: [],
      spotlight: [],
      segments: [],
      composedUntilMs: 1000,
      replay: null,
      updatedAt: at,
    };
    await storage.create(recordingId);
    await storage.writeAtomic(recordingId, 'manifest.json', JSON.stringify(manifest));
    return recordingId;
  }
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await sleep(20);
  }
}

async function waitForState(recorder: Recorder, lessonId: string, state: RecordingManifest['state']): Promise<RecordingManifest> {
  let found: RecordingManifest | undefined;
  await waitUntil(async () => {
    found = (await recorder.list({ lessonId }))[0];
    return found?.state === state;
  }, 20_000);
  return found!;
}
