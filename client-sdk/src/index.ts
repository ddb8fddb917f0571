/**
 * The ClassBridge browser SDK: join a dedicated-classroom lesson, publish camera,
 * microphone and screen, receive everyone else, and (as teacher) run floor control.
 *
 * Start with {@link ClassBridgeClient}; its events are listed in {@link ClientEvents}.
 * The wire types it hands out (participants, floor, errors) are exported from here too,
 * so an app needs no other ClassBridge package.
 *
 * @packageDocumentation
 */
export { ClassBridgeClient } from './ClassBridgeClient.js';
export type { ClientEvents, ClientOptions, ConnectionState, InboundStats, OutboundStats, RemoteSourceChange, RemoteTrack } from './ClassBridgeClient.js';
export { Emitter } from './Emitter.js';
export { LINK_THRESHOLDS, byParticipant, intervalConcealmentPct, linkQuality, qualityClass, sampleOf } from './linkQuality.js';
export type { LinkQuality, LinkSample } from './linkQuality.js';
export type { Listener } from './Emitter.js';
export type { CameraOptions, MicrophoneOptions } from './publishing.js';
export { ClassBridgeError, ErrorCode, canModerate, canPublish, needsFloor } from '@classbridge/protocol';
export type {
  EchoWarning,
  ErrorBody,
  FloorState,
  JoinResponse,
  LessonStatus,
  LessonView,
  MediaSource,
  NetworkQuality,
  NotificationMap,
  ParticipantView,
  ProducerInfo,
  ProducerPauseReason,
  RemovalReason,
  Role,
} from '@classbridge/protocol';
