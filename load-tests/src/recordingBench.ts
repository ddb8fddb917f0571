/**
 * Recording benchmark: a lesson taught by real Chromium with known media (flashes
 * and beeps at the same irregular instants) to the real server process, then the
 * replay measured from the outside. Prints one JSON object:
 *   - A/V offset in the replay (beep − flash), median and worst;
 *   - time from the lesson's end until its replay is ready;
 *   - server CPU during the lesson with recording on and off (the difference is the recorder's);
 *   - composition speed (× real time), from the recorder's own metrics;
 *   - crash loss: media missing after a SIGKILL of the whole server mid-lesson.
 *
 *   npm run bench:recording -- --seconds 300
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './harness/browser.js';
import { openSdkPage } from './harness/sdkPage.js';
import type { SdkPage } from './harness/sdkPage.js';
import { startServerProcess } from './harness/serverProcess.js';
import type { ServerProcess } from './harness/serverProcess.js';
import { RAW_CAPTURE_AUDIO_RATE, analyzeMedia, fakeCaptureArgs, writeFakeMedia } from './media/index.js';
import type { FakeMedia } from './media/index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    'crash-seconds': { type: 'string', default: '25' },
    quiet: { type: 'boolean', default: false },
  },
});
const lessonSeconds = Number(values.seconds);
const crashSeconds = Number(values['crash-seconds']);
if (!Number.isFinite(lessonSeconds) || lessonSeconds < 15 || lessonSeconds > 3600) throw new Error('--seconds must be from 15 to 3600');
if (!Number.isFinite(crashSeconds) || crashSeconds < 8 || crashSeconds > 600) throw new Error('--crash-seconds must be from 8 to 600');
const progress = (text: string) => values.quiet || process.stderr.write(`[bench:recording] ${text}\n`);
const ffmpeg = process.env['FFMPEG_PATH'] ?? '/usr/bin/ffmpeg';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ROOM = 'qh-shangling-g4';
const ROOM_ID = `classroom-${ROOM}`;

/** CPU seconds the process and its reaped children (ffmpeg) used so far (Linux /proc). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime are fields 14–17 (1-based) of the whole line: 11–14 after the name.
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
  return ticks / 100;
}

/** CPU of the process and of its children still running (ffmpeg mid-window), in seconds. */
async function treeCpuSeconds(pid: number): Promise<number> {
  let total = await cpuSeconds(pid);
  const children = await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  for (const child of children.split(' ').filter(Boolean)) total += await cpuSeconds(Number(child)).catch(() => 0);
  return total;
}

async function metric(server: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function createLesson(server: ServerProcess, title: string): Promise<string> {
  const created = await server.api('POST', '/api/lessons', {
    title,
    subject: '科学 Science',
    teacherId: 't-wang-li',
    mainClassroomId: 'qh-exp-g4-1',
    remoteClassroomIds: [ROOM],
    scheduledStart: new Date().toISOString(),
  });
  if (created.status !== 201) throw new Error(`lesson not created: ${JSON.stringify(created.body)}`);
  return created.body.id as string;
}

async function seat(server: ServerProcess, browser: Browser, lessonId: string, body: Record<string, unknown>): Promise<SdkPage> {
  return openSdkPage(browser, server.url, { token: await server.mintToken(lessonId, body) });
}

interface Lesson {
  lessonId: string;
  teacher: SdkPage;
  room: SdkPage;
  startedAt: number;
}

/** Teacher and one classroom publishing; the classroom holds the floor through the middle third. */
async function teach(server: ServerProcess, browsers: { teacher: Browser; room: Browser }, title: string): Promise<Lesson> {
  const lessonId = await createLesson(server, title);
  const startedAt = Date.now();
  const teacher = await seat(server, browsers.teacher, lessonId, { role: 'teacher' });
  await teacher.run('await client.publishCamera({ width: 640, height: 360 }); await client.publishMicrophone({ music: true });');
  const room = await seat(server, browsers.room, lessonId, { role: 'classroom', classroomId: ROOM });
  await room.run('await client.publishCamera({ width: 320, height: 180 }); await client.publishMicrophone();');
  return { lessonId, teacher, room, startedAt };
}

async function runFor(lesson: Lesson, seconds: number): Promise<void> {
  const until = (s: number) => sleep(Math.max(0, lesson.startedAt + s * 1000 - Date.now()));
  await until(seconds / 3);
  await lesson.teacher.run('await client.grantFloor(arg);', ROOM_ID);
  await until((2 * seconds) / 3);
  await lesson.teacher.run('await client.revokeFloor(arg);', ROOM_ID);
  await until(seconds);
}

async function close(lesson: Lesson): Promise<void> {
  await lesson.teacher.page.context().close();
  await lesson.room.page.context().close();
}

async function waitReady(server: ServerProcess, lessonId: string, timeoutMs: number): Promise<any> {
  const started = Date.now();
  for (;;) {
    const listed = await server.api('GET', `/api/recordings?lessonId=${lessonId}`);
    const found = listed.body?.recordings?.[0];
    if (found && (found.state === 'ready' || found.state === 'failed')) return (await server.api('GET', `/api/recordings/${found.recordingId}`)).body;
    if (Date.now() - started > timeoutMs) throw new Error(`no replay for ${lessonId} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

const mediaDir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-bench-media-'));
// The teacher publishes in music mode (audio processing off), captured at 44.1 kHz: a file at that rate loops unresampled.
const teacherMedia: FakeMedia = await writeFakeMedia(mediaDir, { kind: 'teacher', audioRate: RAW_CAPTURE_AUDIO_RATE });
const roomMedia: FakeMedia = await writeFakeMedia(mediaDir, { kind: 'classroom' });
const browsers = { teacher: await launchBrowser(fakeCaptureArgs(teacherMedia)), room: await launchBrowser(fakeCaptureArgs(roomMedia)) };
const servers: ServerProcess[] = [];
try {
  // 1. Baseline: the same lesson with recording off, for the server's CPU without the recorder.
  const baselineSeconds = Math.min(60, lessonSeconds);
  const off = await startServerProcess({ DEMO: '1', RECORDING: 'off' });
  servers.push(off);
  progress(`baseline lesson (recording off), ${baselineSeconds} s`);
  const baselineLesson = await teach(off, browsers, 'Baseline');
  await sleep(2000);
  const offCpu0 = await treeCpuSeconds(off.pid);
  const offT0 = Date.now();
  await runFor(baselineLesson, baselineSeconds);
  const baselineCpuPercent = ((await treeCpuSeconds(off.pid)) - offCpu0) / ((Date.now() - offT0) / 1000) * 100;
  await close(baselineLesson);
  await off.stop();
  servers.pop();

  // 2. The recorded lesson.
  const on = await startServerProcess({ DEMO: '1', RECORDING: 'on' });
  servers.push(on);
  progress(`recorded lesson, ${lessonSeconds} s`);
  const lesson = await teach(on, browsers, 'Recording benchmark');
  await sleep(2000);
  const onCpu0 = await treeCpuSeconds(on.pid);
  const onT0 = Date.now();
  const ticker = setInterval(() => progress(`… ${Math.round((Date.now() - lesson.startedAt) / 1000)} / ${lessonSeconds} s`), 30_000);
  await runFor(lesson, lessonSeconds);
  clearInterval(ticker);
  const recordingCpuPercent = ((await treeCpuSeconds(on.pid)) - onCpu0) / ((Date.now() - onT0) / 1000) * 100;
  await lesson.teacher.run('await client.endLesson();');
  const endedAt = Date.now();
  const lessonLength = (endedAt - lesson.startedAt) / 1000;
  const manifest = await waitReady(on, lesson.lessonId, 120_000);
  const readyAfterEndSeconds = (Date.now() - endedAt) / 1000;
  await close(lesson);
  progress(`replay ${manifest.state} ${readyAfterEndSeconds.toFixed(1)} s after the end; analysing`);
  const composed = await metric(on, 'classbridge_recording_composed_seconds_total');
  const spent = await metric(on, 'classbridge_recording_processing_seconds_total');
  const recordingDir = path.join(on.dataDir, 'recordings', manifest.recordingId);
  const replay = await analyzeMedia(ffmpeg, path.join(recordingDir, 'lesson.mp4'), { pattern: teacherMedia.events });
  await on.stop();
  servers.pop();

  // 3. Crash loss: SIGKILL of the whole server mid-lesson, then a restart on the same data.
  const crashing = await startServerProcess({ DEMO: '1', RECORDING: 'on' });
  servers.push(crashing);
  progress(`crash lesson: SIGKILL after ${crashSeconds} s`);
  const crashLesson = await teach(crashing, browsers, 'Crash benchmark');
  await sleep(Math.max(0, crashLesson.startedAt + crashSeconds * 1000 - Date.now()));
  process.kill(crashing.pid, 'SIGKILL');
  const killedAfter = (Date.now() - crashLesson.startedAt) / 1000;
  await close(crashLesson);
  const restarted = await startServerProcess({ DEMO: '1', RECORDING: 'on', DATA_DIR: crashing.dataDir, ADMIN_API_KEY: crashing.adminKey, TOKEN_SECRET: crashing.tokenSecret });
  servers.push(restarted);
  const recovered = await waitReady(restarted, crashLesson.lessonId, 120_000);
  const crashReplay = await analyzeMedia(ffmpeg, path.join(restarted.dataDir, 'recordings', recovered.recordingId, 'lesson.mp4'));

  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'recording',
        description: 'a lesson taught by Chromium (flashes and beeps at the same instants) recorded by the server process; replay measured with ffmpeg',
        lessonSeconds: Math.round(lessonLength * 10) / 10,
        replay: {
          state: manifest.state,
          mp4Seconds: Math.round(replay.durationS * 100) / 100,
          segments: manifest.segments.length,
        },
        avOffsetMs: {
          median: round(replay.medianOffsetMs),
          maxAbs: round(replay.maxAbsOffsetMs),
          spread: round(Math.max(...replay.syncOffsetsMs) - Math.min(...replay.syncOffsetsMs)),
          pairs: replay.syncOffsetsMs.length,
        },
        readyAfterEndSeconds: Math.round(readyAfterEndSeconds * 10) / 10,
        serverCpuPercentOfOneCore: { recordingOn: round(recordingCpuPercent), recordingOff: round(baselineCpuPercent), recorder: round(recordingCpuPercent - baselineCpuPercent) },
        processingSpeedTimesRealTime: spent > 0 ? round(composed / spent) : null,
        crash: {
          killedAfterSeconds: round(killedAfter),
          recoveredSeconds: round(crashReplay.durationS),
          lostSeconds: round(killedAfter - crashReplay.durationS),
          state: recovered.state,
          interrupted: recovered.interrupted,
        },
        environment: { cpus: os.availableParallelism(), node: process.version, chromium: browsers.teacher.version() },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  for (const server of servers.reverse()) await server.stop().catch(() => undefined);
  await browsers.teacher.close();
  await browsers.room.close();
  await fs.rm(mediaDir, { recursive: true, force: true });
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
