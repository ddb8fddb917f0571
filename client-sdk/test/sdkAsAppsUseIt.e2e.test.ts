import { jest } from '@jest/globals';
import { BrowserLab, openSdkPage } from '@classbridge/load-tests';
import type { SdkPage } from '@classbridge/load-tests';

jest.setTimeout(120_000);

const LESSON = 'demo-music-g4';
const ROOM = 'qh-shangling-g4';
const ROOM_ID = `classroom-${ROOM}`;

/**
 * The SDK as a third-party app uses it: pages that import the served bundle and
 * call the public API only (no demo page code), against a real server in Chromium.
 */
describe('SDK as apps use it', () => {
  let lab: BrowserLab;
  const pages: SdkPage[] = [];

  async function seat(body: Record<string, unknown>, options: { join?: boolean; joinTimeoutMs?: number; url?: string } = {}): Promise<SdkPage> {
    const token = await lab.server.mintToken(LESSON, body);
    const page = await openSdkPage(lab.browser, lab.server.url, { token, ...(options.joinTimeoutMs ? { joinTimeoutMs: options.joinTimeoutMs } : {}), ...(options.url ? { url: options.url } : {}) }, { join: options.join ?? true });
    pages.push(page);
    return page;
  }

  beforeAll(async () => {
    lab = await BrowserLab.start();
  });
  afterEach(async () => {
    for (const page of pages.splice(0)) {
      await page.run('await client.leave();').catch(() => undefined);
      await page.page.context().close();
    }
    // Let the server see everyone go before the next case.
    await new Promise((resolve) => setTimeout(resolve, 300));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  async function livePeer(participantId: string): Promise<string> {
    const lesson = await lab.server.registry.find(LESSON);
    const peer = lesson?.peerIdOf(participantId);
    if (!peer) throw new Error(`${participantId} has no connection`);
    return peer;
  }

  async function cameraProducers(participantId: string) {
    const peer = await livePeer(participantId);
    return (await lab.server.sfu.listProducers(LESSON)).filter((p) => p.peerId === peer && p.source === 'camera');
  }

  it.each([
    [320, 240],
    [640, 360],
    [640, 480],
    [1280, 720],
  ])('a %ix%i classroom camera reaches the teacher at full size when asked for the top layer, every layer carrying frames', async (width, height) => {
    const room = await seat({ role: 'classroom', classroomId: ROOM });
    await room.run('await client.publishCamera(arg);', { width, height });
    const teacher = await seat({ role: 'teacher' });
    const consumerId = await teacher.page.waitForFunction((id) => (window as any).cb.remoteTracks().find((t: any) => t.kind === 'video' && t.participantId === id)?.consumerId, ROOM_ID, { timeout: 20_000 });
    await teacher.run('await client.setPreferredLayer(arg, 2);', await consumerId.jsonValue());
    const top = await teacher.waitFor<{ frameWidth: number }>(
      'const video = (await client.getReceiveStats()).find((s) => s.kind === "video"); return video && video.frameHeight === arg ? video : null;',
      height,
      30_000,
      500,
    );
    expect(top.frameWidth).toBe(width);
    const sent: Array<{ rid: string | null; framesEncoded: number; frameHeight: number | null }> = await room.run('return client.getSendStats();');
    const layers = sent.filter((s) => s.rid !== null || sent.length === 1);
    const expected = width * height >= 960 * 540 ? 3 : width * height >= 480 * 270 ? 2 : 1;
    expect(layers.filter((layer) => layer.framesEncoded > 0)).toHaveLength(expected);
    expect(Math.max(...layers.map((layer) => layer.frameHeight ?? 0))).toBe(height);
  });

  it('join() fails with TIMEOUT when the server is unreachable, and can be tried again', async () => {
    const lost = await seat({ role: 'observer' }, { join: false, joinTimeoutMs: 1500, url: 'http://127.0.0.1:9' });
    const started = Date.now();
    const failure = await lost.run<{ code: string }>('try { await client.join(); return { code: "JOINED" }; } catch (e) { return { code: e.code, name: e.name }; }');
    expect(failure).toMatchObject({ code: 'TIMEOUT', name: 'ClassBridgeError' });
    expect(Date.now() - started).toBeLessThan(6000);
    expect(await lost.run('return client.state;')).toBe('failed');
    expect((await lost.events('error')).map((e) => e.payload.code)).toContain('TIMEOUT');
    // A second attempt times out the same way rather than hanging.
    expect(await lost.run<{ code: string }>('try { await client.join(); return { code: "JOINED" }; } catch (e) { return { code: e.code }; }')).toEqual({ code: 'TIMEOUT' });
  });

  it('two concurrent publishCamera() leave one producer; unpublish removes it; switching cameras keeps the stream', async () => {
    const room = await seat({ role: 'classroom', classroomId: ROOM });
    const teacher = await seat({ role: 'teacher' });
    await room.run('await Promise.all([client.publishCamera(), client.publishCamera()]);');
    const [only, ...others] = await cameraProducers(ROOM_ID);
    expect(others).toHaveLength(0);
    expect(only).toBeDefined();
    await teacher.page.waitForFunction((id) => (window as any).cb.remoteTracks().filter((t: any) => t.participantId === id && t.source === 'camera').length === 1, ROOM_ID, { timeout: 15_000 });
    // Switching cameras (publishCamera again at the same size) replaces the track: same producer, no tile churn.
    await room.run('await client.publishCamera();');
    expect((await cameraProducers(ROOM_ID)).map((p) => p.producerId)).toEqual([only!.producerId]);
    expect((await teacher.events('trackRemoved')).filter((e) => e.payload.participantId === ROOM_ID)).toHaveLength(0);
    await room.run("await client.unpublish('camera');");
    expect(await cameraProducers(ROOM_ID)).toHaveLength(0);
    await teacher.page.waitForFunction((id) => !(window as any).cb.remoteTracks().some((t: any) => t.participantId === id && t.source === 'camera'), ROOM_ID, { timeout: 10_000 });
  });

  it('a refused publish opens no device and does not break reconnection', async () => {
    const watcher = await seat({ role: 'observer', participantId: 'inspector-1', displayName: '督导 李老师' });
    await watcher.page.evaluate(() => {
      const w = window as any;
      w.captures = 0;
      const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = (constraints) => {
        w.captures++;
        return original(constraints);
      };
    });
    const refused = await watcher.run<{ code: string }>('try { await client.publishMicrophone(); return { code: "OK" }; } catch (e) { return { code: e.code }; }');
    expect(refused.code).toBe('FORBIDDEN');
    expect(await watcher.page.evaluate(() => (window as any).captures)).toBe(0);
    // The link drops: the observer comes back, without replaying the refused publish or joining twice.
    await lab.server.dropConnection('inspector-1');
    await watcher.page.waitForFunction(() => (window as any).cb.state === 'reconnecting', null, { timeout: 10_000 });
    await watcher.page.waitForFunction(() => (window as any).cb.state === 'connected', null, { timeout: 20_000 });
    const codes = (await watcher.events('error')).map((e) => e.payload.code);
    expect(codes).not.toContain('ALREADY_JOINED');
  });

  it('a step that fails after join is retried as a resync, never as a second join', async () => {
    // A tight per-socket budget makes requests after `join` fail now and then, as a flaky link would.
    const tight = await BrowserLab.start({ RATE_LIMIT_BURST: '4', RATE_LIMIT_PER_SECOND: '2' });
    try {
      const token = await tight.server.mintToken(LESSON, { role: 'observer' });
      const page = await openSdkPage(tight.browser, tight.server.url, { token }, { join: false });
      const outcome = await page.run<{ codes: string[]; state: string }>(`
        const codes = [];
        for (let i = 0; i < 8; i++) {
          try { await client.join(); break; } catch (e) { codes.push(e.code); await new Promise((r) => setTimeout(r, 1500)); }
        }
        return { codes, state: client.state };
      `);
      expect(outcome.codes).not.toContain('ALREADY_JOINED');
      expect(outcome.state).toBe('connected');
      await page.page.context().close();
    } finally {
      await tight.stop();
    }
  });

  it('apps know who is there with names before the first track, and see others muted and unmuted', async () => {
    const teacher = await seat({ role: 'teacher', displayName: '王丽' });
    await teacher.run('await client.publishCamera({ width: 320, height: 240 });');
    const room = await seat({ role: 'classroom', classroomId: ROOM });
    const joinedTeacher = (await room.events('participantJoined')).find((e) => e.payload.participantId === 'teacher');
    expect(joinedTeacher?.payload.displayName).toBe('王丽');
    expect(await room.run('return client.participants.map((p) => p.displayName);')).toContain('王丽');
    await room.page.waitForFunction(() => (window as any).cbEvents.some((e: any) => e.name === 'trackAdded'), null, { timeout: 15_000 });
    const events = await room.events();
    const firstTrack = events.findIndex((e) => e.name === 'trackAdded');
    expect(events.findIndex((e) => e.name === 'participantJoined' && e.payload.participantId === 'teacher')).toBeLessThan(firstTrack);
    expect(events[firstTrack]!.payload.participant.displayName).toBe('王丽');
    // The classroom's microphone is held without the floor: the teacher sees it as paused, then live after the grant.
    await room.run('await client.publishMicrophone();');
    await teacher.page.waitForFunction((id) => (window as any).cb.remoteTracks().some((t: any) => t.participantId === id && t.kind === 'audio' && t.paused), ROOM_ID, { timeout: 15_000 });
    await teacher.run('await client.grantFloor(arg);', ROOM_ID);
    await teacher.page.waitForFunction(
      (id) => (window as any).cbEvents.some((e: any) => e.name === 'remoteSourceChanged' && e.payload.participantId === id && e.payload.source === 'microphone' && e.payload.paused === false),
      ROOM_ID,
      { timeout: 10_000 },
    );
    await teacher.run('await client.muteParticipant(arg);', ROOM_ID);
    await teacher.page.waitForFunction(
      (id) => (window as any).cbEvents.some((e: any) => e.name === 'remoteSourceChanged' && e.payload.participantId === id && e.payload.paused === true && e.payload.reason === 'muted'),
      ROOM_ID,
      { timeout: 10_000 },
    );
  });

  it('stats are rich enough for a link-quality dashboard, and the bandwidth probe is not a receiver', async () => {
    const teacher = await seat({ role: 'teacher' });
    await teacher.run('await client.publishCamera({ width: 640, height: 360 }); await client.publishMicrophone();');
    const room = await seat({ role: 'classroom', classroomId: ROOM });
    // Played as an app plays it: audio the page never plays is never pulled through the jitter buffer.
    await room.run(`
      const play = ({ kind, track }) => { if (kind === 'audio') { const audio = new Audio(); audio.srcObject = new MediaStream([track]); void audio.play(); } };
      client.remoteTracks().forEach(play);
      client.on('trackAdded', play);
    `);
    const all = await room.waitFor<any[]>(
      `const all = await client.getReceiveStats();
       const video = all.find((s) => s.kind === 'video');
       const audio = all.find((s) => s.kind === 'audio');
       return video?.framesDecoded > 30 && audio?.packetsReceived > 50 && audio.jitterBufferDelayMs !== null && video.roundTripTimeMs !== null ? all : null;`,
      undefined,
      30_000,
      500,
    );
    expect(all).toHaveLength(2);
    const video = all.find((s) => s.kind === 'video');
    const audio = all.find((s) => s.kind === 'audio');
    for (const key of ['freezeCount', 'totalFreezesDuration', 'framesDropped', 'frameWidth', 'frameHeight', 'framesPerSecond', 'jitterBufferDelayMs', 'roundTripTimeMs']) {
      expect(typeof video[key]).toBe('number');
    }
    expect(video.spatialLayer).toEqual(expect.any(Number));
    expect(audio.concealmentRatio).toBeGreaterThanOrEqual(0);
    expect(audio.concealmentRatio).toBeLessThan(0.5);
    expect(typeof audio.jitterBufferDelayMs).toBe('number');
    const sent: any[] = await teacher.run('return client.getSendStats();');
    expect(sent.filter((s) => s.source === 'camera').map((s) => s.rid)).toEqual(['r0', 'r1']);
    expect(sent.find((s) => s.source === 'microphone')?.packetsSent).toBeGreaterThan(0);
  });

  it('music mode turns audio processing off and sends stereo Opus at a music bitrate; classrooms cannot use it', async () => {
    const teacher = await seat({ role: 'teacher' });
    const settings = await teacher.run<Record<string, unknown>>('const track = await client.publishMicrophone({ music: true }); return track.getSettings();');
    expect(settings).toMatchObject({ echoCancellation: false, noiseSuppression: false, autoGainControl: false });
    const room = await seat({ role: 'classroom', classroomId: ROOM });
    const line = await room.waitFor<string>('return (await client.getReceiveStats()).find((s) => s.kind === "audio" && s.codecFmtp)?.codecFmtp;', undefined, 20_000, 500);
    expect(line).toContain('stereo=1');
    expect(line).not.toContain('usedtx=1');
    const refused = await room.run<{ code: string }>('try { await client.publishMicrophone({ music: true }); return { code: "OK" }; } catch (e) { return { code: e.code }; }');
    expect(refused.code).toBe('FORBIDDEN');
  });

  it('a closed client says so when asked to join again', async () => {
    const watcher = await seat({ role: 'observer' });
    await watcher.run('await client.leave();');
    expect(await watcher.run<{ code: string }>('try { await client.join(); return { code: "OK" }; } catch (e) { return { code: e.code, message: e.message }; }')).toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringContaining('create a new ClassBridgeClient'),
    });
  });

  it('the teacher who ends the lesson gets the answer, then the client closes', async () => {
    const teacher = await seat({ role: 'teacher' });
    const room = await seat({ role: 'classroom', classroomId: ROOM });
    const started = Date.now();
    expect(await teacher.run<string>('await client.endLesson(); return client.state;')).toBe('closed');
    expect(Date.now() - started).toBeLessThan(3000);
    await room.page.waitForFunction(() => (window as any).cb.state === 'closed', null, { timeout: 10_000 });
    expect((await room.events('lessonEnded')).map((e) => e.payload.reason)).toEqual(['ended-by-teacher']);
  });
});
