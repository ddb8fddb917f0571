import type { FloorState, ParticipantView, ProducerInfo } from './views.js';

/*
 * Server → client messages, sent as socket.io event `notification` with `{ method, data }`.
 */
export interface NotificationMap {
  participantJoined: ParticipantView;
  participantUpdated: ParticipantView;
  participantLeft: { participantId: string };
  producerAdded: ProducerInfo;
  producerRemoved: { producerId: string };
  /** `reason` tells the owner why: its own request, the teacher muted it, or it lacks the floor. */
  producerPaused: { producerId: string; participantId: string; reason: ProducerPauseReason };
  producerResumed: { producerId: string; participantId: string };
  consumerClosed: { consumerId: string };
  /** The simulcast/SVC layer the SFU forwards to you changed (null: none, e.g. too little bandwidth). */
  consumerLayersChanged: { consumerId: string; spatialLayer: number | null; temporalLayer: number | null };
  consumerPaused: { consumerId: string };
  consumerResumed: { consumerId: string };
  activeSpeaker: { participantId: string | null };
  audioLevels: { levels: Array<{ participantId: string; volume: number }> };
  floorChanged: FloorState;
  spotlightChanged: { participantId: string | null };
  /** The media worker serving the lesson died; transports are gone and must be recreated. */
  mediaReset: { reason: string };
  /** The lesson is served by another signaling node now (its node died or let it go): this connection closes next; reconnect and join again. */
  lessonMoved: { reason: 'owner-gone' | 'lease-lost' };
  /** You were removed by the teacher, replaced by a newer connection of yours, or your token expired. */
  removed: { reason: RemovalReason };
  /** Recording of the lesson started or stopped (disk full, lesson ended); everyone sees an indicator while it records. */
  recordingChanged: { recording: boolean };
  lessonEnded: { reason: 'ended-by-teacher' | 'ended-by-admin' };
  /** A live caption: partials while someone speaks, then the final text of the utterance. */
  caption: Caption;
}

/** Languages captions are recognised in (the lesson's language). */
export type CaptionLanguage = 'zh' | 'en';

/**
 * One caption. Partials and the final of one utterance share `captionId`; a later message with the
 * same id replaces the earlier text, and the final one is the last.
 */
export interface Caption {
  captionId: string;
  /** Who spoke, and their display name when it was spoken. */
  participantId: string;
  speaker: string;
  language: CaptionLanguage;
  text: string;
  final: boolean;
  /** When the speech started and (so far) ended: ms since the epoch, on the speaker's capture clock. */
  startMs: number;
  endMs: number;
}

/** Why the server ended a connection's session: each is final for that connection (the client must not rejoin by itself). */
export type RemovalReason = 'removed' | 'replaced' | 'token-expired';

export type ProducerPauseReason = 'owner' | 'muted' | 'no-floor';

export type NotificationMethod = keyof NotificationMap;

/**
 * A notification as it travels: for the default (every method) a union discriminated by `method`,
 * so `switch (notification.method)` narrows `data` without casts.
 */
export type Notification<M extends NotificationMethod = NotificationMethod> = {
  [K in M]: { method: K; data: NotificationMap[K] };
}[M];
