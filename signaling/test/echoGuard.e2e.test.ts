import { jest } from '@jest/globals';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  CLASSROOM_SENTENCES,
  TEACHER_SENTENCES,
  launchBrowser,
  openSdkPage,
  publishRoomMicrophone,
  setRoomMicrophone,
  startServerProcess,
  writeSpeechWav,
} from '@classbridge/load-tests';
import type { SdkPage, ServerProcess } from '@classbridge/load-tests';

jest.setTimeout(240_000);

const LESSON = 'demo-music-g4';
const ECHOING_ROOM = 'qh-shangling-g4';
const CLEAN_ROOM = 'qh-xiahe-mixed';
const ECHOING_ID = `classroom-${ECHOING_ROOM}`;
const CLEAN_ID = `classroom-${CLEAN_ROOM}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The echo guard end to end: the teacher's console (real page, flite speech as the fake
 * microphone) teaches two remote classrooms holding the floor. One classroom's microphone hears its
 * loudspeakers (what it receives from the teacher, 150 ms later, −12 dB, coloured); the other's
 * hears someone in the room talking over the teacher. The server must flag the first, tell the
 * teacher's console and that room, and leave the second alone.
 */
describe('echo guard (real Chromium, mediasoup, caption worker)', () => {
  let mediaDir: string;
  let teacherBrowser: Browser;
  let roomBrowser: Browser;
  let server: ServerProcess;

  beforeAll(async () => {
    mediaDir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-echo-'));
    const teacherSpeech = await writeSpeechWav(path.join(mediaDir, 'teacher.wav'), TEACHER_SENTENCES, { pauseS: 0.8 });
    teacherBrowser = await launchBrowser([`--use-file-for-fake-audio-capture=${teacherSpeech.path}`]);
    roomBrowser = await launchBrowser();
    // Captions off: the echo guard runs on its own. Two classrooms may hold the floor at once.
    server = await startServerProcess({ DEMO: '1', RECORDING: 'off', CAPTIONS: 'off', MAX_FLOOR_HOLDERS: '2', ECHO_DUCK: 'on', LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await teacherBrowser?.close();
    await roomBrowser?.close();
    await server?.stop();
    await fs.rm(mediaDir, { recursive: true, force: true });
  });

  it('flags the classroom whose loudspeakers leak into its microphone within 5 s, warns the teacher and that room, and not the talking one', async () => {
    const teacherToken = await server.mintToken(LESSON, { role: 'teacher' });
    const console: Page = await (await teacherBrowser.newContext()).newPage();
    console.on('pageerror', (error) => process.stderr.write(`[teacher page] ${error.message}\n`));
    await console.goto(`${server.url}/teacher.html?lesson=${LESSON}&token=${teacherToken}`);
    await console.waitForFunction(() => (window as any).classbridge?.state?.self, undefined, { timeout: 20_000 });

    const echoing: SdkPage = await openSdkPage(roomBrowser, server.url, { token: await server.mintToken(LESSON, { role: 'classroom', classroomId: ECHOING_ROOM }) });
    const clean: SdkPage = await openSdkPage(roomBrowser, server.url, { token: await server.mintToken(LESSON, { role: 'classroom', classroomId: CLEAN_ROOM }) });
    const talker = await writeSpeechWav(path.join(mediaDir, 'classroom.wav'), CLASSROOM_SENTENCES, { pauseS: 0.5, sampleRate: 48_000 });
    const teacherId = await echoing.waitFor<string>('return client.participants.find((p) => p.role === "teacher" && p.connected)?.participantId;', undefined, 20_000);
    // The room's loudspeakers play the teacher from the start; the leak into its microphone begins later.
    const leak = { delayMs: 150, gainDb: -12, lowpassHz: 3_500, resonanceHz: 900, resonanceDb: 6 };
    await publishRoomMicrophone(echoing, { echoOf: { participantId: teacherId, path: { ...leak, gainDb: -120 } } });
    await publishRoomMicrophone(clean, { echoOf: null, talker: { wav: await fs.readFile(talker.path), gainDb: -3 } });

    // Both classrooms get the floor: their microphones go live and the server listens to them.
    await console.evaluate(async (ids) => {
      const client = (window as any).classbridge.client;
      for (const id of ids) await client.grantFloor(id);
    }, [ECHOING_ID, CLEAN_ID]);
    // Holding the floor, a classroom plays out with less delay (its interactive jitter profile):
    // its loudspeakers' delay settles over a few seconds. Then they start leaking into its
    // microphone: 150 ms later, −12 dB, coloured.
    await sleep(6_000);
    await setRoomMicrophone(echoing, { echoOf: { participantId: teacherId, path: leak } });
    const echoFrom = Date.now();

    const flagged = await echoing.waitFor<{ wallMs: number; payload: { warning: { delayMs: number; echoReturnLossDb: number | null } } }>(
      'return window.cbEvents.find((e) => e.name === "echo" && e.payload.self && e.payload.warning);',
      undefined,
      20_000,
      100,
    );
    const flaggedAfterMs = flagged.wallMs - echoFrom;
    process.stdout.write(`[echo] flagged ${flaggedAfterMs} ms after the loudspeakers started leaking; delay ${flagged.payload.warning.delayMs} ms, ERL ${flagged.payload.warning.echoReturnLossDb} dB\n`);
    expect(flaggedAfterMs).toBeLessThanOrEqual(5_000);
    // 150 ms in the room on top of the way there and back (networks, the classroom's playout).
    expect(flagged.payload.warning.delayMs).toBeGreaterThan(150);

    // The teacher's console marks that classroom, and only it.
    await console.waitForSelector(`li.person[data-participant="${ECHOING_ID}"] .badge.echo`, { timeout: 5_000 });
    expect(await console.locator(`li.person[data-participant="${CLEAN_ID}"] .badge.echo`).count()).toBe(0);

    // The talking classroom keeps talking over the teacher for a while: never flagged. Meanwhile
    // the warned room ducks (ECHO_DUCK=on): its microphone, as the SFU measures it, drops while the
    // teacher speaks.
    await sleep(12_000);
    const levels = (await echoing.events('audioLevels')).flatMap((e) => (e.payload.levels as Array<{ participantId: string; volume: number }>).filter((l) => l.participantId === ECHOING_ID).map((l) => ({ at: e.wallMs, volume: l.volume })));
    const meanOf = (from: number, to: number) => {
      const picked = levels.filter((l) => l.at >= from && l.at < to).map((l) => l.volume);
      return picked.length ? picked.reduce((a, b) => a + b, 0) / picked.length : null;
    };
    const leakingDb = meanOf(echoFrom + 500, flagged.wallMs);
    const duckedDb = meanOf(flagged.wallMs + 2_000, Date.now());
    process.stdout.write(`[echo] the leaking room's microphone at the SFU: ${leakingDb?.toFixed(1)} dBov before the warning, ${duckedDb?.toFixed(1)} dBov ducked\n`);
    expect(flagged.payload.warning).toMatchObject({ duck: true });
    expect(leakingDb).not.toBeNull();
    expect(duckedDb === null || duckedDb < leakingDb! - 10).toBe(true); // null: under the SFU's −70 dBov floor
    await sleep(3_000);
    expect((await clean.events("echo")).filter((e) => e.payload.participantId === CLEAN_ID && e.payload.warning)).toEqual([]);
    expect(await console.locator(`li.person[data-participant="${CLEAN_ID}"] .badge.echo`).count()).toBe(0);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^classbridge_echo_detections_total 1$/m);
    expect(metrics).toMatch(/^classbridge_echo_leaking_microphones 1$/m);

    // The floor taken back: the server stops listening to that room and the warning goes.
    await console.evaluate(async (id) => (window as any).classbridge.client.revokeFloor(id), ECHOING_ID);
    await echoing.waitFor('return window.cbEvents.some((e) => e.name === "echo" && e.payload.self && e.payload.warning === null);', undefined, 10_000);
    await console.waitForSelector(`li.person[data-participant="${ECHOING_ID}"] .badge.echo`, { state: 'detached', timeout: 5_000 });
  });
});
