import type { LessonEvent } from '@classbridge/protocol';

/** What a lesson event carries besides the envelope (type, lessonId, time). */
type LessonEventData<T extends LessonEvent['type']> = Omit<Extract<LessonEvent, { type: T }>, 'type' | 'lessonId' | 'at'>;

/** Names a `data` shape at the type level only: the keys below are all that exists at run time. */
const data = <Data>() => undefined as unknown as Data;

/**
 * Every webhook event type and the shape of its `data`. Adding a type is this one line
 * (e.g. `'recording.ready': data<{ recordingId: string; … }>()`); whatever produces it
 * hands a WebhookEvent to the dispatcher.
 */
const dataOfType = {
  'lesson.started': data<LessonEventData<'lesson.started'>>(),
  'lesson.ended': data<LessonEventData<'lesson.ended'>>(),
  'participant.joined': data<LessonEventData<'participant.joined'>>(),
  'participant.left': data<LessonEventData<'participant.left'>>(),
  'floor.changed': data<LessonEventData<'floor.changed'>>(),
  /** A lesson's replay is ready (state 'ready') or could not be made ('failed'). */
  'recording.ready': data<RecordingReadyData>(),
};

export interface RecordingReadyData {
  recordingId: string;
  state: 'ready' | 'failed';
  durationSeconds: number | null;
  /** Finished after a crash rather than at the lesson's end. */
  interrupted: boolean;
  error: { code: string; message: string } | null;
}

export type WebhookDataMap = typeof dataOfType;
export type WebhookEventType = keyof WebhookDataMap;

/** Every type, in declaration order: the default of WEBHOOK_EVENTS. */
export const webhookEventTypes = Object.keys(dataOfType) as WebhookEventType[];

/** One event to deliver, before it gets a delivery id. */
export type WebhookEvent = {
  [T in WebhookEventType]: { type: T; lessonId: string; createdAt: string; data: WebhookDataMap[T] };
}[WebhookEventType];

/** The JSON body a receiver gets; `id` is the same on every retry of a delivery. */
export type WebhookPayload = WebhookEvent & { id: string };

export function isWebhookEventType(type: string): type is WebhookEventType {
  return Object.hasOwn(dataOfType, type);
}

/** The webhook a lesson event becomes, or undefined for events platforms are not sent (producers, spotlight). */
export function webhookEventOf(event: LessonEvent): WebhookEvent | undefined {
  if (!isWebhookEventType(event.type)) return undefined;
  const { type, lessonId, at, ...rest } = event;
  return { type, lessonId, createdAt: at, data: rest } as WebhookEvent;
}
