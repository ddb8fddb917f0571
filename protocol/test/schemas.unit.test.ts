import {
  accessClaimsSchema,
  dtlsParametersSchema,
  idSchema,
  requestSchemas,
  rtpCapabilitiesSchema,
  rtpParametersSchema,
} from '@classbridge/protocol';

const opus = { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 };
const vp8 = { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 };

/*
 * Shapes captured from Chromium 14x through mediasoup-client 3.x (Chrome111 handler)
 * against a router with ClassBridge's codecs: what the server must keep accepting.
 */
const videoFeedback = [
  { type: 'goog-remb', parameter: '' },
  { type: 'transport-cc', parameter: '' },
  { type: 'ccm', parameter: 'fir' },
  { type: 'nack', parameter: '' },
  { type: 'nack', parameter: 'pli' },
];
const videoHeaderExtensions = [
  { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 9, encrypt: false, parameters: {} },
  { uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id', id: 10, encrypt: false, parameters: {} },
  { uri: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id', id: 11, encrypt: false, parameters: {} },
  { uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', id: 2, encrypt: false, parameters: {} },
  { uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01', id: 4, encrypt: false, parameters: {} },
  { uri: 'https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension', id: 13, encrypt: false, parameters: {} },
  { uri: 'urn:3gpp:video-orientation', id: 3, encrypt: false, parameters: {} },
  { uri: 'urn:ietf:params:rtp-hdrext:toffset', id: 1, encrypt: false, parameters: {} },
  { uri: 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay', id: 5, encrypt: false, parameters: {} },
];
const audioHeaderExtensions = [
  { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 9, encrypt: false, parameters: {} },
  { uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', id: 2, encrypt: false, parameters: {} },
  { uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01', id: 4, encrypt: false, parameters: {} },
  { uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', id: 12, encrypt: false, parameters: {} },
];
const msid = '{e51a1083-aebe-466e-86ba-9a9f09d23f2a} {14ce1685-d87e-454b-a283-d648b98f1c6c}';

/** Camera: rid-based simulcast, the SDK's three encodings used verbatim (Chromium leaves cname empty here). */
const chromiumVp8Simulcast = {
  mid: '0',
  codecs: [
    { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 }, rtcpFeedback: videoFeedback },
    { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 96 }, rtcpFeedback: [] },
  ],
  headerExtensions: videoHeaderExtensions,
  encodings: [
    { active: true, scalabilityMode: 'L1T3', scaleResolutionDownBy: 4, maxBitrate: 150000, rid: 'r0', dtx: false },
    { active: true, scalabilityMode: 'L1T3', scaleResolutionDownBy: 2, maxBitrate: 500000, rid: 'r1', dtx: false },
    { active: true, scalabilityMode: 'L1T3', scaleResolutionDownBy: 1, maxBitrate: 1200000, rid: 'r2', dtx: false },
  ],
  rtcp: { cname: '', reducedSize: true },
  msid,
};

/** The same camera with SSRC-signalled simulcast (legacy handlers): rid, ssrc and rtx ssrc on every layer. */
const ssrcVp8Simulcast = {
  ...chromiumVp8Simulcast,
  encodings: [
    { rid: 'r0', ssrc: 1509142066, rtx: { ssrc: 1510145553 }, scalabilityMode: 'L1T3', scaleResolutionDownBy: 4, maxBitrate: 150000, maxFramerate: 15 },
    { rid: 'r1', ssrc: 2246821877, rtx: { ssrc: 4294967295 }, scalabilityMode: 'L1T3', scaleResolutionDownBy: 2, maxBitrate: 500000, maxFramerate: 30 },
    { rid: 'r2', ssrc: 0, rtx: { ssrc: 3001 }, scalabilityMode: 'L1T3', scaleResolutionDownBy: 1, maxBitrate: 1200000, maxFramerate: 29.97 },
  ],
  rtcp: { cname: 'dM6fzMeKJaOnH3J4', reducedSize: true },
};

const chromiumH264 = {
  mid: '1',
  codecs: [
    {
      mimeType: 'video/H264',
      payloadType: 108,
      clockRate: 90000,
      parameters: { 'level-asymmetry-allowed': 1, 'packetization-mode': 1, 'profile-level-id': '42e01f' },
      rtcpFeedback: videoFeedback,
    },
    { mimeType: 'video/rtx', payloadType: 109, clockRate: 90000, parameters: { apt: 108 }, rtcpFeedback: [] },
  ],
  headerExtensions: videoHeaderExtensions.filter((ext) => !ext.uri.includes('dependency-descriptor')),
  encodings: [{ ssrc: 1509142066, rtx: { ssrc: 1510145553 }, active: true, dtx: true, maxBitrate: 1500000 }],
  rtcp: { cname: 'dM6fzMeKJaOnH3J4', reducedSize: true },
  msid: '- 0dc1ffac-3c45-45d9-96fe-65b11d605450',
};

const chromiumOpus = {
  mid: '2',
  codecs: [
    {
      ...opus,
      parameters: { minptime: 10, useinbandfec: 1, 'sprop-stereo': 1, usedtx: 1, stereo: 1, maxplaybackrate: 48000, ptime: 20 },
      rtcpFeedback: [{ type: 'transport-cc', parameter: '' }],
    },
  ],
  headerExtensions: audioHeaderExtensions,
  encodings: [{ ssrc: 679117140, dtx: false }],
  rtcp: { cname: 'a+B/c=d-{e}9', reducedSize: true },
  msid,
};

/** A Device's capabilities (router-like): audio and video extensions share preferred ids. */
const deviceRtpCapabilities = {
  codecs: [
    {
      kind: 'audio',
      mimeType: 'audio/opus',
      preferredPayloadType: 100,
      clockRate: 48000,
      channels: 2,
      parameters: { minptime: 10, useinbandfec: 1, usedtx: 1 },
      rtcpFeedback: [{ type: 'transport-cc', parameter: '' }, { type: 'nack', parameter: '' }],
    },
    { kind: 'video', mimeType: 'video/VP8', preferredPayloadType: 101, clockRate: 90000, parameters: { 'x-google-start-bitrate': 500 }, rtcpFeedback: videoFeedback },
    { kind: 'video', mimeType: 'video/rtx', preferredPayloadType: 102, clockRate: 90000, parameters: { apt: 101 }, rtcpFeedback: [] },
    {
      kind: 'video',
      mimeType: 'video/H264',
      preferredPayloadType: 103,
      clockRate: 90000,
      parameters: { 'level-asymmetry-allowed': 1, 'packetization-mode': 1, 'profile-level-id': '42e01f' },
      rtcpFeedback: videoFeedback,
    },
    { kind: 'video', mimeType: 'video/rtx', preferredPayloadType: 104, clockRate: 90000, parameters: { apt: 103 }, rtcpFeedback: [] },
  ],
  headerExtensions: [
    { kind: 'audio', uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', preferredId: 1, preferredEncrypt: false, direction: 'sendrecv' },
    { kind: 'video', uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', preferredId: 1, preferredEncrypt: false, direction: 'sendrecv' },
    { kind: 'video', uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id', preferredId: 2, preferredEncrypt: false, direction: 'recvonly' },
    { kind: 'video', uri: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id', preferredId: 3, preferredEncrypt: false, direction: 'recvonly' },
    { kind: 'audio', uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', preferredId: 4, preferredEncrypt: false, direction: 'sendrecv' },
    { kind: 'video', uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', preferredId: 4, preferredEncrypt: false, direction: 'sendrecv' },
    { kind: 'video', uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01', preferredId: 5, preferredEncrypt: false, direction: 'sendrecv' },
    { kind: 'audio', uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', preferredId: 10, preferredEncrypt: false, direction: 'sendrecv' },
    { kind: 'video', uri: 'https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension', preferredId: 8, direction: 'recvonly' },
  ],
};

const sha256 = '33:E7:49:ED:3A:8A:85:00:62:41:5B:E9:16:E3:D7:9F:69:D8:FF:D3:D4:F2:72:20:80:37:D0:55:49:56:F8:B9';
const chromiumDtls = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: sha256 }] };

/** Codec parameters as JSON.parse builds them from a socket.io packet: `__proto__` is an own key there. */
const parsedJson = (text: string) => JSON.parse(text) as Record<string, unknown>;

function messages(result: { success: boolean; error?: { issues: Array<{ message: string }> } }): string {
  return result.error?.issues.map((issue) => issue.message).join('; ') ?? '';
}

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
    ['VP8 simulcast with rids (Chromium)', chromiumVp8Simulcast],
    ['VP8 simulcast with rid, ssrc and rtx per layer', ssrcVp8Simulcast],
    ['H264 with rtx', chromiumH264],
    ['Opus with FEC, DTX and stereo', chromiumOpus],
  ])('accept realistic browser RTP parameters: %s', (_name, value) => {
    const parsed = rtpParametersSchema.safeParse(value);
    expect(messages(parsed)).toBe('');
    expect(parsed.success).toBe(true);
  });

  it('accept a Device’s RTP capabilities, audio and video extensions sharing preferred ids', () => {
    const parsed = rtpCapabilitiesSchema.safeParse(deviceRtpCapabilities);
    expect(messages(parsed)).toBe('');
    expect(requestSchemas.join.safeParse({ rtpCapabilities: deviceRtpCapabilities }).success).toBe(true);
  });

  it('accept Chromium’s DTLS parameters', () => {
    expect(dtlsParametersSchema.safeParse(chromiumDtls).success).toBe(true);
    expect(dtlsParametersSchema.safeParse({ fingerprints: [{ algorithm: 'sha-1', value: Array.from({ length: 20 }, () => 'ab').join(':') }] }).success).toBe(true);
  });

  it.each([
    ['no codec', { codecs: [] }],
    ['a payload type out of range', { codecs: [{ ...opus, payloadType: 300 }] }],
    ['too many encodings', { codecs: [opus], encodings: Array.from({ length: 9 }, (_, i) => ({ ssrc: i })) }],
    ['too many codec parameters', { codecs: [{ ...opus, parameters: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, i])) }] }],
    ['a negative ssrc', { codecs: [opus], encodings: [{ ssrc: -1 }] }],
    // Numbers the worker would truncate or choke on.
    ['an ssrc above 2^32 - 1 (2^32 + 5 would become 5)', { codecs: [opus], encodings: [{ ssrc: 2 ** 32 + 5 }] }],
    ['an rtx ssrc above 2^32 - 1', { codecs: [vp8], encodings: [{ ssrc: 1, rtx: { ssrc: 2 ** 32 } }] }],
    ['a huge maxBitrate', { codecs: [vp8], encodings: [{ maxBitrate: 1e308 }] }],
    ['a fractional maxBitrate', { codecs: [vp8], encodings: [{ maxBitrate: 1500.5 }] }],
    ['a maxBitrate above 100 Mbps', { codecs: [vp8], encodings: [{ maxBitrate: 100_000_001 }] }],
    ['a maxFramerate above 240', { codecs: [vp8], encodings: [{ maxFramerate: 1000 }] }],
    ['a tiny scaleResolutionDownBy', { codecs: [vp8], encodings: [{ scaleResolutionDownBy: 1e-300 }] }],
    ['a scaleResolutionDownBy below 1 (upscaling)', { codecs: [vp8], encodings: [{ scaleResolutionDownBy: 0.5 }] }],
    ['a scaleResolutionDownBy above 64', { codecs: [vp8], encodings: [{ scaleResolutionDownBy: 65 }] }],
    ['a clockRate above 1 MHz', { codecs: [{ ...opus, clockRate: 1e9 }] }],
    // Duplicates the worker would resolve arbitrarily.
    ['duplicate header extension ids', { codecs: [vp8], headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }, { uri: 'urn:ietf:params:rtp-hdrext:toffset', id: 1 }] }],
    ['duplicate codec payload types', { codecs: [vp8, { mimeType: 'video/rtx', payloadType: 96, clockRate: 90000, parameters: { apt: 96 } }] }],
    ['duplicate ssrcs among encodings', { codecs: [vp8], encodings: [{ ssrc: 7 }, { ssrc: 7 }] }],
    ['an rtx ssrc equal to another encoding’s ssrc', { codecs: [vp8], encodings: [{ ssrc: 7, rtx: { ssrc: 8 } }, { ssrc: 8 }] }],
    ['an rtx ssrc equal to its own ssrc', { codecs: [vp8], encodings: [{ ssrc: 7, rtx: { ssrc: 7 } }] }],
    ['duplicate rids', { codecs: [vp8], encodings: [{ rid: 'r0' }, { rid: 'r0' }] }],
    // Text that is not what a browser writes.
    ['a NUL byte in rtcp.cname', { codecs: [opus], rtcp: { cname: 'abc\u0000def' } }],
    ['a newline in rtcp.cname', { codecs: [opus], rtcp: { cname: 'abc\ndef' } }],
    ['a control character in mid', { codecs: [opus], mid: '0\u0007' }],
    ['a control character in msid', { codecs: [opus], msid: '- abc\u001b[2J' }],
    ['a DEL in a rid', { codecs: [vp8], encodings: [{ rid: 'r0\u007f' }] }],
    ['a rid with spaces', { codecs: [vp8], encodings: [{ rid: 'r 0' }] }],
    ['a control character in a header extension uri', { codecs: [opus], headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid\r\n', id: 1 }] }],
    ['an empty header extension uri', { codecs: [opus], headerExtensions: [{ uri: '', id: 1 }] }],
    ['a control character in a codec parameter value', { codecs: [{ ...opus, parameters: { foo: 'a\u0000b' } }] }],
    ['a control character in an rtcp feedback parameter', { codecs: [{ ...vp8, rtcpFeedback: [{ type: 'nack', parameter: 'pli\u0000' }] }] }],
    ['an empty rtcp feedback type', { codecs: [{ ...vp8, rtcpFeedback: [{ type: '' }] }] }],
    ['a mimeType without a media type', { codecs: [{ ...opus, mimeType: 'opus' }] }],
    ['a mimeType of another media type', { codecs: [{ ...opus, mimeType: 'application/opus' }] }],
    ['a mimeType without a subtype', { codecs: [{ ...opus, mimeType: 'audio/' }] }],
    ['a mimeType with a control character', { codecs: [{ ...opus, mimeType: 'audio/opus\u0000' }] }],
    ['a mimeType with spaces', { codecs: [{ ...opus, mimeType: 'audio/op us' }] }],
    ['a scalabilityMode with a control character', { codecs: [vp8], encodings: [{ scalabilityMode: 'L1T3\n' }] }],
    // Codec parameter names.
    ['a __proto__ codec parameter (as JSON.parse makes it)', { codecs: [{ ...opus, parameters: parsedJson('{"__proto__": {"polluted": 1}}') }] }],
    ['a __proto__ header extension parameter', { codecs: [opus], headerExtensions: [{ uri: 'urn:x', id: 1, parameters: parsedJson('{"__proto__": {"a": 1}}') }] }],
    ['a constructor codec parameter', { codecs: [{ ...opus, parameters: { constructor: 1 } }] }],
    ['a prototype codec parameter', { codecs: [{ ...opus, parameters: { prototype: 'x' } }] }],
    ['a codec parameter shadowing Object.prototype', { codecs: [{ ...opus, parameters: { toString: 'x' } }] }],
    ['an empty codec parameter name', { codecs: [{ ...opus, parameters: { '': 1 } }] }],
    ['a codec parameter name with spaces', { codecs: [{ ...opus, parameters: { 'use inband fec': 1 } }] }],
    ['a codec parameter name with a control character', { codecs: [{ ...opus, parameters: { 'a\u0000': 1 } }] }],
  ])('reject RTP parameters with %s', (_name, value) => {
    expect(rtpParametersSchema.safeParse(value).success).toBe(false);
  });

  it('name the duplicate in the refusal', () => {
    expect(messages(rtpParametersSchema.safeParse({ codecs: [vp8, { ...vp8 }] }))).toMatch(/duplicate codec payloadType 96/);
    expect(messages(rtpParametersSchema.safeParse({ codecs: [vp8], headerExtensions: [{ uri: 'urn:a', id: 3 }, { uri: 'urn:b', id: 3 }] }))).toMatch(
      /duplicate header extension id 3/,
    );
    expect(messages(rtpParametersSchema.safeParse({ codecs: [vp8], encodings: [{ ssrc: 1, rtx: { ssrc: 2 } }, { ssrc: 2 }] }))).toMatch(/duplicate ssrc 2/);
    expect(messages(rtpParametersSchema.safeParse({ codecs: [vp8], encodings: [{ rid: 'r1' }, { rid: 'r1' }] }))).toMatch(/duplicate rid "r1"/);
    expect(messages(rtpParametersSchema.safeParse({ codecs: [{ ...opus, parameters: parsedJson('{"__proto__": {}}') }] }))).toMatch(/__proto__/);
  });

  it('give back codec parameters as plain objects with own keys only', () => {
    const input = { codecs: [{ ...opus, parameters: parsedJson('{"useinbandfec": 1, "profile-level-id": "42e01f"}') }] };
    const parsed = rtpParametersSchema.parse(input);
    const parameters = parsed.codecs[0]?.parameters;
    expect(Object.getPrototypeOf(parameters)).toBe(Object.prototype);
    expect(Object.keys(parameters ?? {})).toEqual(['useinbandfec', 'profile-level-id']);
    expect(parameters).not.toBe(input.codecs[0]?.parameters);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each([
    ['a clockRate above 1 MHz', { codecs: [{ kind: 'video', mimeType: 'video/VP8', clockRate: 2_000_000 }] }],
    ['a mimeType that is not audio/… or video/…', { codecs: [{ kind: 'video', mimeType: 'VP8', clockRate: 90000 }] }],
    ['a __proto__ codec parameter', { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, parameters: parsedJson('{"__proto__": {"x": 1}}') }] }],
    [
      'two video header extensions with one preferredId',
      {
        headerExtensions: [
          { kind: 'video', uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', preferredId: 1 },
          { kind: 'video', uri: 'urn:ietf:params:rtp-hdrext:toffset', preferredId: 1 },
        ],
      },
    ],
    ['a control character in a header extension uri', { headerExtensions: [{ kind: 'audio', uri: 'urn:x\u0000', preferredId: 1 }] }],
  ])('reject RTP capabilities with %s', (_name, value) => {
    expect(rtpCapabilitiesSchema.safeParse(value).success).toBe(false);
  });

  it('name the kind of a duplicate preferred id', () => {
    const twice = { kind: 'audio', uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', preferredId: 10 };
    expect(messages(rtpCapabilitiesSchema.safeParse({ headerExtensions: [twice, { ...twice, uri: 'urn:x' }] }))).toMatch(/duplicate audio header extension preferredId 10/);
  });

  it.each([
    ['a fingerprint that is not hex byte pairs', { fingerprints: [{ algorithm: 'sha-256', value: 'not a fingerprint' }] }],
    ['a fingerprint with a control character', { fingerprints: [{ algorithm: 'sha-256', value: `${sha256}\u0000` }] }],
    ['a fingerprint of more than 64 bytes', { fingerprints: [{ algorithm: 'sha-512', value: `${sha256}:${sha256}:00` }] }],
    ['a fingerprint with a trailing separator', { fingerprints: [{ algorithm: 'sha-256', value: `${sha256}:` }] }],
    ['a fingerprint without separators', { fingerprints: [{ algorithm: 'sha-256', value: sha256.replaceAll(':', '') }] }],
    ['more than 8 fingerprints (already bounded)', { fingerprints: Array.from({ length: 9 }, () => ({ algorithm: 'sha-256', value: sha256 })) }],
  ])('reject DTLS parameters with %s', (_name, value) => {
    expect(dtlsParametersSchema.safeParse(value).success).toBe(false);
  });

  it('reject ids with control characters', () => {
    expect(idSchema.safeParse('2b1c6f3e-8a1d-4c55-9a57-6f0c0a3b9d11').success).toBe(true);
    expect(idSchema.safeParse('abc\u0000').success).toBe(false);
    expect(requestSchemas.consume.safeParse({ producerId: 'p\n' }).success).toBe(false);
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
