import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { ErrorCode } from '@classbridge/protocol';
import { LocalSfu, defaultSfuConfig } from '@classbridge/sfu';
import type { SfuEvents } from '@classbridge/sfu';

const logger = pino({ level: 'silent' });

const simulcastVp8 = {
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'ccm', parameter: 'fir' }] }],
  encodings: [
    { rid: 'r0', scalabilityMode: 'L1T3', maxBitrate: 150000 },
    { rid: 'r1', scalabilityMode: 'L1T3', maxBitrate: 500000 },
    { rid: 'r2', scalabilityMode: 'L1T3', maxBitrate: 1200000 },
  ],
  headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }, { uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id', id: 2 }],
  mid: '0',
  rtcp: { cname: 'cam' },
};

function nextEvent<E extends keyof SfuEvents & string>(sfu: LocalSfu, event: E, timeoutMs = 10_000): Promise<SfuEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event`)), timeoutMs);
    sfu.once(event, (payload) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

describe('LocalSfu (real mediasoup workers)', () => {
  let sfu: LocalSfu;
  beforeAll(async () => {
    sfu = await LocalSfu.start(defaultSfuConfig({ numWorkers: 2, rtcPort: 0, listenIp: '127.0.0.1' }), logger);
  });
  afterAll(async () => {
    await sfu.close();
  });

  it('gives the workers\' media sockets the kernel buffers asked for (RTC_SOCKET_BUFFER_BYTES)', async () => {
    // Linux doubles what is asked and caps it at rmem_max; 100 kB stays below any default cap.
    const sized = await LocalSfu.start(defaultSfuConfig({ numWorkers: 1, rtcPort: 0, listenIp: '127.0.0.1', socketBufferBytes: 100_000 }), logger);
    try {
      const [pid] = sized.workerPids();
      const sockets = execFileSync('ss', ['-u', '-a', '-m', '-n', '-p'], { encoding: 'utf8' }).split(/\n(?=\S)/).filter((entry) => entry.includes(`pid=${pid},`));
      expect(sockets.length).toBeGreaterThan(0);
      for (const socket of sockets) expect(socket).toMatch(/rb200000,.*tb200000/);
    } finally {
      await sized.close();
    }
  });

  it('offers Opus with in-band FEC and DTX, VP8 and H264', async () => {
    const caps = await sfu.getRouterRtpCapabilities('caps');
    const mimeTypes = caps.codecs?.map((c) => c.mimeType);
    expect(mimeTypes).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    expect(caps.codecs?.find((c) => c.mimeType === 'audio/opus')?.parameters).toMatchObject({ useinbandfec: 1, usedtx: 1 });
  });

  it('resends lost Opus packets to receivers (audio NACK)', async () => {
    const caps = await sfu.getRouterRtpCapabilities('nack');
    const send = await sfu.createTransport('nack', 'teacher', 'send');
    const opus = { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 }, rtcpFeedback: [{ type: 'transport-cc' }] };
    const producer = await sfu.produce('nack', 'teacher', { transportId: send.id, kind: 'audio', source: 'microphone', rtpParameters: { codecs: [opus], encodings: [{ ssrc: 1111 }], mid: '0', rtcp: { cname: 'mic' } }, paused: false });
    await sfu.createTransport('nack', 'room', 'recv');
    try {
      const consumer = await sfu.consume('nack', 'room', { producerId: producer.producerId, rtpCapabilities: caps });
      expect(consumer.rtpParameters.codecs?.[0]?.rtcpFeedback).toEqual(expect.arrayContaining([{ type: 'nack', parameter: '' }]));
    } finally {
      await sfu.closeRoom('nack');
    }
  });

  it('forwards a three-layer simulcast producer as a simulcast consumer', async () => {
    const caps = await sfu.getRouterRtpCapabilities('simulcast');
    const send = await sfu.createTransport('simulcast', 'teacher', 'send');
    const producer = await sfu.produce('simulcast', 'teacher', { transportId: send.id, kind: 'video', source: 'camera', rtpParameters: simulcastVp8, paused: false });
    await sfu.createTransport('simulcast', 'room', 'recv');
    const consumer = await sfu.consume('simulcast', 'room', { producerId: producer.producerId, rtpCapabilities: caps });
    expect(consumer).toMatchObject({ kind: 'video', producerPeerId: 'teacher', source: 'camera' });
    // The consumer sees one stream; simulcast layers are chosen by the SFU per receiver.
    expect(consumer.rtpParameters.encodings).toHaveLength(1);
    expect(consumer.rtpParameters.encodings?.[0]?.scalabilityMode).toMatch(/^L3T3/);
    await sfu.setConsumerPreferredLayers('simulcast', 'room', consumer.consumerId, { spatialLayer: 0 });
    expect(await sfu.stats()).toMatchObject({ producers: 1, consumers: 1, transports: 2 });
  });

  it('lets a peer touch only its own objects', async () => {
    const send = await sfu.createTransport('owner', 'a', 'send');
    const producer = await sfu.produce('owner', 'a', { transportId: send.id, kind: 'video', source: 'camera', rtpParameters: simulcastVp8, paused: false });
    await sfu.createTransport('owner', 'b', 'send');
    await expect(sfu.setProducerPaused('owner', 'b', producer.producerId, true)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(sfu.produce('owner', 'b', { transportId: send.id, kind: 'video', source: 'camera', rtpParameters: simulcastVp8, paused: false })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(sfu.connectTransport('owner', 'b', send.id, { fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    // Key frames after a path outage: for one's own transports only.
    await expect(sfu.requestKeyFrames('owner', 'b', send.id)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(sfu.requestKeyFrames('owner', 'a', send.id)).resolves.toBeUndefined();
  });

  it('tells when a producer vanishes with its peer and closes dependent consumers', async () => {
    const caps = await sfu.getRouterRtpCapabilities('vanish');
    const send = await sfu.createTransport('vanish', 'a', 'send');
    const producer = await sfu.produce('vanish', 'a', { transportId: send.id, kind: 'video', source: 'camera', rtpParameters: simulcastVp8, paused: false });
    await sfu.createTransport('vanish', 'b', 'recv');
    const consumer = await sfu.consume('vanish', 'b', { producerId: producer.producerId, rtpCapabilities: caps });
    const consumerClosed = nextEvent(sfu, 'consumerClosed');
    await sfu.closePeer('vanish', 'a');
    expect(await consumerClosed).toEqual({ roomId: 'vanish', peerId: 'b', consumerId: consumer.consumerId });
    expect(await sfu.listProducers('vanish')).toEqual([]);
  });

  it('replaces a dead worker and tells the rooms it carried', async () => {
    await sfu.getRouterRtpCapabilities('doomed-1');
    await sfu.getRouterRtpCapabilities('doomed-2');
    const before = await sfu.stats();
    const pids = sfu.workerPids();
    expect(pids).toHaveLength(2);
    const closedRooms: string[] = [];
    const onClosed = ({ roomId, reason }: SfuEvents['roomClosed']) => reason === 'worker-died' && closedRooms.push(roomId);
    sfu.on('roomClosed', onClosed);
    const died = nextEvent(sfu, 'workerDied');
    process.kill(pids[0]!, 'SIGKILL');
    expect((await died).pid).toBe(pids[0]);
    // The replacement comes up with a new pid; meanwhile rooms on the dead worker were reported.
    const started = Date.now();
    while (sfu.workerPids().length < 2 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 50));
    sfu.off('roomClosed', onClosed);
    expect(sfu.workerPids()).toHaveLength(2);
    expect(sfu.workerPids()).not.toContain(pids[0]);
    expect(closedRooms.length).toBeGreaterThan(0);
    const after = await sfu.stats();
    expect(after.workerRestarts).toBe(before.workerRestarts + 1);
    expect(after.rooms).toBe(before.rooms - closedRooms.length);
    // A lost room comes back on demand.
    const again = await sfu.getRouterRtpCapabilities(closedRooms[0]!);
    expect(again.codecs?.length).toBeGreaterThan(0);
  });

  describe('media taps (the recorder\'s plain-RTP copies)', () => {
    const recorderCaps = {
      codecs: [
        { kind: 'audio' as const, mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: 111 },
        { kind: 'video' as const, mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 96, rtcpFeedback: [{ type: 'ccm', parameter: 'fir' }] },
      ],
      headerExtensions: [],
    };
    const destination = { ip: '127.0.0.1', port: 45999 };

    it('sends the best simulcast layer as one plain RTP stream and closes with its producer', async () => {
      const send = await sfu.createTransport('tap', 'teacher', 'send');
      const producer = await sfu.produce('tap', 'teacher', { transportId: send.id, kind: 'video', source: 'camera', rtpParameters: simulcastVp8, paused: false });
      const tap = await sfu.openMediaTap('tap', { producerId: producer.producerId, destination, rtpCapabilities: recorderCaps });
      expect(tap).toMatchObject({ producerId: producer.producerId, peerId: 'teacher', kind: 'video', source: 'camera', producerPaused: false });
      expect(tap.rtpParameters.codecs?.[0]).toMatchObject({ mimeType: 'video/VP8', clockRate: 90000 });
      expect(tap.rtpParameters.encodings).toHaveLength(1);
      expect(tap.origin?.ip).toBe('127.0.0.1');
      // A tap is not a participant: no peer, no consumer counted against anyone.
      expect((await sfu.stats()).consumers).toBe(0);
      await sfu.requestTapKeyFrame('tap', tap.tapId);
      const closed = nextEvent(sfu, 'mediaTapClosed');
      await sfu.closeProducer('tap', 'teacher', producer.producerId);
      expect(await closed).toEqual({ roomId: 'tap', tapId: tap.tapId, producerId: producer.producerId, reason: 'producer-closed' });
      await expect(sfu.requestTapKeyFrame('tap', tap.tapId)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    });

    it('closes with the lesson\'s room', async () => {
      const send = await sfu.createTransport('tap-room', 'teacher', 'send');
      const producer = await sfu.produce('tap-room', 'teacher', { transportId: send.id, kind: 'video', source: 'camera', rtpParameters: simulcastVp8, paused: false });
      const tap = await sfu.openMediaTap('tap-room', { producerId: producer.producerId, destination, rtpCapabilities: recorderCaps });
      const closed = nextEvent(sfu, 'mediaTapClosed');
      await sfu.closeRoom('tap-room');
      expect(await closed).toMatchObject({ tapId: tap.tapId, reason: 'room-closed' });
    });

    it('refuses unknown rooms, unknown producers and codecs the receiver cannot take', async () => {
      await expect(sfu.openMediaTap('no-such-room', { producerId: 'x', destination, rtpCapabilities: recorderCaps })).rejects.toMatchObject({ code: ErrorCode.NotFound });
      const send = await sfu.createTransport('tap-refuse', 'teacher', 'send');
      const producer = await sfu.produce('tap-refuse', 'teacher', { transportId: send.id, kind: 'video', source: 'camera', rtpParameters: simulcastVp8, paused: false });
      await expect(sfu.openMediaTap('tap-refuse', { producerId: 'nope', destination, rtpCapabilities: recorderCaps })).rejects.toMatchObject({ code: ErrorCode.NotFound });
      const audioOnly = { codecs: [recorderCaps.codecs[0]!], headerExtensions: [] };
      await expect(sfu.openMediaTap('tap-refuse', { producerId: producer.producerId, destination, rtpCapabilities: audioOnly })).rejects.toMatchObject({
        code: ErrorCode.InvalidMediaParameters,
      });
    });
  });
});
