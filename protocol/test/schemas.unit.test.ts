import { accessClaimsSchema, requestSchemas, rtpParametersSchema } from '@classbridge/protocol';

const opus = { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 };

describe('wire schemas', () => {
  it('accept what a browser sends for simulcast video', () => {
    const parsed = rtpParametersSchema.safeParse({
      mid: '0',
      codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }],
      headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1, encrypt: false, parameters: {} }],
      encodings: [{ rid: 'r0', scalabilityMode: 'L1T3', maxBitrate: 150000, scaleResolutionDownBy: 4, active: true }],
      rtcp: { cname: 'abc', reducedSize: true },
    });
    expect(parsed.success).toBe(true);
  });

  it.each([
    ['no codec', { codecs: [] }],
    ['a payload type out of range', { codecs: [{ ...opus, payloadType: 300 }] }],
    ['too many encodings', { codecs: [opus], encodings: Array.from({ length: 9 }, (_, i) => ({ ssrc: i })) }],
    ['too many codec parameters', { codecs: [{ ...opus, parameters: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, i])) }] }],
    ['a negative ssrc', { codecs: [opus], encodings: [{ ssrc: -1 }] }],
  ])('reject RTP parameters with %s', (_name, value) => {
    expect(rtpParametersSchema.safeParse(value).success).toBe(false);
  });

  it('reject unknown fields in requests (no smuggling)', () => {
    expect(requestSchemas.consume.safeParse({ producerId: 'p', peerId: 'someone-else' }).success).toBe(false);
    expect(requestSchemas.produce.safeParse({ transportId: 't', kind: 'audio', source: 'microphone', rtpParameters: { codecs: [opus] } }).success).toBe(true);
    expect(requestSchemas.produce.safeParse({ transportId: 't', kind: 'audio', source: 'radio', rtpParameters: { codecs: [opus] } }).success).toBe(false);
  });

  it('validate token claims', () => {
    expect(accessClaimsSchema.safeParse({ sub: 'a', lessonId: 'l', role: 'teacher', name: 'T' }).success).toBe(true);
    expect(accessClaimsSchema.safeParse({ sub: 'a', lessonId: 'l', role: 'admin', name: 'T' }).success).toBe(false);
    expect(accessClaimsSchema.safeParse({ sub: '', lessonId: 'l', role: 'teacher', name: 'T' }).success).toBe(false);
  });
});
