import fs from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '@classbridge/protocol';
import type { Caption } from '@classbridge/protocol';
import { startLocalServer } from '@classbridge/load-tests';
import type { LocalServer } from '@classbridge/load-tests';

const LESSON = 'demo-english-g4';
const OTHER_LESSON = 'demo-music-g4';
const ORIGIN = Date.parse('2026-12-01T08:00:00.000Z');

const caption = (captionId: string, participantId: string, speaker: string, text: string, startS: number, endS: number): Caption => ({
  captionId,
  participantId,
  speaker,
  language: 'en',
  text,
  final: true,
  startMs: ORIGIN + startS * 1000,
  endMs: ORIGIN + endS * 1000,
});

/** A ready recording of LESSON that started 10 s after its transcript did (the recorder's files are tested in recorder/). */
async function handMadeRecording(dataDir: string, recordingId: string): Promise<void> {
  const dir = path.join(dataDir, 'recordings', recordingId);
  await fs.mkdir(dir, { recursive: true });
  const startedAt = new Date(ORIGIN + 10_000).toISOString();
  await fs.writeFile(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      version: 1,
      recordingId,
      lessonId: LESSON,
      lesson: { title: 'Grade 4 English', subject: '英语', school: '实验小学', classroom: '四年级(1)班', teacher: '陈俊', scheduledStart: startedAt },
      state: 'ready',
      startedAt,
      endedAt: startedAt,
      durationMs: 60_000,
      interrupted: false,
      error: null,
      tracks: [],
      floor: [],
      spotlight: [],
      segments: [],
      composedUntilMs: 60_000,
      replay: { playlist: 'index.m3u8', mp4: 'lesson.mp4', thumbnail: null, captions: null, readyAfterEndSeconds: 1 },
      updatedAt: startedAt,
    }),
  );
}

describe('transcripts over REST and replay links', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer({ CAPTIONS: 'on', RECORDING: 'on' });
    const transcripts = server.captions!.transcripts!;
    await transcripts.save({
      version: 1,
      lessonId: LESSON,
      language: 'en',
      startedAt: new Date(ORIGIN).toISOString(),
      updatedAt: new Date().toISOString(),
      complete: true,
      captions: [
        caption('a', 'teacher', '陈俊', 'Please open your books to page twelve.', 12, 15),
        caption('b', 'classroom-qh-shangling-g4', '上岭村小学 四年级', 'The answer is three quarters.', 20, 22.5),
      ],
    });
    await transcripts.save({
      version: 1,
      lessonId: OTHER_LESSON,
      language: 'zh',
      startedAt: new Date(ORIGIN).toISOString(),
      updatedAt: new Date().toISOString(),
      complete: true,
      captions: [{ ...caption('c', 'teacher', '王丽', '请大家翻到ＢＯＯＫ第十二页', 5, 8), language: 'zh' }],
    });
    await handMadeRecording(server.dataDir, 'rec0123456789abcdefXYZ');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gives a lesson\'s transcript to operators as JSON, WebVTT and SRT', async () => {
    expect((await server.api('GET', `/api/lessons/${LESSON}/transcript`, undefined, {})).status).toBe(401);
    const json = await server.api('GET', `/api/lessons/${LESSON}/transcript`);
    expect(json.status).toBe(200);
    expect(json.body.captions.map((c: Caption) => c.speaker)).toEqual(['陈俊', '上岭村小学 四年级']);
    const vtt = await fetch(`${server.url}/api/lessons/${LESSON}/transcript?format=vtt`, { headers: { 'x-api-key': server.adminKey } });
    expect(vtt.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    expect(await vtt.text()).toContain('00:00:12.000 --> 00:00:15.000\n<v 陈俊>Please open your books to page twelve.');
    const srt = await fetch(`${server.url}/api/lessons/${LESSON}/transcript?format=srt&download=1`, { headers: { 'x-api-key': server.adminKey } });
    expect(srt.headers.get('content-disposition')).toBe(`attachment; filename="${LESSON}.srt"`);
    expect(await srt.text()).toContain('2\n00:00:20,000 --> 00:00:22,500\n上岭村小学 四年级: The answer is three quarters.');

    expect((await server.api('GET', '/api/lessons/no-such-lesson/transcript')).body.error.code).toBe(ErrorCode.NotFound);
    expect((await server.api('GET', `/api/lessons/${LESSON}/transcript?format=docx`)).body.error.code).toBe(ErrorCode.BadRequest);
    expect((await server.api('GET', '/api/lessons/..%2F..%2Fetc/transcript')).status).toBe(404);
  });

  it('finds where something was said, in any lesson, case- and width-insensitively', async () => {
    const hits = await server.api('GET', '/api/transcripts/search?q=THREE%20quarters');
    expect(hits.body.hits).toEqual([
      expect.objectContaining({ lessonId: LESSON, lessonTitle: expect.stringContaining('English'), speaker: '上岭村小学 四年级', atSeconds: 20 }),
    ]);
    // Full-width Latin letters in Mandarin text match their ASCII spelling.
    expect((await server.api('GET', `/api/transcripts/search?q=${encodeURIComponent('book第十二页')}`)).body.hits).toEqual([expect.objectContaining({ lessonId: OTHER_LESSON, atSeconds: 5 })]);
    expect((await server.api('GET', `/api/transcripts/search?q=page&lessonId=${OTHER_LESSON}`)).body.hits).toEqual([]);
    expect((await server.api('GET', '/api/transcripts/search')).body.error.code).toBe(ErrorCode.BadRequest);
    expect((await server.api('GET', `/api/transcripts/search?q=${'x'.repeat(101)}`)).body.error.code).toBe(ErrorCode.BadRequest);
    expect((await server.api('GET', '/api/transcripts/search?q=a&lessonId=../x')).body.error.code).toBe(ErrorCode.BadRequest);
  });

  it('gives replay viewers their lesson\'s transcript and the recording\'s caption track, and nothing else', async () => {
    const { token } = (await server.api('POST', `/api/lessons/${LESSON}/replay-tokens`, {})).body;
    const { token: otherToken } = (await server.api('POST', `/api/lessons/${OTHER_LESSON}/replay-tokens`, {})).body;
    const own = await server.api('GET', `/replay/${token}/transcript`, undefined, {});
    expect(own.body.lessonId).toBe(LESSON);
    expect((await server.api('GET', `/replay/${otherToken}/transcript`, undefined, {})).body.lessonId).toBe(OTHER_LESSON);
    expect((await server.api('GET', `/replay/${token}/transcript/search?q=quarters`, undefined, {})).body.hits).toHaveLength(1);
    expect((await server.api('GET', `/replay/${otherToken}/transcript/search?q=quarters`, undefined, {})).body.hits).toHaveLength(0);
    expect((await server.api('GET', '/replay/not-a-token/transcript', undefined, {})).status).toBe(401);

    // The recording lists its caption track, on the recording's own timeline (it started 10 s later).
    const listed = await server.api('GET', `/replay/${token}/recordings`, undefined, {});
    expect(listed.body.recordings[0]).toMatchObject({ recordingId: 'rec0123456789abcdefXYZ', captions: 'captions.vtt' });
    const track = await fetch(`${server.url}/replay/${token}/rec0123456789abcdefXYZ/captions.vtt`);
    expect(track.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    expect(await track.text()).toContain('00:00:02.000 --> 00:00:05.000\n<v 陈俊>');
    // Another lesson's token cannot reach this recording's track.
    expect((await fetch(`${server.url}/replay/${otherToken}/rec0123456789abcdefXYZ/captions.vtt`)).status).toBe(404);
    expect((await server.api('GET', '/api/recordings')).body.recordings[0].hasCaptions).toBe(true);
  });

  it('answers 404 with a clear message when captions are off', async () => {
    const off = await startLocalServer({ CAPTIONS: 'off' });
    try {
      const answer = await off.api('GET', `/api/lessons/${LESSON}/transcript`);
      expect(answer.status).toBe(404);
      expect(answer.body.error.message).toContain('CAPTIONS=off');
    } finally {
      await off.stop();
    }
  });
});
