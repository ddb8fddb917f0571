import type { FloorState, MediaSource, ProducerPauseReason, Role } from './index.js';

/*
 * What happens in lessons, as the server itself sees it: the one stream that
 * webhooks (and later the recorder and captions) follow, instead of listening
 * on a socket. In-process by default; a cluster serves the same interface over Redis.
 */

interface Base {
  lessonId: string;
  /** ISO 8601 time the server saw it happen. */
  at: string;
}

export interface ParticipantSummary {
  participantId: string;
  displayName: string;
  role: Role;
  school: string | null;
  classroomId: string | null;
}

export type LessonEvent =
  | (Base & { type: 'lesson.started' })
  | (Base & { type: 'lesson.ended'; reason: 'ended-by-teacher' | 'ended-by-admin' })
  | (Base & { type: 'participant.joined'; participant: ParticipantSummary; rejoin: boolean })
  | (Base & { type: 'participant.left'; participantId: string; reason: 'left' | 'removed' })
  | (Base & { type: 'floor.changed'; floor: FloorState })
  | (Base & { type: 'spotlight.changed'; participantId: string | null })
  | (Base & { type: 'producer.added'; producerId: string; participantId: string; kind: 'audio' | 'video'; source: MediaSource; paused: boolean })
  | (Base & { type: 'producer.removed'; producerId: string })
  | (Base & { type: 'producer.paused'; producerId: string; participantId: string; reason: ProducerPauseReason })
  | (Base & { type: 'producer.resumed'; producerId: string; participantId: string });

export type LessonEventType = LessonEvent['type'];

/** Every event type, for validation of subscriptions and documentation. */
export const lessonEventTypes = [
  'lesson.started',
  'lesson.ended',
  'participant.joined',
  'participant.left',
  'floor.changed',
  'spotlight.changed',
  'producer.added',
  'producer.removed',
  'producer.paused',
  'producer.resumed',
] as const satisfies readonly LessonEventType[];

/** An event as a publisher builds it: the bus stamps `at`. */
export type LessonEventInput = LessonEvent extends infer E ? (E extends LessonEvent ? Omit<E, 'at'> : never) : never;

export interface LessonEventBus {
  /** Delivers to every subscriber; a subscriber that throws never affects the publisher or the others. */
  publish(event: LessonEventInput): void;
  /** Returns the function that unsubscribes. */
  subscribe(listener: (event: LessonEvent) => void): () => void;
}
