import { z } from 'zod';

/*
 * Structural schemas for the mediasoup objects that cross the wire.
 * They bound sizes and types so that garbage never reaches the media worker;
 * mediasoup itself still checks semantics (codec matching, SSRCs…) and its
 * rejections become INVALID_MEDIA_PARAMETERS.
 */

const id = z.string().min(1).max(128);
const shortText = z.string().max(256);
const codecParameters = z.record(z.string().max(64), z.union([z.string().max(256), z.number()])).refine(
  (value) => Object.keys(value).length <= 32,
  'too many codec parameters',
);

const rtcpFeedback = z.object({ type: shortText, parameter: shortText.optional() });

const rtpCodecCapability = z.object({
  kind: z.enum(['audio', 'video']),
  mimeType: shortText,
  preferredPayloadType: z.number().int().min(0).max(127).optional(),
  clockRate: z.number().int().positive(),
  channels: z.number().int().positive().max(8).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: z.array(rtcpFeedback).max(32).optional(),
});

const headerExtensionCapability = z.object({
  kind: z.enum(['audio', 'video']),
  uri: shortText,
  preferredId: z.number().int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

export const rtpCapabilitiesSchema = z.object({
  codecs: z.array(rtpCodecCapability).max(64).optional(),
  headerExtensions: z.array(headerExtensionCapability).max(64).optional(),
});

const rtpCodecParameters = z.object({
  mimeType: shortText,
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().positive(),
  channels: z.number().int().positive().max(8).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: z.array(rtcpFeedback).max(32).optional(),
});

const rtpEncodingParameters = z.object({
  ssrc: z.number().int().nonnegative().optional(),
  rid: shortText.optional(),
  codecPayloadType: z.number().int().min(0).max(127).optional(),
  rtx: z.object({ ssrc: z.number().int().nonnegative() }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: shortText.optional(),
  scaleResolutionDownBy: z.number().positive().optional(),
  maxBitrate: z.number().positive().optional(),
  maxFramerate: z.number().positive().optional(),
  adaptivePtime: z.boolean().optional(),
  priority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
  networkPriority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
  active: z.boolean().optional(),
});

const rtpHeaderExtensionParameters = z.object({
  uri: shortText,
  id: z.number().int().min(1).max(255),
  encrypt: z.boolean().optional(),
  parameters: codecParameters.optional(),
});

export const rtpParametersSchema = z.object({
  mid: shortText.optional(),
  codecs: z.array(rtpCodecParameters).min(1).max(32),
  headerExtensions: z.array(rtpHeaderExtensionParameters).max(32).optional(),
  encodings: z.array(rtpEncodingParameters).max(8).optional(),
  rtcp: z
    .object({ cname: shortText.optional(), reducedSize: z.boolean().optional(), mux: z.boolean().optional() })
    .optional(),
  msid: shortText.optional(),
});

export const dtlsParametersSchema = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(z.object({ algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']), value: z.string().min(1).max(256) }))
    .min(1)
    .max(8),
});

export const idSchema = id;

// Types are the structural view; mediasoup's own types are stricter and used where mediasoup is called.
export type WireRtpCapabilities = z.infer<typeof rtpCapabilitiesSchema>;
export type WireRtpParameters = z.infer<typeof rtpParametersSchema>;
export type WireDtlsParameters = z.infer<typeof dtlsParametersSchema>;

/** What a client needs to build a transport; opaque beyond the structure mediasoup-client reads. */
export interface TransportOptions {
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
