import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Caption, LessonEventInput, Role } from '@classbridge/protocol';
import { CaptionService } from '../src/service/CaptionService.js';
import type { CaptionCatalog, CaptionServiceOptions } from '../src/service/CaptionService.js';
import { CaptionMetrics } from '../src/service/CaptionMetrics.js';
import { TranscriptStore } from '../src/transcripts/TranscriptStore.js';
import { FakeCaptionWorker, FakeTaps, TestEventBus } from './support/captionFakes.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await sleep(5);
  }
}

const joined = (lessonId: string, participantId: string, role: Role, displayName = participantId): LessonEventInput => ({
  type: 'participant.joined',
  lessonId,
  rejoin: false,
  participant: { participantId, displayName, role, school: null, classroomId: null } as never,
});
const mic = (lessonId: string, participantId: string, producerId: string): LessonEventInput => ({
  type: 'producer.added',
  lessonId,
  producerId,
  participantId,
  kind: 'audio',
  source: 'microphone',
  paused: false,
});
const floor = (lessonId: string, holders: string[]): LessonEventInput => ({ type: 'floor.changed', lessonId, floor: { holders, raisedHands: [] } });

describe('CaptionService (which microphones are captioned, streams, transcripts)', () => {
  let dir: string;
  let events: TestEventBus;
  let taps: FakeTaps;
  let worker: FakeCaptionWorker;
  let transcripts: TranscriptStore;
  let service: CaptionService;
  let catalog: CaptionCatalog;
  let catalogDelayMs: number;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-captions-'));
    events = new TestEventBus();
    taps = new FakeTaps();
    worker = new FakeCaptionWorker();
    transcripts = new TranscriptStore(dir);
    catalogDelayMs = 0;
    catalog = {
      describe: async (lessonId) => {
        await sleep(catalogDelayMs);
        if (lessonId.startsWith('unknown')) return null;
        return { captions: !lessonId.startsWith('off'), language: 'en' };
      },
    };
    // The fakes return themselves from on()/off(), not an SfuControl or a CaptionWorker: only the events are used.
    service = new CaptionService({ sfu: taps as unknown as CaptionServiceOptions['sfu'], events, worker: worker as unknown as CaptionServiceOptions['worker'], lessons: catalog, transcripts, metrics: new CaptionMetrics(new Registry()), logger: pino({ level: 'silent' }) });
  });
  afterEach(async () => {
    await service.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('captions the teacher always and a classroom only while it holds the floor, under their names', async () => {
    events.publish({ type: 'lesson.started', lessonId: 'l1' });
    events.publish(joined('l1', 'teacher', 'teacher', '王丽'));
    events.publish(joined('l1', 'room-a', 'classroom', '上岭村小学'));
    events.publish(mic('l1', 'teacher', 'p-teacher'));
    events.publish(mic('l1', 'room-a', 'p-room'));
    await until(() => taps.producers().length === 1);
    await sleep(30);
    expect(taps.producers()).toEqual(['p-teacher']);
    expect(worker.openStreams().map((s) => s.speaker)).toEqual(['王丽']);

    events.publish(floor('l1', ['room-a']));
    await until(() => taps.producers().length === 2);
    expect(worker.openStreams().find((s) => s.participantId === 'room-a')?.speaker).toBe('上岭村小学');

    events.publish(floor('l1', []));
    await until(() => taps.producers().length === 1);
    expect(taps.producers()).toEqual(['p-teacher']);
    expect(worker.openStreams().map((s) => s.participantId)).toEqual(['teacher']);
  });

  it('opens exactly one stream per microphone however many events race', async () => {
    catalogDelayMs = 20;
    const burst: LessonEventInput[] = [{ type: 'lesson.started', lessonId: 'l2' }, joined('l2', 'teacher', 'teacher')];
    for (let i = 0; i < 5; i++) burst.push(joined('l2', `room-${i}`, 'classroom'), mic('l2', `room-${i}`, `p-${i}`));
    burst.push(mic('l2', 'teacher', 'p-teacher'));
    // The floor passes around while the microphones are still being added.
    for (let round = 0; round < 10; round++) burst.push(floor('l2', [`room-${round % 5}`]), mic('l2', 'teacher', 'p-teacher'));
    burst.push(floor('l2', ['room-3']));
    await Promise.all(burst.map(async (event, i) => {
      await sleep(i % 3);
      events.publish(event);
    }));
    await until(() => taps.producers().join() === 'p-3,p-teacher');
    await sleep(100);
    expect(taps.producers()).toEqual(['p-3', 'p-teacher']);
    expect(worker.openStreams().map((s) => s.participantId).sort()).toEqual(['room-3', 'teacher']);
    expect(service.captionedProducers('l2').sort()).toEqual(['p-3', 'p-teacher']);
  });

  it('leaves lessons alone that have captions off or are not in the directory', async () => {
    for (const lessonId of ['off-1', 'unknown-1']) {
      events.publish({ type: 'lesson.started', lessonId });
      events.publish(joined(lessonId, 'teacher', 'teacher'));
      events.publish(mic(lessonId, 'teacher', `p-${lessonId}`));
    }
    await sleep(50);
    expect(taps.producers()).toEqual([]);
  });

  it('reopens every stream when the worker process was restarted', async () => {
    events.publish(joined('l3', 'teacher', 'teacher'));
    events.publish(mic('l3', 'teacher', 'p-teacher'));
    await until(() => worker.openStreams().length === 1);
    const before = worker.openStreams()[0]!.streamId;
    const tapsBefore = [...taps.open.keys()];
    worker.restart();
    await until(() => worker.openStreams().length === 1 && taps.open.size === 1 && !tapsBefore.includes([...taps.open.keys()][0]!));
    await sleep(30);
    expect(worker.openStreams()[0]!.streamId).not.toBe(before);
    // The old tap (sending into a socket that no longer exists) was closed, a new one opened.
    expect([...taps.open.keys()].some((tapId) => tapsBefore.includes(tapId))).toBe(false);
    expect(taps.producers()).toEqual(['p-teacher']);
  });

  it('stops asking, and says so once, when the lesson\'s language has no usable engine', async () => {
    worker.refuse = { code: 'ASR_MODEL_UNUSABLE', message: 'sherpa-onnx model not found at models/…' };
    const unavailable: string[] = [];
    service.on('unavailable', ({ lessonId, code }) => unavailable.push(`${lessonId}:${code}`));
    events.publish(joined('l4', 'teacher', 'teacher'));
    events.publish(mic('l4', 'teacher', 'p-teacher'));
    events.publish(joined('l4', 'room-a', 'classroom'));
    events.publish(mic('l4', 'room-a', 'p-room'));
    events.publish(floor('l4', ['room-a']));
    await sleep(80);
    expect(unavailable).toEqual(['l4:ASR_MODEL_UNUSABLE']);
    expect(taps.producers()).toEqual([]);
  });

  it('closes a stream whose tap the SFU closed (the producer went away)', async () => {
    events.publish(joined('l5', 'teacher', 'teacher'));
    events.publish(mic('l5', 'teacher', 'p-teacher'));
    await until(() => taps.open.size === 1);
    taps.closeFromSfu([...taps.open.keys()][0]!);
    await until(() => worker.openStreams().length === 0);
    expect(service.captionedProducers('l5')).toEqual([]);
  });

  it('publishes captions with their lesson, and writes the finals as the lesson\'s transcript when it ends', async () => {
    const published: Array<{ lessonId: string; caption: Caption }> = [];
    service.on('caption', (entry) => published.push(entry));
    events.publish({ type: 'lesson.started', lessonId: 'l6' });
    events.publish(joined('l6', 'teacher', 'teacher', '王丽'));
    events.publish(mic('l6', 'teacher', 'p-teacher'));
    await until(() => worker.openStreams().length === 1);
    const t = Date.now();
    worker.speak('teacher', { captionId: 'u1', text: 'open your', final: false, startMs: t, endMs: t + 600 });
    worker.speak('teacher', { captionId: 'u1', text: 'open your books', final: true, startMs: t, endMs: t + 1200 });
    worker.speak('teacher', { captionId: 'u2', text: 'page twelve & <more>', final: true, startMs: t + 2000, endMs: t + 3000 });
    expect(published.map((entry) => `${entry.lessonId}:${entry.caption.text}:${entry.caption.final}`)).toEqual([
      'l6:open your:false',
      'l6:open your books:true',
      'l6:page twelve & <more>:true',
    ]);
    const saved = new Promise((resolve) => service.once('transcriptSaved', resolve));
    events.publish({ type: 'lesson.ended', lessonId: 'l6', reason: 'ended-by-teacher' });
    await saved;
    const transcript = await transcripts.get('l6');
    expect(transcript).toMatchObject({ lessonId: 'l6', language: 'en', complete: true });
    expect(transcript!.captions.map((c) => c.text)).toEqual(['open your books', 'page twelve & <more>']);
    expect(await transcripts.rendered('l6', 'vtt')).toContain('<v 王丽>page twelve &amp; &lt;more&gt;');
    expect(await transcripts.rendered('l6', 'srt')).toContain('王丽: open your books');
    expect(worker.openStreams()).toEqual([]);
    expect(taps.open.size).toBe(0);
  });
});

describe('CaptionService with the echo guard on', () => {
  let dir: string;
  let events: TestEventBus;
  let taps: FakeTaps;
  let worker: FakeCaptionWorker;
  let transcripts: TranscriptStore;
  let metrics: CaptionMetrics;
  let registry: Registry;
  let service: CaptionService;
  let warnings: Array<{ lessonId: string; participantId: string; warning: unknown }>;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-echo-'));
    events = new TestEventBus();
    taps = new FakeTaps();
    worker = new FakeCaptionWorker();
    transcripts = new TranscriptStore(dir);
    registry = new Registry();
    metrics = new CaptionMetrics(registry);
    const catalog: CaptionCatalog = { describe: async (lessonId) => ({ captions: !lessonId.startsWith('off'), language: 'en' }) };
    service = new CaptionService({ sfu: taps as unknown as CaptionServiceOptions['sfu'], events, worker: worker as unknown as CaptionServiceOptions['worker'], lessons: catalog, echoGuard: true, transcripts, metrics, logger: pino({ level: 'silent' }) });
    warnings = [];
    service.on('echo', (change) => warnings.push(change));
  });
  afterEach(async () => {
    await service.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const start = (lessonId: string) => {
    events.publish({ type: 'lesson.started', lessonId });
    events.publish(joined(lessonId, 'teacher', 'teacher'));
    events.publish(joined(lessonId, 'room-a', 'classroom'));
    events.publish(joined(lessonId, 'student', 'student'));
    events.publish(mic(lessonId, 'teacher', 'p-teacher'));
    events.publish(mic(lessonId, 'room-a', 'p-room'));
    events.publish(mic(lessonId, 'student', 'p-student'));
  };
  const gauge = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;

  it('listens to a floor-holding classroom against the teacher in a lesson without captions, and raises and lowers its warning', async () => {
    start('off-e1');
    await sleep(40);
    expect(taps.producers()).toEqual([]); // nobody holds the floor: nothing to listen to
    events.publish(floor('off-e1', ['room-a', 'student']));
    await until(() => taps.producers().length === 2);
    expect(taps.producers()).toEqual(['p-room', 'p-teacher']); // a student wears a headset
    expect(worker.openStreams().map((s) => [s.participantId, s.language, s.echo?.role]).sort()).toEqual([
      ['room-a', null, 'microphone'],
      ['teacher', null, 'reference'],
    ]);

    worker.echoVerdict('room-a', 'suspect');
    expect(warnings).toEqual([]);
    worker.echoVerdict('room-a', 'leaking', 250);
    expect(warnings).toEqual([{ lessonId: 'off-e1', participantId: 'room-a', warning: { delayMs: 250, echoReturnLossDb: -12, sinceMs: expect.any(Number), duck: false } }]);
    // Leaking → suspect is not yet over: no flicker.
    worker.echoVerdict('room-a', 'suspect');
    expect(warnings).toHaveLength(1);
    expect(await gauge('classbridge_echo_leaking_microphones')).toBe(1);
    expect(await gauge('classbridge_echo_detections_total')).toBe(1);
    worker.echoVerdict('room-a', 'clear');
    expect(warnings.at(-1)).toEqual({ lessonId: 'off-e1', participantId: 'room-a', warning: null });
    expect(await gauge('classbridge_echo_leaking_microphones')).toBe(0);

    // Leaking again, then the floor goes: no longer listened to, so the warning is lowered.
    worker.echoVerdict('room-a', 'leaking');
    events.publish(floor('off-e1', []));
    await until(() => taps.producers().length === 0);
    expect(warnings.at(-1)).toEqual({ lessonId: 'off-e1', participantId: 'room-a', warning: null });
    expect(await gauge('classbridge_echo_detections_total')).toBe(2);

    events.publish({ type: 'lesson.ended', lessonId: 'off-e1', reason: 'ended-by-teacher' });
    await service.idle();
    expect(await transcripts.get('off-e1')).toBeNull(); // not captioned: no transcript
  });

  it('captions and listens through one stream per microphone, and keeps listening when captions turn out unavailable', async () => {
    start('e2');
    events.publish(floor('e2', ['room-a']));
    await until(() => worker.openStreams().length === 2);
    expect(worker.openStreams().map((s) => [s.participantId, s.language, s.echo?.role]).sort()).toEqual([
      ['room-a', 'en', 'microphone'],
      ['teacher', 'en', 'reference'],
    ]);
    // The engine fails: captions stop for the lesson, the echo guard's streams open again without them.
    worker.refuse = { code: 'ASR_MODEL_UNUSABLE', message: 'no model' };
    worker.emit('streamError', { streamId: worker.openStreams()[0]!.streamId, code: 'ASR_MODEL_UNUSABLE', message: 'no model' });
    await until(() => worker.openStreams().length === 2 && worker.openStreams().every((s) => s.language === null) && taps.producers().length === 2);
    expect(taps.producers()).toEqual(['p-room', 'p-teacher']);
    worker.echoVerdict('room-a', 'leaking');
    expect(warnings.map((w) => w.participantId)).toEqual(['room-a']);
  });
});
