import { z } from 'zod';
import { webhookEventTypes } from './webhookEvents.js';

export const deliveryStates = ['pending', 'delivered', 'failed', 'dropped'] as const;
export type DeliveryState = (typeof deliveryStates)[number];

/** One delivery (an event to one endpoint) as GET /api/webhooks/deliveries shows it. */
export const deliveryRecordSchema = z.object({
  /** The payload's `id` and the ClassBridge-Delivery header: the same on every retry. */
  id: z.uuid(),
  type: z.enum(webhookEventTypes),
  lessonId: z.string(),
  /** The endpoint, its query string hidden (it may carry a token). */
  url: z.string(),
  state: z.enum(deliveryStates),
  attempts: z.number().int(),
  /** HTTP status of the last attempt; null if it got no answer. */
  lastStatus: z.number().int().nullable(),
  /** Why the last attempt did not deliver (short; never a response body). */
  lastError: z.string().nullable(),
  /** When the event happened (the payload's createdAt). */
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  /** When the next retry is due, while one is. */
  nextAttemptAt: z.string().nullable(),
  /** When it was delivered, failed or dropped. */
  settledAt: z.string().nullable(),
});
export type DeliveryRecord = z.infer<typeof deliveryRecordSchema>;

/** Query of GET /api/webhooks/deliveries. */
export const deliveryQuerySchema = z
  .object({
    state: z.enum(deliveryStates).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type DeliveryQuery = z.infer<typeof deliveryQuerySchema>;

/** The body every endpoint receives (for the OpenAPI document; `data` depends on `type`). */
export const webhookPayloadSchema = z.object({
  id: z.uuid().describe('Delivery id, the same on every retry: deduplicate on it'),
  type: z.enum(webhookEventTypes),
  createdAt: z.string().describe('ISO 8601 time the server saw it happen'),
  lessonId: z.string(),
  data: z.record(z.string(), z.unknown()).describe('participant.joined: { participant, rejoin }; participant.left: { participantId, reason }; floor.changed: { floor: { holders, raisedHands } }; lesson.ended: { reason }'),
});
