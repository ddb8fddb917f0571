import { z } from 'zod';

/*
 * Structural schemas for the mediasoup objects that cross the wire.
 * They bound sizes, types and character sets to what browsers (mediasoup-client 3.x
 * on Chromium, Firefox, Safari) actually send, so that garbage never reaches the
 * media worker; mediasoup itself still checks semantics (codec matching…) and its
 * rejections become INVALID_MEDIA_PARAMETERS.
 */

/** C0 controls and DEL: never part of anything a browser puts in SDP-derived fields. */
const NO_CONTROL_CHARS = /^[^\u0000-\u001F\u007F]*$/;
const noControl = 'must not contain control characters';

/** Free text without control characters (msid, rtcp-fb parameter, codec parameter values…). */
const text = (max: number) => z.string().max(max).regex(NO_CONTROL_CHARS, noControl);

const id = z.string().min(1).max(128).regex(NO_CONTROL_CHARS, noControl);

const UINT32_MAX = 4_294_967_295;
const ssrc = z.number().int().min(0).max(UINT32_MAX);
const payloadType = z.number().int().min(0).max(127);
const clockRate = z.number().int().min(1).max(1_000_000);
const channels = z.number().int().min(1).max(8);
const mediaKind = z.enum(['audio', 'video']);

/** `audio/opus`, `video/VP8`, `video/rtx`, `audio/telephone-event`: a media type and an RFC 7230 token. */
const mimeType = z
  .string()
  .max(80)
  .regex(/^(audio|video)\/[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/i, 'mimeType must be audio/<name> or video/<name>');

/** Header extension URIs (`urn:ietf:params:rtp-hdrext:sdes:mid`, `http://www.webrtc.org/…`): visible ASCII, no spaces. */
const uri = z.string().regex(/^[\x21-\x7E]{1,256}$/, 'uri must be 1-256 visible ASCII characters');

/** RFC 8851 rid-id: letters, digits, '-' and '_'. */
const rid = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'rid must be 1-64 letters, digits, "-" or "_"');

/** RFC 5888 identification-tag (a token): '0', '1', … from Chromium, 'sdparta_0' from older Firefox. */
const mid = z.string().max(64).regex(/^[\x21-\x7E]*$/, 'mid must be visible ASCII without spaces');

/** RTCP CNAME: browsers send random base64-ish ASCII (or '{uuid}'); an SDES item holds at most 255 bytes. */
const cname = z.string().regex(/^[\x20-\x7E]{0,255}$/, 'cname must be at most 255 printable ASCII characters');

/** `L1T3`, `L3T3_KEY`, `S2T1h`… */
const scalabilityMode = z.string().regex(/^[A-Za-z0-9_]{1,32}$/, 'scalabilityMode must be 1-32 letters, digits or "_"');

/*
 * Codec (and header extension) parameters: `profile-level-id`, `packetization-mode`,
 * `x-google-start-bitrate`, `apt`, `sprop-stereo`… Keys are tokens; names that would
 * shadow or replace Object.prototype members are refused. zod's record silently
 * skips an own `__proto__` key (as JSON.parse creates it), so the raw keys are
 * checked before the record is parsed; the record then builds a fresh plain object.
 */
const MAX_CODEC_PARAMETERS = 32;
const parameterKey = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'parameter names are 1-64 letters, digits, "-", "_" or "."');
const parameterValue = z.union([z.number(), text(256)]);
const forbiddenParameterKeys = new Set(['__proto__', 'constructor', 'prototype']);
const isForbiddenParameterKey = (key: string) => forbiddenParameterKeys.has(key) || key in Object.prototype;

const codecParameters = z
  .unknown()
  .superRefine((input, ctx) => {
    // Shape errors (not an object…) are the record's to report.
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return;
    const keys = Reflect.ownKeys(input);
    if (keys.length > MAX_CODEC_PARAMETERS) {
      ctx.addIssue({ code: 'custom', message: `too many codec parameters (at most ${MAX_CODEC_PARAMETERS})` });
      return;
    }
    for (const key of keys) {
      if (typeof key !== 'string' || isForbiddenParameterKey(key)) {
        ctx.addIssue({ code: 'custom', message: `forbidden parameter name ${JSON.stringify(String(key))}`, path: [String(key)] });
      }
    }
  })
  .pipe(z.record(parameterKey, parameterValue));

const rtcpFeedback = z.object({
  type: z.string().min(1).max(64).regex(NO_CONTROL_CHARS, noControl),
  parameter: text(64).optional(),
});

const rtpCodecCapability = z.object({
  kind: mediaKind,
  mimeType,
  preferredPayloadType: payloadType.optional(),
  clockRate,
  channels: channels.optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: z.array(rtcpFeedback).max(32).optional(),
});

const headerExtensionCapability = z.object({
  kind: mediaKind,
  uri,
  preferredId: z.number().int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

/** Reports every entry whose key was seen before, at `path(index)`. */
function refuseDuplicates<T>(
  ctx: z.RefinementCtx,
  entries: readonly T[] | undefined,
  keyOf: (entry: T) => Array<string | number | undefined>,
  path: (index: number) => Array<string | number>,
  describe: (key: string | number) => string,
): void {
  const seen = new Set<string | number>();
  entries?.forEach((entry, index) => {
    for (const key of keyOf(entry)) {
      if (key === undefined) continue;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', message: describe(key), path: path(index) });
      seen.add(key);
    }
  });
}

/*
 * The audio and video header extensions of a router (or Device) legitimately share
 * preferred ids (sdes:mid is 1 for both kinds); within one kind an id names one extension.
 */
export const rtpCapabilitiesSchema = z
  .object({
    codecs: z.array(rtpCodecCapability).max(64).optional(),
    headerExtensions: z.array(headerExtensionCapability).max(64).optional(),
  })
  .superRefine((caps, ctx) => {
    refuseDuplicates(
      ctx,
      caps.headerExtensions,
      (ext) => [`${ext.kind} header extension preferredId ${ext.preferredId}`],
      (index) => ['headerExtensions', index, 'preferredId'],
      (key) => `duplicate ${key}`,
    );
  });

const rtpCodecParameters = z.object({
  mimeType,
  payloadType,
  clockRate,
  channels: channels.optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: z.array(rtcpFeedback).max(32).optional(),
});

const priority = z.enum(['very-low', 'low', 'medium', 'high']);

const rtpEncodingParameters = z.object({
  ssrc: ssrc.optional(),
  rid: rid.optional(),
  codecPayloadType: payloadType.optional(),
  rtx: z.object({ ssrc }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: scalabilityMode.optional(),
  /** W3C: at least 1 (no upscaling); 64 turns 4K into a thumbnail. */
  scaleResolutionDownBy: z.number().min(1).max(64).optional(),
  /** bits per second; 100 Mbps is far above any classroom camera. */
  maxBitrate: z.number().int().min(1).max(100_000_000).optional(),
  maxFramerate: z.number().positive().max(240).optional(),
  adaptivePtime: z.boolean().optional(),
  priority: priority.optional(),
  networkPriority: priority.optional(),
  active: z.boolean().optional(),
});

const rtpHeaderExtensionParameters = z.object({
  uri,
  id: z.number().int().min(1).max(255),
  encrypt: z.boolean().optional(),
  parameters: codecParameters.optional(),
});

export const rtpParametersSchema = z
  .object({
    mid: mid.optional(),
    codecs: z.array(rtpCodecParameters).min(1).max(32),
    headerExtensions: z.array(rtpHeaderExtensionParameters).max(32).optional(),
    encodings: z.array(rtpEncodingParameters).max(8).optional(),
    rtcp: z.object({ cname: cname.optional(), reducedSize: z.boolean().optional(), mux: z.boolean().optional() }).optional(),
    msid: text(256).optional(),
  })
  .superRefine((params, ctx) => {
    refuseDuplicates(
      ctx,
      params.codecs,
      (codec) => [codec.payloadType],
      (index) => ['codecs', index, 'payloadType'],
      (key) => `duplicate codec payloadType ${key}`,
    );
    refuseDuplicates(
      ctx,
      params.headerExtensions,
      (ext) => [ext.id],
      (index) => ['headerExtensions', index, 'id'],
      (key) => `duplicate header extension id ${key}`,
    );
    refuseDuplicates(
      ctx,
      params.encodings,
      (encoding) => [encoding.ssrc, encoding.rtx?.ssrc],
      (index) => ['encodings', index],
      (key) => `duplicate ssrc ${key} among encodings (media and rtx)`,
    );
    refuseDuplicates(
      ctx,
      params.encodings,
      (encoding) => [encoding.rid],
      (index) => ['encodings', index, 'rid'],
      (key) => `duplicate rid ${JSON.stringify(key)} among encodings`,
    );
  });

/** RFC 8122 fingerprint: hex byte pairs joined by ':' ('33:E7:49:…'); SHA-512 has 64 of them. */
const dtlsFingerprint = z.object({
  algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
  value: z.string().regex(/^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){0,63}$/, "fingerprint value must be hex byte pairs separated by ':'"),
});

export const dtlsParametersSchema = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(dtlsFingerprint).min(1).max(8),
});

export const idSchema = id;

// Types are the structural view; mediasoup's own types are stricter and used where mediasoup is called.
export type WireRtpCapabilities = z.infer<typeof rtpCapabilitiesSchema>;
export type WireRtpParameters = z.infer<typeof rtpParametersSchema>;
export type WireDtlsParameters = z.infer<typeof dtlsParametersSchema>;

/** An ICE server as RTCPeerConnection takes it; TURN credentials are short-lived and per participant. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** `relay`: media only through TURN (networks that let nothing else through, or tests that put a link in between). */
export type IceTransportPolicy = 'all' | 'relay';

/** What a client needs to build a transport; opaque beyond the structure mediasoup-client reads. */
export interface TransportOptions {
  /** ICE servers from the server (never from the app): TURN when configured, with fresh credentials. */
  iceServers?: IceServer[];
  iceTransportPolicy?: IceTransportPolicy;
  id: string;
  iceParameters: { usernameFragment: string; password: string; iceLite?: boolean };
  iceCandidates: Array<{
    foundation: string;
    priority: number;
    address: string;
    ip?: string;
    protocol: 'udp' | 'tcp';
    port: number;
    type: 'host' | 'srflx' | 'prflx' | 'relay';
    tcpType?: 'passive';
  }>;
  dtlsParameters: WireDtlsParameters;
}
