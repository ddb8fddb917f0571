import { jest } from '@jest/globals';
import { BrowserLab, openSdkPage, playRemoteMedia } from '@classbridge/load-tests';
import type { SdkPage } from '@classbridge/load-tests';

jest.setTimeout(120_000);

const LESSON = 'demo-music-g4';
const ROOM = 'qh-shangling-g4';
const ROOM_ID = `classroom-${ROOM}`;

/**
 * Adaptation per receiver, in real Chromium against the real SFU: the layer follows the size a
 * page shows a camera at, Opus FEC and DTX are negotiated, video has NACK and RTX, and a remote
 * classroom buffers for smoothness until it holds the floor.
 */
describe('adaptation per receiver', () => {
  let lab: BrowserLab;
  let room: SdkPage;
  let teacher: SdkPage;

  beforeAll(async () => {
    lab = await BrowserLab.start();
    room = await openSdkPage(lab.browser, lab.server.url, { token: await lab.server.mintToken(LESSON, { role: 'classroom', classroomId: ROOM }) });
    teacher = await openSdkPage(lab.browser, lab.server.url, { token: await lab.server.mintToken(LESSON, { role: 'teacher' }) });
    await room.run('await client.publishCamera({ width: 1280, height: 720 });');
    await teacher.run('await client.publishCamera({ width: 640, height: 360 }); await client.publishMicrophone();');
  });
  afterAll(async () => {
    for (const page of [room, teacher]) await page?.page.context().close().catch(() => undefined);
    await lab?.stop();
  });

  const roomVideoHeight = (height: number) =>
    teacher.waitFor<{ frameHeight: number }>(
      'const v = (await client.getReceiveStats()).find((s) => s.kind === "video" && s.participantId === arg.id); return v && v.frameHeight === arg.height ? v : null;',
      { id: ROOM_ID, height },
      30_000,
      500,
    );

  it('a thumbnail gets the smallest layer, a full-size tile the top one (setRenderSize)', async () => {
    const consumerId = await teacher.waitFor<string>('return client.remoteTracks().find((t) => t.kind === "video" && t.participantId === arg)?.consumerId;', ROOM_ID);
    await teacher.run('client.setRenderSize(arg, { width: 160, height: 90 });', consumerId);
    expect((await roomVideoHeight(180)).frameHeight).toBe(180);
    await teacher.run('client.setRenderSize(arg, { width: 1280, height: 720 });', consumerId);
    expect((await roomVideoHeight(720)).frameHeight).toBe(720);
    await teacher.run('client.setRenderSize(arg, { width: 480, height: 270 });', consumerId);
    expect((await roomVideoHeight(360)).frameHeight).toBe(360);
  });

  it('negotiates Opus in-band FEC and DTX for voice, NACK and RTX for video', async () => {
    // What the teacher's browser sends with (the SFU's answer to its offer), and what the classroom receives.
    const sent = await teacher.waitFor<{ codecFmtp: string }>('return (await client.getSendStats()).find((s) => s.kind === "audio" && s.codecFmtp);');
    expect(sent.codecFmtp).toMatch(/useinbandfec=1/);
    expect(sent.codecFmtp).toMatch(/usedtx=1/);
    const received = await room.waitFor<{ codecFmtp: string }>('return (await client.getReceiveStats()).find((s) => s.kind === "audio" && s.codecFmtp);');
    expect(received.codecFmtp).toMatch(/useinbandfec=1/);
    const caps = await lab.server.sfu.getRouterRtpCapabilities(LESSON);
    const vp8 = caps.codecs!.find((c) => c.mimeType === 'video/VP8')!;
    expect(vp8.rtcpFeedback).toEqual(expect.arrayContaining([{ type: 'nack', parameter: '' }, { type: 'nack', parameter: 'pli' }]));
    expect(caps.codecs!.some((c) => c.mimeType === 'video/rtx' && c.parameters?.['apt'] === vp8.preferredPayloadType)).toBe(true);
  });

  it('a remote classroom buffers for smoothness, and for conversation while it holds the floor', async () => {
    expect(await room.run('return client.jitterProfile;')).toBe('smooth');
    expect(await teacher.run('return client.jitterProfile;')).toBe('default');
    // The teacher's voice waits ≥ 200 ms in the classroom's jitter buffer (the browser alone keeps far less on loopback).
    // Played, as a page plays them (the browser pulls audio from its jitter buffer only for playout).
    await playRemoteMedia(room);
    const smooth = await room.waitFor<{ jitterBufferDelayMs: number }>(
      'const a = (await client.getReceiveStats()).find((s) => s.kind === "audio"); return a && a.jitterBufferDelayMs > 150 ? a : null;',
      undefined,
      20_000,
      500,
    );
    expect(smooth.jitterBufferDelayMs).toBeGreaterThan(150);
    expect(smooth).toMatchObject({ jitterBufferTargetMs: 200 });
    await teacher.run('await client.grantFloor(arg);', ROOM_ID);
    await room.waitFor('return client.jitterProfile === "interactive";');
    await teacher.run('await client.revokeFloor(arg);', ROOM_ID);
    await room.waitFor('return client.jitterProfile === "smooth";');
  });
});
