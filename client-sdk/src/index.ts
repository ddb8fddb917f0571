export { ClassBridgeClient } from './ClassBridgeClient.js';
export type { ClientEvents, ClientOptions, ConnectionState, InboundStats, RemoteTrack } from './ClassBridgeClient.js';
export type { CameraOptions, MicrophoneOptions } from './publishing.js';
export { ClassBridgeError, ErrorCode, canModerate, canPublish, needsFloor } from '@classbridge/protocol';
export type { ParticipantView, FloorState, LessonView, Role, MediaSource, JoinResponse } from '@classbridge/protocol';
