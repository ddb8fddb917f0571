/**
 * Echo-guard benchmark through the real path: a teacher Chromium speaks flite sentences (its fake
 * microphone), the real server process (mediasoup, the caption worker's echo guard, captions off)
 * and three remote classrooms in another Chromium holding the floor. Each classroom's microphone is
 * built in WebAudio (publishRoomMicrophone): per trial it either leaks its loudspeakers — the
 * teacher audio it receives, delayed 150–300 ms, −6…−20 dB, low-passed and with a resonance —
 * or carries a classroom talking over the teacher (double talk, −3…−12 dB), or nothing.
 * A leak counts as caught if the classroom is warned within `--catch-seconds` (default 5) of its
 * start; a clean trial is a false positive if it is warned at all in `--trial-seconds`. Between
 * rounds the floor is taken back and given again, so every trial starts from a fresh verdict.
 * One JSON object on stdout, progress on stderr.
 *
 *   npm run bench:echo                      # 20 leaking + 20 clean trials, ~4 minutes
 *   npm run bench:echo -- --trials 8        # 8 + 8
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser } from './harness/browser.js';
import { publishRoomMicrophone, setRoomMicrophone, type LoudspeakerPath, type RoomMicrophoneOptions } from './harness/roomMicrophone.js';
import { openSdkPage } from './harness/sdkPage.js';
import type { SdkPage } from './harness/sdkPage.js';
import { startServerProcess } from './harness/serverProcess.js';
import { CLASSROOM_SENTENCES, TEACHER_SENTENCES, writeSpeechWav } from './media/speech.js';
import { summarize } from './stats.js';
import { mulberry32 } from './impairment/random.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    'trial-seconds': { type: 'string', default: '10' },
    'catch-seconds': { type: 'string', default: '5' },
    seed: { type: 'string', default: '7' },
    quiet: { type: 'boolean', default: false },
  },
});
const trials = Number(values.trials);
const trialMs = Number(values['trial-seconds']) * 1000;
const catchMs = Number(values['catch-seconds']) * 1000;
if (!Number.isInteger(trials) || trials < 4 || trials > 200) throw new Error('--trials must be an integer from 4 to 200');
if (!(trialMs >= 5_000 && trialMs <= 60_000) || !(catchMs > 0 && catchMs <= trialMs)) throw new Error('--trial-seconds must be 5–60 and --catch-seconds at most that');
const progress = (text: string) => values.quiet || process.stderr.write(`[bench:echo] ${new Date().toISOString().slice(11, 19)} ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const LESSON = 'demo-music-g4';
/** The demo lesson's remote classrooms. */
const ROOMS = ['qh-shangling-g4', 'qh-xiahe-mixed', 'qh-baishi-g4-2'];
/** Settling after the floor is given: a classroom holding the floor plays out with less delay, which takes a few seconds. */
const SETTLE_MS = 6_000;
const SILENT: LoudspeakerPath = { delayMs: 150, gainDb: -120 };

/** Deterministic trials. */
const random = mulberry32(Number(values.seed));
const between = (low: number, high: number) => Math.round(low + (high - low) * random());

type Trial = { kind: 'leak'; path: LoudspeakerPath } | { kind: 'clean'; talkerDb: number | null };

function plan(): Trial[] {
  const list: Trial[] = [];
  for (let i = 0; i < trials; i++) {
    list.push({ kind: 'leak', path: { delayMs: between(150, 300), gainDb: -between(6, 20), lowpassHz: between(2_500, 6_000), resonanceHz: between(300, 2_000), resonanceDb: between(0, 9) } });
    // Three in four clean rooms talk over the teacher; the rest are quiet.
    list.push({ kind: 'clean', talkerDb: i % 4 === 3 ? null : -between(3, 12) });
  }
  // Shuffled, so leaks and clean rooms share rounds and classrooms.
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

const mediaDir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-echo-bench-'));
const teacherSpeech = await writeSpeechWav(path.join(mediaDir, 'teacher.wav'), TEACHER_SENTENCES, { pauseS: 0.8 });
const talkerSpeech = await fs.readFile((await writeSpeechWav(path.join(mediaDir, 'classroom.wav'), CLASSROOM_SENTENCES, { pauseS: 0.5, sampleRate: 48_000 })).path);
const server = await startServerProcess({ DEMO: '1', RECORDING: 'off', CAPTIONS: 'off', MAX_FLOOR_HOLDERS: String(ROOMS.length) });
const teacherBrowser = await launchBrowser([`--use-file-for-fake-audio-capture=${teacherSpeech.path}`]);
const roomBrowser = await launchBrowser();
try {
  const teacher = await openSdkPage(teacherBrowser, server.url, { token: await server.mintToken(LESSON, { role: 'teacher' }) });
  await teacher.run('await client.publishMicrophone();');
  const teacherId = await teacher.run<string>('return client.self.participantId;');
  const rooms: Array<{ id: string; page: SdkPage }> = [];
  for (const room of ROOMS) {
    const page = await openSdkPage(roomBrowser, server.url, { token: await server.mintToken(LESSON, { role: 'classroom', classroomId: room }) });
    // The loudspeakers play the teacher all along (WebAudio's path settles); what leaks is set per trial.
    await publishRoomMicrophone(page, { echoOf: { participantId: teacherId, path: SILENT } });
    rooms.push({ id: `classroom-${room}`, page });
  }
  const giveFloor = (grant: boolean) => teacher.run(`for (const id of arg) await client.${grant ? 'grantFloor' : 'revokeFloor'}(id);`, rooms.map((room) => room.id));

  const schedule = plan();
  progress(`${trials} leaking and ${trials} clean trials, ${rooms.length} classrooms at a time, ${trialMs / 1000} s each`);
  const results: Array<Trial & { flaggedAfterMs: number | null; delayMs: number | null; echoReturnLossDb: number | null }> = [];
  for (let round = 0; round * rooms.length < schedule.length; round++) {
    const batch = schedule.slice(round * rooms.length, (round + 1) * rooms.length);
    await giveFloor(true);
    await sleep(SETTLE_MS);
    const startedAt = Date.now();
    await Promise.all(
      batch.map((trial, i) => {
        const options: RoomMicrophoneOptions =
          trial.kind === 'leak'
            ? { echoOf: { participantId: teacherId, path: trial.path } }
            : { echoOf: { participantId: teacherId, path: SILENT }, talker: trial.talkerDb === null ? null : { wav: talkerSpeech, gainDb: trial.talkerDb } };
        return setRoomMicrophone(rooms[i]!.page, options);
      }),
    );
    await sleep(trialMs);
    for (const [i, trial] of batch.entries()) {
      const warned = (await rooms[i]!.page.events('echo')).find((e) => e.payload.self && e.payload.warning && e.wallMs >= startedAt);
      const result = {
        ...trial,
        flaggedAfterMs: warned ? warned.wallMs - startedAt : null,
        delayMs: warned?.payload.warning.delayMs ?? null,
        echoReturnLossDb: warned?.payload.warning.echoReturnLossDb ?? null,
      };
      results.push(result);
    }
    for (const room of rooms) await setRoomMicrophone(room.page, { echoOf: { participantId: teacherId, path: SILENT } });
    await giveFloor(false);
    const done = results.slice(-batch.length);
    progress(`round ${round + 1}: ${done.map((r) => `${r.kind}${r.flaggedAfterMs === null ? ' —' : ` ${r.flaggedAfterMs} ms`}`).join(', ')}`);
  }

  const leaks = results.filter((r) => r.kind === 'leak');
  const clean = results.filter((r) => r.kind === 'clean');
  const caught = leaks.filter((r) => r.flaggedAfterMs !== null && r.flaggedAfterMs <= catchMs);
  const falseAlarms = clean.filter((r) => r.flaggedAfterMs !== null);
  const r3 = (n: number) => Math.round(n * 1000) / 1000;
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'echo',
        description: 'echo guard through Chromium, mediasoup and the caption worker: remote classrooms whose microphones leak the teacher they receive (delayed, attenuated, coloured) or talk over the teacher',
        trials: { leak: leaks.length, clean: clean.length, trialSeconds: trialMs / 1000, catchSeconds: catchMs / 1000 },
        truePositiveRate: r3(caught.length / leaks.length),
        detectedWithinTrialRate: r3(leaks.filter((r) => r.flaggedAfterMs !== null).length / leaks.length),
        falsePositiveRate: r3(falseAlarms.length / clean.length),
        detectionMs: caught.length ? summarize(caught.map((r) => r.flaggedAfterMs!)) : null,
        // The delay the guard reports is the echo's extra time at the server: the room's playout and both links on top of the leak's own delay.
        reportedMinusLeakDelayMs: caught.length ? summarize(caught.map((r) => r.delayMs! - (r as { path: LoudspeakerPath }).path.delayMs)) : null,
        missed: leaks.filter((r) => !caught.includes(r)),
        falseAlarms,
        results,
        environment: { cpus: os.availableParallelism(), node: process.version, chromium: teacherBrowser.version(), loadAverage: os.loadavg().map((n) => Math.round(n * 10) / 10) },
      },
      null,
      1,
    )}\n`,
  );
} finally {
  await teacherBrowser.close().catch(() => undefined);
  await roomBrowser.close().catch(() => undefined);
  await server.stop().catch(() => undefined);
  await fs.rm(mediaDir, { recursive: true, force: true });
}
