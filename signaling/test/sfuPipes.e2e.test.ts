import { jest } from '@jest/globals';
import dgram from 'node:dgram';
import { pino } from 'pino';
import { ErrorCode } from '@classbridge/protocol';
import type { WireRtpCapabilities } from '@classbridge/protocol';
import { LocalSfu, defaultSfuConfig } from '@classbridge/sfu';
import { launchBrowser, openSdkPage, startLocalServer } from '@classbridge/load-tests';
import type { LocalServer, SdkPage } from '@classbridge/load-tests';
import type { Browser } from 'playwright-core';

jest.setTimeout(120_000);

const LESSON = 'demo-music-g4';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A UDP socket counting the RTP packets a media tap sends it. */
async function rtpCounter(): Promise<{ port: number; packets: () => number; close: () => void }> {
  const socket = dgram.createSocket('udp4');
  let packets = 0;
  socket.on('message', (message) => {
    if (message.length > 12 && (message[0]! & 0xc0) === 0x80 && !(message[1]! >= 200 && message[1]! <= 204)) packets++; // RTP, not RTCP (types 200–204)
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, packets: () => packets, close: () => socket.close() };
}

const only = (caps: WireRtpCapabilities, mimeType: string): WireRtpCapabilities => ({ codecs: (caps.codecs ?? []).filter((codec) => codec.mimeType === mimeType), headerExtensions: [] });

/**
 * A lesson spanning two SFU nodes: the teacher publishes from Chromium to node A (the server's
 * own SFU); node B (another LocalSfu with its own workers) opens a pipe to A, and A sends each of
 * the teacher's producers through it once. On B the teacher's media arrives and is consumed like
 * a local producer.
 */
describe('node-to-node pipes (real mediasoup on two nodes, real Chromium)', () => {
  let server: LocalServer;
  let nodeB: LocalSfu;
  let browser: Browser;
  let teacher: SdkPage;

  beforeAll(async () => {
    server = await startLocalServer({ CAPTIONS: 'off', RECORDING: 'off', ECHO_GUARD: 'off' });
    nodeB = await LocalSfu.start(defaultSfuConfig({ numWorkers: 1, rtcPort: 0, listenIp: '127.0.0.1' }), pino({ level: 'silent' }));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await teacher?.page.context().close().catch(() => undefined);
    await browser?.close();
    await nodeB?.close();
    await server?.stop();
  });

  it('carries each producer once from node A to node B, where it is consumed like a local one', async () => {
    teacher = await openSdkPage(browser, server.url, { token: await server.mintToken(LESSON, { role: 'teacher' }) });
    await teacher.run('await client.publishCamera({ width: 640, height: 360 }); await client.publishMicrophone();');
    const nodeA = server.sfu;
    const produced = await nodeA.listProducers(LESSON);
    expect(produced.map((p) => p.kind).sort()).toEqual(['audio', 'video']);

    const endA = await nodeA.openPipe(LESSON);
    const endB = await nodeB.openPipe(LESSON);
    await nodeA.connectPipe(LESSON, endA.pipeId, endB);
    await nodeB.connectPipe(LESSON, endB.pipeId, endA);
    for (const producer of produced) {
      const piped = await nodeA.sendThroughPipe(LESSON, endA.pipeId, producer.producerId);
      expect(piped).toMatchObject({ producerId: producer.producerId, peerId: producer.peerId, kind: producer.kind, source: producer.source });
      await expect(nodeA.sendThroughPipe(LESSON, endA.pipeId, producer.producerId)).rejects.toMatchObject({ code: ErrorCode.Conflict });
      const received = await nodeB.receiveFromPipe(LESSON, endB.pipeId, piped);
      expect(received).toMatchObject({ producerId: producer.producerId, peerId: producer.peerId });
      await expect(nodeB.receiveFromPipe(LESSON, endB.pipeId, piped)).rejects.toMatchObject({ code: ErrorCode.Conflict });
    }
    expect((await nodeB.listProducers(LESSON)).map((p) => p.producerId).sort()).toEqual(produced.map((p) => p.producerId).sort());

    // The media really crosses: taps on node B receive the teacher's audio and video.
    const caps = await nodeB.getRouterRtpCapabilities(LESSON);
    const audio = await rtpCounter();
    const video = await rtpCounter();
    try {
      const audioId = produced.find((p) => p.kind === 'audio')!.producerId;
      const videoId = produced.find((p) => p.kind === 'video')!.producerId;
      await nodeB.openMediaTap(LESSON, { producerId: audioId, destination: { ip: '127.0.0.1', port: audio.port }, rtpCapabilities: only(caps, 'audio/opus') });
      const videoTap = await nodeB.openMediaTap(LESSON, { producerId: videoId, destination: { ip: '127.0.0.1', port: video.port }, rtpCapabilities: only(caps, 'video/VP8') });
      await nodeB.requestTapKeyFrame(LESSON, videoTap.tapId);
      await sleep(3_000);
      process.stdout.write(`[pipes] node B received through the pipe in 3 s: ${audio.packets()} audio and ${video.packets()} video RTP packets\n`);
      expect(audio.packets()).toBeGreaterThan(50);
      expect(video.packets()).toBeGreaterThan(30);
      // A receiver on node B consumes the piped producer as it would a local one.
      await nodeB.createTransport(LESSON, 'county-room', 'recv');
      const consumer = await nodeB.consume(LESSON, 'county-room', { producerId: videoId, rtpCapabilities: caps });
      expect(consumer).toMatchObject({ producerPeerId: produced.find((p) => p.kind === 'video')!.peerId, kind: 'video' });
    } finally {
      audio.close();
      video.close();
    }

    await nodeB.closePipe(LESSON, endB.pipeId);
    expect(await nodeB.listProducers(LESSON)).toEqual([]);
    await expect(nodeB.connectPipe(LESSON, endB.pipeId, endA)).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });
});
