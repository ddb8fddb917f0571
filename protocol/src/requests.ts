import { z } from 'zod';
import { dtlsParametersSchema, idSchema, rtpCapabilitiesSchema, rtpParametersSchema } from './mediaSchemas.js';
import type { TransportOptions, WireRtpCapabilities, WireRtpParameters } from './mediaSchemas.js';
import type { ProducerPauseReason } from './notifications.js';
import type { LessonView, ParticipantView, ProducerInfo, FloorState } from './views.js';
import { mediaSources } from './roles.js';

/*
 * Every client → server request: its name, the schema of its data and the type of its reply.
 * Sent as socket.io event `request` with `{ method, data }` and an acknowledgement callback;
 * the server answers `{ ok: true, data }` or `{ ok: false, error: { code, message } }`.
 */

const empty = z.object({}).strict();
const withParticipant = z.object({ participantId: idSchema }).strict();

export const requestSchemas = {
  /** Router RTP capabilities of the caller's lesson (needed to load a mediasoup-client Device). */
  getRouterRtpCapabilities: empty,
  /** Enter the lesson named in the socket's token. */
  join: z.object({ rtpCapabilities: rtpCapabilitiesSchema }).strict(),
  /** The lesson's current state for a joined participant (after a media reset, or to resynchronise). */
  sync: empty,
  createTransport: z.object({ direction: z.enum(['send', 'recv']) }).strict(),
  connectTransport: z.object({ transportId: idSchema, dtlsParameters: dtlsParametersSchema }).strict(),
  /** Restart ICE after a network change (fast reconnect without a new transport). */
  restartIce: z.object({ transportId: idSchema }).strict(),
  /**
   * Media through this transport flows again after the SDK saw its path dead: the server asks for
   * key frames at once, so video resumes without waiting for receivers to give up on the lost frames.
   */
  mediaPathRestored: z.object({ transportId: idSchema }).strict(),
  produce: z
    .object({
      transportId: idSchema,
      kind: z.enum(['audio', 'video']),
      source: z.enum(mediaSources),
      rtpParameters: rtpParametersSchema,
      paused: z.boolean().optional(),
    })
    .strict(),
  pauseProducer: z.object({ producerId: idSchema }).strict(),
  resumeProducer: z.object({ producerId: idSchema }).strict(),
  closeProducer: z.object({ producerId: idSchema }).strict(),
  /** Create a (paused) consumer of a producer on the caller's recv transport. */
  consume: z.object({ producerId: idSchema }).strict(),
  resumeConsumer: z.object({ consumerId: idSchema }).strict(),
  pauseConsumer: z.object({ consumerId: idSchema }).strict(),
  /** Ask for a lower/higher simulcast layer (e.g. a thumbnail needs only layer 0). */
  setConsumerPreferredLayers: z
    .object({
      consumerId: idSchema,
      spatialLayer: z.number().int().min(0).max(2),
      temporalLayer: z.number().int().min(0).max(2).optional(),
    })
    .strict(),
  leave: empty,
  // Floor control (举手 / 发言) and moderation.
  raiseHand: empty,
  lowerHand: empty,
  /** Teacher: lowers someone's raised hand without giving the floor ("not now"). */
  dismissHand: withParticipant,
  grantFloor: withParticipant,
  revokeFloor: withParticipant,
  muteParticipant: withParticipant,
  removeParticipant: withParticipant,
  /** Layout hint for everyone; null clears it. */
  spotlight: z.object({ participantId: idSchema.nullable() }).strict(),
  endLesson: empty,
  /** The caller's own link quality, measured by its SDK every few seconds (linkQuality). */
  reportNetworkQuality: z
    .object({
      score: z.number().int().min(0).max(5).nullable(),
      lossPct: z.number().min(0).max(100),
      rttMs: z.number().min(0).max(60_000).nullable(),
      jitterMs: z.number().min(0).max(60_000),
      freezes: z.number().int().min(0).max(10_000),
      concealmentPct: z.number().min(0).max(100),
      availableOutgoingBitrate: z.number().min(0).max(10_000_000_000).nullable(),
    })
    .strict(),
} as const;

export type RequestMethod = keyof typeof requestSchemas;
export type RequestData<M extends RequestMethod> = z.infer<(typeof requestSchemas)[M]>;

export interface JoinResponse {
  self: ParticipantView;
  lesson: LessonView;
  participants: ParticipantView[];
  producers: ProducerInfo[];
  floor: FloorState;
  spotlight: string | null;
  /** Who is speaking now, so a late joiner need not wait for the next change. */
  activeSpeaker: string | null;
  /** The lesson is being recorded now (pages show a "recording" indicator). */
  recording: boolean;
}

export interface ConsumeResponse {
  consumerId: string;
  producerId: string;
  participantId: string;
  source: ProducerInfo['source'];
  kind: 'audio' | 'video';
  rtpParameters: WireRtpParameters;
  producerPaused: boolean;
}

type Empty = Record<string, never>;

export interface ResponseMap {
  getRouterRtpCapabilities: { rtpCapabilities: WireRtpCapabilities };
  join: JoinResponse;
  sync: JoinResponse;
  createTransport: TransportOptions;
  connectTransport: Empty;
  /** Fresh TURN credentials come with it: a restart hours into a lesson must not fail on expired ones. */
  restartIce: { iceParameters: TransportOptions['iceParameters']; iceServers?: TransportOptions['iceServers'] };
  mediaPathRestored: Empty;
  /** `pausedReason` set: the server holds the new producer paused (e.g. no floor yet). */
  produce: { producerId: string; pausedReason: ProducerPauseReason | null };
  pauseProducer: Empty;
  resumeProducer: Empty;
  closeProducer: Empty;
  consume: ConsumeResponse;
  resumeConsumer: Empty;
  reportNetworkQuality: Empty;
  pauseConsumer: Empty;
  setConsumerPreferredLayers: Empty;
  leave: Empty;
  raiseHand: Empty;
  lowerHand: Empty;
  dismissHand: Empty;
  grantFloor: Empty;
  revokeFloor: Empty;
  muteParticipant: Empty;
  removeParticipant: Empty;
  spotlight: Empty;
  endLesson: Empty;
}

export type ResponseData<M extends RequestMethod> = ResponseMap[M];

export function isRequestMethod(value: unknown): value is RequestMethod {
  return typeof value === 'string' && Object.hasOwn(requestSchemas, value);
}
