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
  consumerPaused: { consumerId: string };
  consumerResumed: { consumerId: string };
  activeSpeaker: { participantId: string | null };
  audioLevels: { levels: Array<{ participantId: string; volume: number }> };
  floorChanged: FloorState;
  spotlightChanged: { participantId: string | null };
  /** The media worker serving the lesson died; transports are gone and must be recreated. */
  mediaReset: { reason: string };
  /** You were removed by the teacher, or replaced by a newer connection of yours. */
  removed: { reason: 'removed' | 'replaced' };
  lessonEnded: { reason: 'ended-by-teacher' | 'ended-by-admin' };
}

export type ProducerPauseReason = 'owner' | 'muted' | 'no-floor';

export type NotificationMethod = keyof NotificationMap;

export interface Notification<M extends NotificationMethod = NotificationMethod> {
  method: M;
  data: NotificationMap[M];
}
