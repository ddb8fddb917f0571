import { bitrateFor, cameraEncodings, layerCount } from '../src/simulcast.js';
import { inboundStats, outboundStats } from '../src/stats.js';

describe('simulcast layers from the capture size', () => {
  it.each([
    [320, 240, 1],
    [320, 180, 1],
    [480, 270, 2],
    [640, 360, 2],
    [640, 480, 2],
    [960, 540, 3],
    [1280, 720, 3],
    [1920, 1080, 3],
  ])('%ix%i → %i layer(s)', (width, height, count) => {
    expect(layerCount({ width, height })).toBe(count);
    const encodings = cameraEncodings({ width, height });
    expect(encodings).toHaveLength(count);
    // The last layer is always the full picture; each one below halves it.
    expect(encodings.map((e) => e.scaleResolutionDownBy)).toEqual([4, 2, 1].slice(3 - count));
    expect(encodings.map((e) => e.rid)).toEqual(['r0', 'r1', 'r2'].slice(0, count));
  });

  it('gives bigger layers more bits, within what a rural uplink can carry', () => {
    const [low, mid, top] = cameraEncodings({ width: 1280, height: 720 }).map((e) => e.maxBitrate!);
    expect(low).toBeLessThan(mid!);
    expect(mid).toBeLessThan(top!);
    expect(top).toBeLessThanOrEqual(1_200_000);
    expect(bitrateFor(320 * 180)).toBe(150_000);
  });
});

describe('stats from an RTCStatsReport', () => {
  const report = (entries: Array<Record<string, unknown>>) => entries.map((entry) => [String(entry['id']), entry] as [string, unknown]);

  it('reads one receiver, ignoring the bandwidth probe and other tracks', () => {
    const stats = inboundStats(
      report([
        { id: 'T', type: 'transport', selectedCandidatePairId: 'CP' },
        { id: 'CP', type: 'candidate-pair', currentRoundTripTime: 0.042, localCandidateId: 'L' },
        { id: 'L', type: 'local-candidate', candidateType: 'relay' },
        { id: 'C', type: 'codec', mimeType: 'video/VP8', sdpFmtpLine: '' },
        { id: 'IN', type: 'inbound-rtp', kind: 'video', trackIdentifier: 'mine', codecId: 'C', packetsReceived: 100, framesDecoded: 50, framesDropped: 2, freezeCount: 1, totalFreezesDuration: 0.8, frameWidth: 640, frameHeight: 360, framesPerSecond: 24, jitterBufferDelay: 2, jitterBufferEmittedCount: 50 },
        { id: 'PROBE', type: 'inbound-rtp', kind: 'video', mid: 'probator', packetsReceived: 900, framesDecoded: 0, pliCount: 400 },
        { id: 'OTHER', type: 'inbound-rtp', kind: 'video', trackIdentifier: 'someone-else', packetsReceived: 7 },
      ]),
      { trackId: 'mine', consumerId: 'c1', participantId: 'p', source: 'camera', kind: 'video', spatialLayer: 1, temporalLayer: 2 },
    );
    expect(stats).toMatchObject({ codec: 'video/VP8', packetsReceived: 100, framesDecoded: 50, framesDropped: 2, freezeCount: 1, totalFreezesDuration: 0.8, frameWidth: 640, frameHeight: 360, framesPerSecond: 24, jitterBufferDelayMs: 40, roundTripTimeMs: 42, candidateType: 'relay', spatialLayer: 1, temporalLayer: 2 });
  });

  it('reports audio concealment as a ratio', () => {
    const stats = inboundStats(report([{ id: 'A', type: 'inbound-rtp', kind: 'audio', totalSamplesReceived: 48_000, concealedSamples: 960 }]), {
      trackId: 'a',
      consumerId: 'c',
      participantId: 'p',
      source: 'microphone',
      kind: 'audio',
      spatialLayer: null,
      temporalLayer: null,
    });
    expect(stats.concealmentRatio).toBeCloseTo(0.02);
    expect(stats.jitterBufferDelayMs).toBeNull();
  });

  it('reads each simulcast layer a sender sends, with the SFU’s view of loss and RTT', () => {
    const layers = outboundStats(
      report([
        { id: 'O2', type: 'outbound-rtp', kind: 'video', rid: 'r1', framesEncoded: 10, frameHeight: 360, qualityLimitationReason: 'bandwidth' },
        { id: 'O1', type: 'outbound-rtp', kind: 'video', rid: 'r0', framesEncoded: 12, frameHeight: 180 },
        { id: 'R1', type: 'remote-inbound-rtp', localId: 'O1', roundTripTime: 0.03, fractionLost: 0.01 },
      ]),
      'camera',
      'video',
    );
    expect(layers.map((l) => [l.rid, l.framesEncoded, l.frameHeight])).toEqual([
      ['r0', 12, 180],
      ['r1', 10, 360],
    ]);
    expect(layers[0]).toMatchObject({ roundTripTimeMs: 30, fractionLost: 0.01 });
    expect(layers[1]!.qualityLimitationReason).toBe('bandwidth');
  });
});
