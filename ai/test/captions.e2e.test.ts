import { jest } from '@jest/globals';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Caption } from '@classbridge/protocol';
import {
  CLASSROOM_SENTENCES,
  DEFAULT_FAKE_AUDIO_RATE,
  TEACHER_SENTENCES,
  capturedSpeech,
  launchBrowser,
  openSdkPage,
  publishWatchedMicrophone,
  startServerProcess,
  writeSpeechWav,
} from '@classbridge/load-tests';
import type { CapturedSpeech, SdkPage, ServerProcess } from '@classbridge/load-tests';
import { descendants } from './support/processes.js';
import { wordErrorRate } from './support/speech.js';

jest.setTimeout(300_000);

const TEACHER_ID = 't-chen-jun';
const MAIN_ROOM = 'qh-exp-g4-1';
const REMOTE_ROOM = 'qh-shangling-g4';
const REMOTE_ID = `classroom-${REMOTE_ROOM}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the classroom page's caption area showed, each time it changed. */
interface ShownCaption {
  text: string;
  speaker: string;
  partial: boolean;
  atMs: number;
}

/** The best match among `references` for a hypothesis: its word error rate and the sentence. */
function bestMatch(hypothesis: string, references: readonly string[]): { wer: number; reference: string } {
  return references.map((reference) => ({ wer: wordErrorRate(reference, hypothesis), reference })).sort((a, b) => a.wer - b.wer)[0]!;
}

/** The captured speech stretch a caption overlaps most. */
function speechOf(caption: Caption, spans: readonly CapturedSpeech[]): CapturedSpeech | undefined {
  let best: CapturedSpeech | undefined;
  let bestOverlap = 0;
  for (const span of spans) {
    if (span.endMs === null) continue;
    const overlap = Math.min(caption.endMs, span.endMs) - Math.max(caption.startMs, span.startMs);
    if (overlap > bestOverlap) [best, bestOverlap] = [span, overlap];
  }
  return best;
}

/**
 * Live captions end to end: flite speech as Chromium's fake microphones, the real server process
 * (mediasoup, the caption worker process, pocketsphinx, Silero VAD), captions shown in the real
 * classroom page, a floor change, a killed speech engine, and the transcript on the replay.
 */
describe('live captions (real Chromium, mediasoup, caption worker, pocketsphinx)', () => {
  let mediaDir: string;
  let teacherBrowser: Browser;
  let roomBrowser: Browser;
  let server: ServerProcess;

  beforeAll(async () => {
    mediaDir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-speech-'));
    // The teacher publishes with audio processing off (44.1 kHz capture); the classroom page keeps it on (48 kHz).
    const teacherSpeech = await writeSpeechWav(path.join(mediaDir, 'teacher.wav'), TEACHER_SENTENCES);
    const roomSpeech = await writeSpeechWav(path.join(mediaDir, 'classroom.wav'), CLASSROOM_SENTENCES, { sampleRate: DEFAULT_FAKE_AUDIO_RATE });
    teacherBrowser = await launchBrowser([`--use-file-for-fake-audio-capture=${teacherSpeech.path}`]);
    roomBrowser = await launchBrowser([`--use-file-for-fake-audio-capture=${roomSpeech.path}`]);
    server = await startServerProcess({ DEMO: '1', RECORDING: 'on', CAPTIONS: 'on', LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await teacherBrowser?.close();
    await roomBrowser?.close();
    await server?.stop();
    await fs.rm(mediaDir, { recursive: true, force: true });
  });

  it('captions the teacher and the floor holder live, survives a killed engine, and keeps a transcript for the replay', async () => {
    const created = await server.api('POST', '/api/lessons', {
      title: 'Grade 4 English 字幕测试',
      subject: '英语 English',
      teacherId: TEACHER_ID,
      mainClassroomId: MAIN_ROOM,
      remoteClassroomIds: [REMOTE_ROOM],
      scheduledStart: new Date().toISOString(),
      language: 'en',
    });
    expect(created.status).toBe(201);
    const lessonId = created.body.id as string;

    const teacher: SdkPage = await openSdkPage(teacherBrowser, server.url, { token: await server.mintToken(lessonId, { role: 'teacher' }) });
    // The remote classroom is the real demo page, which publishes its camera and microphone itself.
    const roomToken = await server.mintToken(lessonId, { role: 'classroom', classroomId: REMOTE_ROOM });
    const room = await (await roomBrowser.newContext()).newPage();
    room.on('pageerror', (error) => process.stderr.write(`[classroom page] ${error.message}\n`));
    await room.goto(`${server.url}/classroom.html?lesson=${lessonId}&token=${roomToken}`);
    await room.waitForFunction(() => (window as any).classbridge?.state?.self, undefined, { timeout: 20_000 });
    await watchCaptionArea(room);
    const roomName = await room.evaluate(() => (window as any).classbridge.state.self.displayName as string);

    await publishWatchedMicrophone(teacher);
    // One whole loop of the teacher's sentences and the start of the next.
    await sleep(17_000);

    await teacher.run('await client.grantFloor(arg);', REMOTE_ID);
    const grantedAt = Date.now();
    await sleep(12_000);

    // Kill every speech engine process (the teacher's and the classroom's): they are restarted.
    const engines = descendants(server.pid).filter((p) => p.command.includes('pocketsphinx_stream.py'));
    expect(engines.length).toBeGreaterThanOrEqual(2);
    for (const engine of engines) process.kill(engine.pid, 'SIGKILL');
    const killedAt = Date.now();
    // Room for the engines' restart and two of the teacher's sentences even on a busy CI machine.
    await sleep(22_000);
    await teacher.run('await client.endLesson();');

    const received = (await teacher.events('caption')).map((event) => ({ ...(event.payload as Caption), receivedMs: event.wallMs as number }));
    const spans = await capturedSpeech(teacher);
    const finals = received.filter((c) => c.final);
    const teacherFinals = finals.filter((c) => c.participantId === 'teacher');

    // Word error rate of the teacher's finals before the kill (a sentence cut by the kill does not count).
    const beforeKill = teacherFinals.filter((c) => c.endMs < killedAt - 500);
    expect(beforeKill.length).toBeGreaterThanOrEqual(3);
    const words = beforeKill.reduce((sum, c) => sum + bestMatch(c.text, TEACHER_SENTENCES).reference.split(/\s+/).length, 0);
    const errors = beforeKill.reduce((sum, c) => {
      const match = bestMatch(c.text, TEACHER_SENTENCES);
      return sum + match.wer * match.reference.split(/\s+/).length;
    }, 0);
    expect(errors / words).toBeLessThanOrEqual(0.25);

    // Caption times against the speech the teacher's browser captured (its own clock): within 300 ms.
    for (const caption of beforeKill) {
      const speech = speechOf(caption, spans);
      expect(speech).toBeDefined();
      expect(Math.abs(caption.startMs - speech!.startMs)).toBeLessThanOrEqual(300);
      expect(Math.abs(caption.endMs - speech!.endMs!)).toBeLessThanOrEqual(300);
    }
    // Partials while the teacher is still speaking, before each final.
    const partialsDuringSpeech = beforeKill.filter((final) =>
      received.some((c) => c.captionId === final.captionId && !c.final && c.receivedMs < (speechOf(final, spans)?.endMs ?? 0)),
    );
    expect(partialsDuringSpeech.length).toBeGreaterThanOrEqual(beforeKill.length - 1);

    // The floor holder is captioned under its name once it has the floor, and never before.
    const roomFinals = finals.filter((c) => c.participantId === REMOTE_ID);
    expect(roomFinals.every((c) => c.speaker === roomName && c.endMs > grantedAt - 300)).toBe(true);
    expect(roomFinals.some((c) => bestMatch(c.text, CLASSROOM_SENTENCES).wer <= 0.25)).toBe(true);

    // After the kill both engines were replaced and captions resumed.
    expect(teacherFinals.some((c) => c.startMs > killedAt && bestMatch(c.text, TEACHER_SENTENCES).wer <= 0.25)).toBe(true);
    const enginesAfter = descendants(server.pid).filter((p) => p.command.includes('pocketsphinx_stream.py'));
    expect(enginesAfter.map((p) => p.pid).some((pid) => engines.some((old) => old.pid === pid))).toBe(false);

    // The classroom page showed them: partial (lighter) and final, with the speaker's name.
    const shown = await room.evaluate(() => (window as any).__shownCaptions as ShownCaption[]);
    expect(shown.some((entry) => entry.partial && entry.speaker)).toBe(true);
    expect(shown.some((entry) => !entry.partial && teacherFinals.some((c) => c.text === entry.text))).toBe(true);
    expect(shown.some((entry) => entry.speaker === roomName)).toBe(true);

    // The transcript: both speakers, as JSON, WebVTT and SRT, and as the replay's caption track.
    const transcript = await waitForTranscript(server, lessonId);
    expect(transcript.complete).toBe(true);
    expect(new Set(transcript.captions.map((c: Caption) => c.participantId))).toEqual(new Set(['teacher', REMOTE_ID]));
    const vtt = await server.api('GET', `/api/lessons/${lessonId}/transcript?format=vtt`);
    expect(vtt.status).toBe(200);
    expect(String(vtt.body)).toMatch(/^WEBVTT/);
    const word = transcript.captions[0].text.split(' ')[0];
    const search = await server.api('GET', `/api/transcripts/search?q=${encodeURIComponent(word)}`);
    expect(search.body.hits.some((hit: { lessonId: string }) => hit.lessonId === lessonId)).toBe(true);

    const { token } = (await server.api('POST', `/api/lessons/${lessonId}/replay-tokens`, {})).body;
    const recording = await waitForReplay(server, token);
    expect(recording.captions).toBe('captions.vtt');
    const track = await fetch(`${server.url}/replay/${token}/${recording.recordingId}/captions.vtt`);
    expect(track.status).toBe(200);
    expect(await track.text()).toContain(`<v ${roomName.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}>`);
  });
});

/** Records every change of the classroom page's caption area (#captions). */
async function watchCaptionArea(page: Page): Promise<void> {
  await page.evaluate(() => {
    const box = document.getElementById('captions')!;
    const shown: ShownCaption[] = ((window as any).__shownCaptions = []);
    new MutationObserver(() => {
      if (box.hidden) return;
      shown.push({
        text: box.querySelector('.caption-text')!.textContent ?? '',
        speaker: box.querySelector('.caption-speaker')!.textContent ?? '',
        partial: box.classList.contains('partial'),
        atMs: Date.now(),
      });
    }).observe(box, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

async function waitForTranscript(server: ServerProcess, lessonId: string): Promise<any> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await server.api('GET', `/api/lessons/${lessonId}/transcript`);
    if (answer.status === 200 && answer.body.complete) return answer.body;
    if (Date.now() > deadline) throw new Error(`no complete transcript: ${JSON.stringify(answer)}`);
    await sleep(250);
  }
}

async function waitForReplay(server: ServerProcess, token: string): Promise<any> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const answer = await fetch(`${server.url}/replay/${token}/recordings`).then((response) => response.json() as Promise<any>);
    if (answer.recordings?.[0]) return answer.recordings[0];
    if (Date.now() > deadline) throw new Error(`no ready recording: ${JSON.stringify(answer)}`);
    await sleep(500);
  }
}
