import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { ErrorCode } from '@classbridge/protocol';
import { startLocalServer } from '@classbridge/load-tests';
import type { LocalServer } from '@classbridge/load-tests';

const LESSON = 'demo-music-g4';
const OTHER_LESSON = 'demo-english-g4';
const RECORDING = 'rec0123456789abcdefXYZ';
const MP4_BYTES = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

/** A finished recording as the recorder leaves it on disk (the media pipeline is tested in recorder/). */
async function handMadeRecording(dataDir: string, lessonId = LESSON, recordingId = RECORDING): Promise<string> {
  const dir = path.join(dataDir, 'recordings', recordingId);
  await fs.mkdir(dir, { recursive: true });
  const at = new Date().toISOString();
  const manifest = {
    version: 1,
    recordingId,
    lessonId,
    lesson: { title: '四年级音乐', subject: '音乐', school: '实验小学', classroom: '四年级(1)班', teacher: '王丽', scheduledStart: at },
    state: 'ready',
    startedAt: at,
    endedAt: at,
    durationMs: 20_000,
    interrupted: false,
    error: null,
    tracks: [{ trackId: 'camera-abc', producerId: 'p1', participantId: 'teacher', participantName: '王丽', role: 'teacher', kind: 'video', source: 'camera', codec: 'vp8', files: [{ name: 'camera-abc-00000.webm', startMs: 0, endMs: 20_000 }], live: [{ startMs: 0, endMs: 20_000 }] }],
    floor: [],
    spotlight: [],
    segments: [
      { name: 'seg-00000.ts', startMs: 0, endMs: 10_000, bytes: 4 },
      { name: 'seg-00001.ts', startMs: 10_000, endMs: 20_000, bytes: 4 },
    ],
    composedUntilMs: 20_000,
    replay: { playlist: 'index.m3u8', mp4: 'lesson.mp4', thumbnail: 'thumbnail.jpg', captions: null, readyAfterEndSeconds: 2.1 },
    updatedAt: at,
  };
  await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  await fs.writeFile(path.join(dir, 'index.m3u8'), '#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:10.000,\nseg-00000.ts\n#EXTINF:10.000,\nseg-00001.ts\n#EXT-X-ENDLIST\n');
  await fs.writeFile(path.join(dir, 'seg-00000.ts'), 'seg0');
  await fs.writeFile(path.join(dir, 'seg-00001.ts'), 'seg1');
  await fs.writeFile(path.join(dir, 'lesson.mp4'), MP4_BYTES);
  await fs.writeFile(path.join(dir, 'thumbnail.jpg'), 'jpeg');
  await fs.writeFile(path.join(dir, 'camera-abc-00000.webm'), 'capture');
  return dir;
}

/** A GET with the path sent exactly as written (fetch would normalize "../"). */
function rawGet(url: string, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path: rawPath, method: 'GET', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('recordings over REST and replay links', () => {
  let server: LocalServer;
  beforeEach(async () => {
    server = await startLocalServer({ RECORDING: 'on' });
    await handMadeRecording(server.dataDir);
  });
  afterEach(async () => {
    await server?.stop();
  });

  async function replayToken(lessonId = LESSON): Promise<string> {
    const minted = await server.api('POST', `/api/lessons/${lessonId}/replay-tokens`, { ttlSeconds: 3600 });
    expect(minted.status).toBe(201);
    expect(minted.body.url).toBe(`/replay.html#token=${minted.body.token}`);
    return minted.body.token as string;
  }

  it('lists, shows and deletes recordings with the admin key only', async () => {
    expect((await server.api('GET', '/api/recordings', undefined, {})).status).toBe(401);
    const listed = await server.api('GET', `/api/recordings?lessonId=${LESSON}`);
    expect(listed.body).toMatchObject({ recording: 'on', recordings: [{ recordingId: RECORDING, state: 'ready', durationMs: 20_000, hasThumbnail: true }] });
    const shown = await server.api('GET', `/api/recordings/${RECORDING}`);
    expect(shown.body).toMatchObject({ lessonId: LESSON, progress: { composedSeconds: 20, durationSeconds: 20 } });
    expect((await server.api('GET', '/api/recordings/no-such-recording')).status).toBe(404);
    expect((await server.api('POST', '/api/lessons/no-such-lesson/replay-tokens', {})).status).toBe(404);
    expect((await server.api('POST', `/api/lessons/${LESSON}/replay-tokens`, { ttlSeconds: 'forever' })).body.error.code).toBe(ErrorCode.BadRequest);

    expect((await server.api('DELETE', `/api/recordings/${RECORDING}`)).status).toBe(204);
    await expect(fs.access(path.join(server.dataDir, 'recordings', RECORDING))).rejects.toThrow();
    expect((await server.api('DELETE', `/api/recordings/${RECORDING}`)).status).toBe(404);
  });

  it('a replay link opens its lesson\'s recordings, with the right types and byte ranges', async () => {
    const token = await replayToken();
    const listed = await server.api('GET', `/replay/${token}/recordings`, undefined, {});
    expect(listed.body).toMatchObject({ lessonId: LESSON, recordings: [{ recordingId: RECORDING, playlist: 'index.m3u8', mp4: 'lesson.mp4' }] });

    const playlist = await rawGet(server.url, `/replay/${token}/${RECORDING}/index.m3u8`);
    expect(playlist.status).toBe(200);
    expect(playlist.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(playlist.headers['cache-control']).toMatch(/^private/);
    // Segment URIs are relative, so they carry the token in the path.
    expect((await rawGet(server.url, `/replay/${token}/${RECORDING}/seg-00001.ts`)).body.toString()).toBe('seg1');

    const range = await rawGet(server.url, `/replay/${token}/${RECORDING}/lesson.mp4`, { range: 'bytes=100-199' });
    expect(range.status).toBe(206);
    expect(range.headers['content-range']).toBe('bytes 100-199/1000');
    expect(range.body.equals(MP4_BYTES.subarray(100, 200))).toBe(true);
    const tail = await rawGet(server.url, `/replay/${token}/${RECORDING}/lesson.mp4`, { range: 'bytes=-10' });
    expect(tail.body.equals(MP4_BYTES.subarray(990))).toBe(true);
    expect((await rawGet(server.url, `/replay/${token}/${RECORDING}/lesson.mp4`, { range: 'bytes=5000-' })).status).toBe(416);
    const download = await rawGet(server.url, `/replay/${token}/${RECORDING}/lesson.mp4?download=1`);
    expect(download.headers['content-disposition']).toBe('attachment; filename="lesson.mp4"');
    expect(download.body.equals(MP4_BYTES)).toBe(true);
  });

  it('refuses replays without a valid token for that lesson, and anything the manifest does not list', async () => {
    const token = await replayToken();
    const otherToken = await replayToken(OTHER_LESSON);
    // No token, a forged one, a lesson access token (another audience), another lesson's token.
    expect((await rawGet(server.url, `/replay/not-a-token/${RECORDING}/lesson.mp4`)).status).toBe(401);
    const accessToken = await server.mintToken(LESSON, { role: 'teacher' });
    expect((await rawGet(server.url, `/replay/${accessToken}/${RECORDING}/lesson.mp4`)).status).toBe(401);
    const tampered = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    expect((await rawGet(server.url, `/replay/${tampered}/${RECORDING}/lesson.mp4`)).status).toBe(401);
    expect((await rawGet(server.url, `/replay/${otherToken}/${RECORDING}/lesson.mp4`)).status).toBe(404);
    expect((await server.api('GET', `/replay/${otherToken}/recordings`, undefined, {})).body.recordings).toEqual([]);

    // Path traversal and files that are not replay files: refused, nothing read.
    for (const attempt of [
      `/replay/${token}/${RECORDING}/manifest.json`,
      `/replay/${token}/${RECORDING}/camera-abc-00000.webm`,
      `/replay/${token}/${RECORDING}/..%2fmanifest.json`,
      `/replay/${token}/${RECORDING}/%2e%2e`,
      `/replay/${token}/..%2f..%2fetc/passwd`,
      `/replay/${token}/%2e%2e%2f${RECORDING}/lesson.mp4`,
      `/replay/${token}/${RECORDING}/../../../etc/passwd`,
      `/api/recordings/${RECORDING}/files/manifest.json`,
      `/api/recordings/..%2f..%2fsessions/files/lesson.mp4`,
    ]) {
      const answer = await rawGet(server.url, attempt, { 'x-api-key': server.config.adminApiKey });
      expect([400, 404]).toContain(answer.status);
      expect(answer.body.toString()).not.toContain('capture');
      expect(answer.body.toString()).not.toContain('"tracks"');
    }
    // Operators download with the key.
    const operator = await rawGet(server.url, `/api/recordings/${RECORDING}/files/lesson.mp4`, { 'x-api-key': server.config.adminApiKey });
    expect(operator.body.equals(MP4_BYTES)).toBe(true);
    expect((await rawGet(server.url, `/api/recordings/${RECORDING}/files/lesson.mp4`)).status).toBe(401);
  });

  it('serves the replay page and hls.js in every mode', async () => {
    for (const file of ['/replay.html', '/replay.js', '/vendor/hls.light.min.js']) expect((await rawGet(server.url, file)).status).toBe(200);
  });
});
